import type { FusedIdentity, ScoredDetection } from '../contracts';
import { CROP_FORMATS, TRACK_STATUSES, type CropFormat, type TrackPart, type TrackStatus } from './store';
import { JPEG_MAGIC, MAX_IMAGE_SIDE_PX, PNG_MAGIC, hasMagic } from './image-bytes';
import type { ArgCheck } from './validate';

/** A validated crop, ready to insert. */
export interface CropPlan {
  readonly kind: string;
  readonly format: CropFormat;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly image: Uint8Array;
}

export interface EmbeddingPlan {
  readonly modelId: string;
  readonly vector: Float32Array;
  readonly cropKind: string | null;
}

export interface DetectionPlan {
  readonly detection: ScoredDetection;
  readonly landmarksJson: string;
  readonly crops: readonly CropPlan[];
  readonly embeddings: readonly EmbeddingPlan[];
}


export interface TrackPlan {
  readonly trackKey: number;
  readonly lr0Index: number;
  readonly status: TrackStatus;
  readonly rejectReason: string | null;
  /** `parts` as JSON (tracks.parts_json), validated against the detections; null when absent. */
  readonly partsJson: string | null;
  readonly detections: readonly DetectionPlan[];
  /** The track's F_M per embedder, validated: the contract's shape (member indices into the track's embeddings of that embedder, in detection order). */
  readonly fused: readonly FusedIdentity[];
  readonly firstFrameIndex: number;
  readonly lastFrameIndex: number;
  readonly firstPtsMs: number;
  readonly lastPtsMs: number;
  readonly cropCount: number;
  readonly embeddingCount: number;
  readonly bestQuality: number;
}

export interface SourceResultsPlan {
  readonly runId: number | null;
  readonly tracks: readonly TrackPlan[];
}

const RESULT_KEYS = ['tracks', 'runId'] as const;
const TRACK_KEYS = ['trackKey', 'detections', 'lr0Index', 'fused', 'status', 'rejectReason', 'parts'] as const;
const PART_KEYS = ['trackKey', 'firstFrameIndex', 'lastFrameIndex', 'firstPtsMs', 'lastPtsMs', 'detectionCount'] as const;
const DETECTION_RESULT_KEYS = ['detection', 'crops', 'embeddings'] as const;
const CROP_KEYS = ['kind', 'format', 'widthPx', 'heightPx', 'image'] as const;
const EMBEDDING_KEYS = ['modelId', 'vector', 'cropKind'] as const;
const LANDMARK_KEYS = ['leftEye', 'rightEye', 'nose', 'mouthLeft', 'mouthRight'] as const;

/** Field presence check for contract objects, which may carry extra (ignored) properties. */
function contractObject(a: ArgCheck, name: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) a.fail(name, 'an object', v);
  return v as Record<string, unknown>;
}

function checkDetection(a: ArgCheck, name: string, v: unknown): { detection: ScoredDetection; landmarksJson: string } {
  const o = contractObject(a, name, v);
  const frameIndex = a.int(`${name}.frameIndex`, o.frameIndex, 0);
  const ptsMs = a.number(`${name}.ptsMs`, o.ptsMs);
  const bbox = a.array(`${name}.bboxXYWH`, o.bboxXYWH);
  if (bbox.length !== 4) a.fail(`${name}.bboxXYWH`, 'an array of 4 numbers [x, y, width, height]', bbox);
  const x = a.number(`${name}.bboxXYWH[0]`, bbox[0]);
  const y = a.number(`${name}.bboxXYWH[1]`, bbox[1]);
  const w = a.number(`${name}.bboxXYWH[2]`, bbox[2]);
  const h = a.number(`${name}.bboxXYWH[3]`, bbox[3]);
  if (w <= 0) a.fail(`${name}.bboxXYWH[2]`, 'a width > 0', w);
  if (h <= 0) a.fail(`${name}.bboxXYWH[3]`, 'a height > 0', h);
  const score = a.number(`${name}.score`, o.score, 0, 1);
  const lm = contractObject(a, `${name}.landmarks`, o.landmarks);
  const landmarks: Record<string, [number, number]> = {};
  for (const key of LANDMARK_KEYS) {
    const p = a.array(`${name}.landmarks.${key}`, lm[key]);
    if (p.length !== 2) a.fail(`${name}.landmarks.${key}`, 'an [x, y] pair', p);
    landmarks[key] = [a.number(`${name}.landmarks.${key}[0]`, p[0]), a.number(`${name}.landmarks.${key}[1]`, p[1])];
  }
  const detection: ScoredDetection = {
    frameIndex,
    ptsMs,
    bboxXYWH: [x, y, w, h],
    score,
    landmarks: landmarks as unknown as ScoredDetection['landmarks'],
    yawDeg: a.number(`${name}.yawDeg`, o.yawDeg, -180, 180),
    pitchDeg: a.number(`${name}.pitchDeg`, o.pitchDeg, -180, 180),
    rollDeg: a.number(`${name}.rollDeg`, o.rollDeg, -180, 180),
    quality: a.number(`${name}.quality`, o.quality, 0, 1),
    sharpness: a.number(`${name}.sharpness`, o.sharpness, 0),
    frontalness: a.number(`${name}.frontalness`, o.frontalness, 0, 1),
  };
  return { detection, landmarksJson: JSON.stringify(landmarks) };
}

function checkCrop(a: ArgCheck, name: string, v: unknown): CropPlan {
  const o = a.object(name, v, CROP_KEYS);
  const kind = a.string(`${name}.kind`, o.kind, 64);
  const format = a.oneOf(`${name}.format`, o.format, CROP_FORMATS);
  const widthPx = a.int(`${name}.widthPx`, o.widthPx, 1, MAX_IMAGE_SIDE_PX);
  const heightPx = a.int(`${name}.heightPx`, o.heightPx, 1, MAX_IMAGE_SIDE_PX);
  const image = a.bytes(`${name}.image`, o.image);
  if (format === 'rgb8' && image.byteLength !== widthPx * heightPx * 3) {
    a.fail(`${name}.image`, `${widthPx}*${heightPx}*3 = ${widthPx * heightPx * 3} bytes of RGB (format 'rgb8')`, image);
  }
  if (format === 'png' && !hasMagic(image, PNG_MAGIC)) a.fail(`${name}.image`, 'a PNG file (format \'png\')', image);
  if (format === 'jpeg' && !hasMagic(image, JPEG_MAGIC)) a.fail(`${name}.image`, 'a JPEG file (format \'jpeg\')', image);
  return { kind, format, widthPx, heightPx, image };
}

function checkIndexList(a: ArgCheck, name: string, v: unknown, count: number, modelId: string): number[] {
  const list = a.array(name, v);
  const seen = new Set<number>();
  return list.map((item, i) => {
    if (count === 0) a.fail(`${name}[${i}]`, `an index into the track's embeddings of model "${modelId}", but the track has none`, item);
    const idx = a.int(`${name}[${i}]`, item, 0, count - 1);
    if (seen.has(idx)) a.fail(`${name}[${i}]`, 'an index not already listed', idx);
    seen.add(idx);
    return idx;
  });
}

/**
 * A joined track's parts: at least two, in time order without overlap, the first with the track's
 * key, keys unique, and together exactly the track's detections (each part's frame range and count
 * matching the detections that fall in it).
 */
function checkParts(a: ArgCheck, name: string, v: unknown, trackKey: number, detections: readonly DetectionPlan[]): TrackPart[] {
  const list = a.array(name, v);
  if (list.length < 2) a.fail(name, 'at least two parts (absent for a track that was not joined)', v);
  const keys = new Set<number>();
  let next = 0;
  return list.map((item, i) => {
    const pn = `${name}[${i}]`;
    const o = a.object(pn, item, PART_KEYS);
    const part: TrackPart = {
      trackKey: a.int(`${pn}.trackKey`, o.trackKey, 0),
      firstFrameIndex: a.int(`${pn}.firstFrameIndex`, o.firstFrameIndex, 0),
      lastFrameIndex: a.int(`${pn}.lastFrameIndex`, o.lastFrameIndex, 0),
      firstPtsMs: a.number(`${pn}.firstPtsMs`, o.firstPtsMs),
      lastPtsMs: a.number(`${pn}.lastPtsMs`, o.lastPtsMs),
      detectionCount: a.int(`${pn}.detectionCount`, o.detectionCount, 1),
    };
    if (i === 0 && part.trackKey !== trackKey) a.fail(`${pn}.trackKey`, `the track's own key (${trackKey}) for the first part`, part.trackKey);
    if (keys.has(part.trackKey)) a.fail(`${pn}.trackKey`, 'a key unique among the parts', part.trackKey);
    keys.add(part.trackKey);
    const first = detections[next]?.detection;
    const last = detections[next + part.detectionCount - 1]?.detection;
    if (first === undefined || last === undefined || first.frameIndex !== part.firstFrameIndex || last.frameIndex !== part.lastFrameIndex || first.ptsMs !== part.firstPtsMs || last.ptsMs !== part.lastPtsMs) {
      a.fail(pn, `the frame and time range of the track's detections ${next}..${next + part.detectionCount - 1}`, item);
    }
    next += part.detectionCount;
    if (i === list.length - 1 && next !== detections.length) a.fail(`${name}`, `parts whose detectionCounts add up to the track's ${detections.length} detections (they add up to ${next})`, v);
    return part;
  });
}

function checkTrack(a: ArgCheck, name: string, v: unknown): TrackPlan {
  const o = a.object(name, v, TRACK_KEYS);
  const trackKey = a.int(`${name}.trackKey`, o.trackKey, 0);
  const detIn = a.array(`${name}.detections`, o.detections);
  if (detIn.length === 0) a.fail(`${name}.detections`, 'a non-empty array', detIn);
  const lr0Index = a.int(`${name}.lr0Index`, o.lr0Index, 0, detIn.length - 1);
  const status = o.status === undefined ? 'ok' : a.oneOf(`${name}.status`, o.status, TRACK_STATUSES);
  let rejectReason: string | null = null;
  if (status === 'rejected') rejectReason = a.string(`${name}.rejectReason`, o.rejectReason);
  else if (o.rejectReason !== undefined && o.rejectReason !== null) {
    a.fail(`${name}.rejectReason`, "null or absent when status is 'ok'", o.rejectReason);
  }

  const detections: DetectionPlan[] = [];
  // Embedding positions per model, in detection order: what FusedIdentity indices refer to.
  const embeddingsByModel = new Map<string, { dim: number; count: number }>();
  let cropCount = 0;
  let embeddingCount = 0;
  let bestQuality = -Infinity;
  detIn.forEach((item, i) => {
    const dn = `${name}.detections[${i}]`;
    const d = a.object(dn, item, DETECTION_RESULT_KEYS);
    const { detection, landmarksJson } = checkDetection(a, `${dn}.detection`, d.detection);
    const prev = detections[i - 1]?.detection;
    if (prev !== undefined && detection.frameIndex <= prev.frameIndex) {
      a.fail(`${dn}.detection.frameIndex`, `a frame index greater than the previous detection's (${prev.frameIndex}); detections must be in frame order`, detection.frameIndex);
    }
    if (prev !== undefined && detection.ptsMs < prev.ptsMs) {
      a.fail(`${dn}.detection.ptsMs`, `>= the previous detection's (${prev.ptsMs})`, detection.ptsMs);
    }
    const crops = (d.crops === undefined ? [] : a.array(`${dn}.crops`, d.crops)).map((c, j) => checkCrop(a, `${dn}.crops[${j}]`, c));
    const kinds = new Set<string>();
    crops.forEach((c, j) => {
      if (kinds.has(c.kind)) a.fail(`${dn}.crops[${j}].kind`, 'a kind unique among the crops of the detection', c.kind);
      kinds.add(c.kind);
    });
    const models = new Set<string>();
    const embeddings = (d.embeddings === undefined ? [] : a.array(`${dn}.embeddings`, d.embeddings)).map((e, j): EmbeddingPlan => {
      const en = `${dn}.embeddings[${j}]`;
      const eo = a.object(en, e, EMBEDDING_KEYS);
      const modelId = a.string(`${en}.modelId`, eo.modelId, 256);
      if (models.has(modelId)) a.fail(`${en}.modelId`, 'a model id unique among the embeddings of the detection', modelId);
      models.add(modelId);
      const vector = a.vector(`${en}.vector`, eo.vector);
      const cropKind = eo.cropKind === undefined || eo.cropKind === null ? null : a.string(`${en}.cropKind`, eo.cropKind, 64);
      if (cropKind !== null && !kinds.has(cropKind)) {
        a.fail(`${en}.cropKind`, `the kind of one of the detection's crops (${[...kinds].map((k) => `"${k}"`).join(', ') || 'it has none'})`, cropKind);
      }
      const seen = embeddingsByModel.get(modelId);
      if (seen !== undefined && seen.dim !== vector.length) {
        a.fail(`${en}.vector`, `a vector of length ${seen.dim} like the track's other "${modelId}" embeddings`, vector);
      }
      embeddingsByModel.set(modelId, { dim: vector.length, count: (seen?.count ?? 0) + 1 });
      return { modelId, vector, cropKind };
    });
    cropCount += crops.length;
    embeddingCount += embeddings.length;
    bestQuality = Math.max(bestQuality, detection.quality);
    detections.push({ detection, landmarksJson, crops, embeddings });
  });

  const fusedModels = new Set<string>();
  const fused = (o.fused === undefined ? [] : a.array(`${name}.fused`, o.fused)).map((f, j): FusedIdentity => {
    const fn = `${name}.fused[${j}]`;
    const fo = contractObject(a, fn, f);
    const modelId = a.string(`${fn}.embedderId`, fo.embedderId, 256);
    if (fusedModels.has(modelId)) a.fail(`${fn}.embedderId`, 'a model id unique among the fused identities of the track', modelId);
    fusedModels.add(modelId);
    const method = a.string(`${fn}.method`, fo.method, 64);
    const vector = a.vector(`${fn}.featureVector`, fo.featureVector);
    const members = embeddingsByModel.get(modelId);
    const count = members?.count ?? 0;
    if (members !== undefined && members.dim !== vector.length) {
      a.fail(`${fn}.featureVector`, `a vector of length ${members.dim} like the track's "${modelId}" embeddings`, vector);
    }
    const memberIndices = checkIndexList(a, `${fn}.memberIndices`, fo.memberIndices, count, modelId);
    if (memberIndices.length === 0) a.fail(`${fn}.memberIndices`, 'a non-empty array', fo.memberIndices);
    const rejectedIndices = checkIndexList(a, `${fn}.rejectedIndices`, fo.rejectedIndices, count, modelId);
    rejectedIndices.forEach((p, k) => {
      if (memberIndices.includes(p)) a.fail(`${fn}.rejectedIndices[${k}]`, 'an index not also in memberIndices', p);
    });
    return { embedderId: modelId, method, featureVector: vector, memberIndices, rejectedIndices };
  });

  const first = detections[0]?.detection;
  const last = detections[detections.length - 1]?.detection;
  if (first === undefined || last === undefined) a.fail(`${name}.detections`, 'a non-empty array', detIn);
  return {
    trackKey,
    lr0Index,
    status,
    rejectReason,
    partsJson: o.parts === undefined ? null : JSON.stringify(checkParts(a, `${name}.parts`, o.parts, trackKey, detections)),
    detections,
    fused,
    firstFrameIndex: first.frameIndex,
    lastFrameIndex: last.frameIndex,
    firstPtsMs: first.ptsMs,
    lastPtsMs: last.ptsMs,
    cropCount,
    embeddingCount,
    bestQuality,
  };
}

/**
 * Validates the whole input of replaceSourceResults before anything is written.
 * @throws StoreError naming the first bad field by its path, e.g. `results.tracks[2].detections[0].detection.score`.
 */
export function planSourceResults(a: ArgCheck, results: unknown): SourceResultsPlan {
  const o = a.object('results', results, RESULT_KEYS);
  const runId = o.runId === undefined || o.runId === null ? null : a.id('results.runId', o.runId);
  const tracksIn = a.array('results.tracks', o.tracks);
  const keys = new Set<number>();
  const tracks = tracksIn.map((t, i) => {
    const plan = checkTrack(a, `results.tracks[${i}]`, t);
    if (keys.has(plan.trackKey)) a.fail(`results.tracks[${i}].trackKey`, 'a key unique among the tracks of the source', plan.trackKey);
    keys.add(plan.trackKey);
    return plan;
  });
  return { runId, tracks };
}
