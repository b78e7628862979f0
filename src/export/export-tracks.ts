import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, LR0_MODEL_CROP_KIND } from '../contracts';
import { addPngText, encodePng, readPngText } from '../image';
import { joinInside } from '../ingest';
import { formatNpy, SYNTHESIZED_LABEL } from '../sr';
import type { CropRow, DetectionRow, JsonValue, RunRow, SourceRow, SrOutputRow, Store, TrackDetail } from '../store';
import { contactSheet, type ContactSheetTile } from './contact-sheet';
import { csvLine, type CsvValue } from './csv';
import type { ExportOptions } from './export-options';
import { safeSegment } from './safe-segment';
import { samplerLabelOptions } from './sampler-label-options';

/** Crop kinds preferred for the exported face images, best first (pipelines' CROP_KINDS: full-resolution aligned, then model-size aligned). */
const FACE_CROP_KINDS = ['aligned-full', 'aligned128'];
const MANIFEST_FORMAT = 'fasr-export/1';

/** What one track's export wrote. */
export interface ExportedTrack {
  readonly trackId: number;
  readonly sourceId: number;
  /** The track's folder, absolute (inside the output directory). */
  readonly dir: string;
  /** Files written in it, relative to `dir`. */
  readonly files: readonly string[];
  /** SR outputs exported (synthesized images). */
  readonly enhanced: number;
  /** SR outputs that are the track's native crop kept instead of a synthesized face (method 'kept-native'). */
  readonly keptNative: number;
}

/** What {@link exportTracks} did. */
export interface ExportReport {
  readonly outDir: string;
  readonly tracks: readonly ExportedTrack[];
  /** `<outDir>/manifest.csv`: one row per exported file of every track. */
  readonly manifestCsv: string;
  /** `<outDir>/index.json`: the tracks exported and their folders. */
  readonly indexJson: string;
}

/** A file of a track's export, as the manifests list it. */
interface ManifestFile {
  readonly file: string;
  readonly kind: 'lr0' | 'lr0-model' | 'fm-crop' | 'enhanced' | 'kept-native' | 'contact-sheet' | 'fused-identity';
  readonly synthesized: boolean;
  readonly sha256: string;
  readonly detectionId: number | null;
  readonly frameIndex: number | null;
  readonly ptsMs: number | null;
  readonly srOutputId: number | null;
}

const CSV_HEADER = [
  'track_id',
  'file',
  'kind',
  'synthesized',
  'sha256',
  'detection_id',
  'frame_index',
  'pts_ms',
  'wall_clock_iso',
  'source_path',
  'source_sha256',
  'camera',
  'detector',
  'detector_models_sha256',
  'embedder',
  'embedder_models_sha256',
  'sr_model_id',
  'sr_model_sha256',
  'sampler',
  'steps',
  'seed',
  'conditioning',
  'sr_method',
  'kept_native_reason',
  'native_side_px',
];

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function ext(format: CropRow['format']): string {
  return format === 'jpeg' ? 'jpg' : 'png';
}

/** A crop as an image file: PNG/JPEG bytes as stored, raw rgb8 encoded losslessly as PNG. */
async function cropFile(c: CropRow): Promise<Uint8Array> {
  return c.format === 'rgb8' ? encodePng({ width: c.widthPx, height: c.heightPx, rgb: c.image }) : c.image;
}

function wallClockMs(source: SourceRow, ptsMs: number | null): number | null {
  return source.recordedAtMs === null || ptsMs === null ? null : source.recordedAtMs + ptsMs;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function runInfo(store: Store, runId: number | null): RunRow | null {
  if (runId === null) return null;
  try {
    return store.getRun(runId);
  } catch {
    return null; // the run row was deleted: results outlive their run
  }
}

function runJson(run: RunRow | null): JsonValue {
  return run === null ? null : { id: run.id, command: run.command, status: run.status, startedAtMs: run.startedAtMs, versions: { ...run.versions }, config: run.config };
}

/** Picks the tracks to export, in id order, de-duplicated. */
function selectTrackIds(store: Store, opts: Readonly<ExportOptions>): number[] {
  if (opts.trackIds.length > 0) {
    const ids = [...new Set(opts.trackIds)].sort((a, b) => a - b);
    // getTrack throws StoreError naming a missing id, before anything is written.
    const sourceOf = new Map(ids.map((id) => [id, store.getTrack(id).track.sourceId]));
    return ids.filter((id) => opts.sourceIds.length === 0 || opts.sourceIds.includes(sourceOf.get(id) ?? -1));
  }
  const out: number[] = [];
  const sources: (number | undefined)[] = opts.sourceIds.length > 0 ? [...new Set(opts.sourceIds)] : [undefined];
  for (const sourceId of sources) {
    if (sourceId !== undefined) store.getSource(sourceId); // missing source: a clear StoreError
    const tracks = store.iterateTracks({
      ...(sourceId !== undefined ? { sourceId } : {}),
      ...(opts.sinceMs !== null ? { fromMs: opts.sinceMs, toMs: 8.64e15 } : {}),
      ...(opts.includeRejected ? {} : { status: 'ok' as const }),
      limit: 1000,
    });
    for (const t of tracks) out.push(t.id);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The folder of a track: `<camera>/<source file name>~s<source id>/track-<id>`, every part cleaned (names from sources are untrusted). */
function trackFolder(outDir: string, source: SourceRow, trackId: number): string {
  const camera = source.camera === null || source.camera.trim() === '' ? '_no-camera' : safeSegment(source.camera);
  const name = safeSegment(path.basename(source.path) || 'source');
  return joinInside(outDir, camera, `${name}~s${source.id}`, `track-${trackId}`);
}

function faceCrop(crops: readonly CropRow[], detectionId: number): CropRow | undefined {
  for (const kind of FACE_CROP_KINDS) {
    const c = crops.find((x) => x.detectionId === detectionId && x.kind === kind);
    if (c !== undefined) return c;
  }
  return crops.find((x) => x.detectionId === detectionId && x.kind !== LR0_MODEL_CROP_KIND);
}

interface Built {
  readonly files: Map<string, Uint8Array>;
  readonly manifest: Record<string, JsonValue>;
  readonly rows: CsvValue[][];
  readonly enhanced: number;
  readonly keptNative: number;
}

/** Everything of one track's export, in memory (a few images), before it is written. */
async function buildTrackExport(store: Store, detail: TrackDetail, source: SourceRow, opts: Readonly<ExportOptions>): Promise<Built> {
  const t = detail.track;
  const files = new Map<string, Uint8Array>();
  const listed: ManifestFile[] = [];
  const byDetection = new Map<number, DetectionRow>(detail.detections.map((d) => [d.id, d]));
  const add = (file: string, bytes: Uint8Array, kind: ManifestFile['kind'], synthesized: boolean, det: DetectionRow | null, srOutputId: number | null): void => {
    files.set(file, bytes);
    listed.push({ file, kind, synthesized, sha256: sha256(bytes), detectionId: det?.id ?? null, frameIndex: det?.frameIndex ?? null, ptsMs: det?.ptsMs ?? null, srOutputId });
  };
  const trackRun = runInfo(store, t.runId);
  const detector = trackRun?.versions.detector ?? null;
  const detectorSha256 = trackRun?.versions.detectorSha256 ?? null;
  const embedderSha256 = trackRun?.versions.embedderSha256 ?? null;
  const tiles: ContactSheetTile[] = [];

  // The crops that formed F_M: members of the first fused identity, best quality first, capped.
  const fused = detail.fused[0] ?? null;
  const memberIds = new Set(fused?.memberEmbeddingIds ?? []);
  const memberDetections = detail.embeddings.filter((e) => memberIds.has(e.id)).map((e) => ({ e, d: byDetection.get(e.detectionId) }));
  const fmCrops: JsonValue[] = [];
  const withCrops = memberDetections
    .map(({ e, d }) => ({ e, d, c: d === undefined ? undefined : faceCrop(detail.crops, d.id) }))
    .filter((x): x is { e: (typeof memberDetections)[number]['e']; d: DetectionRow; c: CropRow } => x.d !== undefined && x.c !== undefined)
    .sort((a, b) => b.d.quality - a.d.quality || a.d.frameIndex - b.d.frameIndex)
    .slice(0, opts.maxCrops)
    .sort((a, b) => a.d.frameIndex - b.d.frameIndex);
  for (const { e, d, c } of withCrops) {
    const file = `crops/f${String(d.frameIndex).padStart(6, '0')}-d${d.id}.${ext(c.format)}`;
    const image = await cropFile(c);
    add(file, image, 'fm-crop', false, d, null);
    fmCrops.push({ file, detectionId: d.id, embeddingId: e.id, cropKind: c.kind, frameIndex: d.frameIndex, ptsMs: d.ptsMs, wallClockIso: iso(wallClockMs(source, d.ptsMs)), quality: d.quality, bboxXYWH: [...d.bboxXYWH] });
    tiles.push({ image, caption: `crop f${d.frameIndex}`, synthesized: false });
  }

  // LR_0: the reference detection's face crop and the model's input.
  const lr0Det = byDetection.get(t.lr0DetectionId) ?? null;
  const lr0Face = faceCrop(detail.crops, t.lr0DetectionId);
  const lr0Model = detail.crops.find((c) => c.detectionId === t.lr0DetectionId && c.kind === LR0_MODEL_CROP_KIND);
  // The crop each SR output's LR_0 was made from, as enhanceTrack recorded it (fasr:lr0-crop; a
  // native-LR model takes the aligned crop at the face's own size, not lr0-model); older outputs: lr0-model.
  const allSrRows: SrOutputRow[] = [...detail.srOutputs].sort((a, b) => a.id - b.id);
  // Synthesized faces, and native crops the keep-native rule stored instead (no model input, not synthesized).
  const srRows = allSrRows.filter((sr) => sr.method === 'synthesized');
  const nativeRows = allSrRows.filter((sr) => sr.method === 'kept-native');
  // Each stored PNG's text chunks, read once (provenance: embedder, LR_0 crop, labels).
  const srText = new Map(allSrRows.map((sr) => [sr.id, readPngText(sr.png)]));
  const inputCrop = new Map(
    srRows.map((sr) => {
      const kind = srText.get(sr.id)?.['fasr:lr0-crop'];
      return [sr.id, (kind === undefined ? undefined : detail.crops.find((c) => c.detectionId === t.lr0DetectionId && c.kind === kind)) ?? lr0Model];
    }),
  );
  const inputFileOf = (c: CropRow): string => (c.kind === LR0_MODEL_CROP_KIND ? `lr0-model.${ext(c.format)}` : `lr0-input-${c.kind}.${ext(c.format)}`);
  const modelInput = [...inputCrop.values()].find((c) => c !== undefined) ?? lr0Model;
  let lr0: JsonValue = null;
  if (lr0Det !== null) {
    let faceFile: string | null = null;
    let modelFile: string | null = null;
    const faceImage = lr0Face === undefined ? null : await cropFile(lr0Face);
    if (lr0Face !== undefined && faceImage !== null) {
      faceFile = `lr0.${ext(lr0Face.format)}`;
      add(faceFile, faceImage, 'lr0', false, lr0Det, null);
    }
    // Lossless (PNG as stored, or rgb8 encoded as PNG): the exact pixels the model was given (or made its input from).
    for (const c of new Set([modelInput, ...inputCrop.values()])) {
      if (c === undefined) continue;
      const file = inputFileOf(c);
      const image = await cropFile(c);
      add(file, image, 'lr0-model', false, lr0Det, null);
      if (c === modelInput) {
        modelFile = file;
        // A track only kept native gave the model nothing: its sheet shows the native crop, not a "model input".
        if (srRows.length > 0 || nativeRows.length === 0) tiles.push({ image, caption: c.kind === LR0_MODEL_CROP_KIND ? 'LR_0 (model input)' : `LR_0 in, ${c.widthPx} px`, synthesized: false });
      }
    }
    if (modelInput === undefined && faceImage !== null) {
      tiles.push({ image: faceImage, caption: 'LR_0', synthesized: false });
    }
    lr0 = {
      file: faceFile,
      modelInputFile: modelFile,
      modelInputCropKind: modelInput?.kind ?? null,
      detectionId: lr0Det.id,
      frameIndex: lr0Det.frameIndex,
      ptsMs: lr0Det.ptsMs,
      wallClockIso: iso(wallClockMs(source, lr0Det.ptsMs)),
      quality: lr0Det.quality,
      bboxXYWH: [...lr0Det.bboxXYWH],
      yawDeg: lr0Det.yawDeg,
      pitchDeg: lr0Det.pitchDeg,
      rollDeg: lr0Det.rollDeg,
    };
  }

  // F_M, bit-exact (float32 .npy), for re-running the SR.
  const fmFileFor = (embedderId: string | null): string | null => {
    const i = detail.fused.findIndex((f) => f.embedderId === embedderId);
    return i < 0 ? null : detail.fused.length === 1 ? 'fm.npy' : `fm-${i}.npy`;
  };
  const fusedJson: JsonValue[] = [];
  for (const [i, f] of detail.fused.entries()) {
    const file = detail.fused.length === 1 ? 'fm.npy' : `fm-${i}.npy`;
    add(file, formatNpy({ dtype: 'float32', shape: [f.dim], data: f.featureVector }), 'fused-identity', false, null, null);
    fusedJson.push({ file, embedder: f.embedderId, method: f.method, dim: f.dim, memberEmbeddingIds: [...f.memberEmbeddingIds], rejectedEmbeddingIds: [...f.rejectedEmbeddingIds] });
  }

  // The enhanced faces: labelled as synthesized in the manifest and in the PNG itself.
  const enhancedJson: JsonValue[] = [];
  for (const sr of srRows) {
    const file = `enhanced-sr${sr.id}-synthesized.png`;
    // enhanceTrack names the embedder whose F_M it used in the PNG's text; else the track's only F_M.
    const present = srText.get(sr.id) ?? {};
    const srEmbedder = sr.conditioning === 'fm' ? (present['fasr:embedder'] ?? fused?.embedderId ?? null) : null;
    // enhanceTrack already labels its PNGs (Description, fasr:synthesized); add only what is missing, so
    // an output stored by any other writer is labelled too and no keyword appears twice.
    const label: Record<string, string> = {
      Synthesized: 'true',
      'fasr:synthesized': 'true',
      Description: SYNTHESIZED_LABEL,
      Software: 'fasr',
    };
    const png = addPngText(sr.png, {
      ...Object.fromEntries(Object.entries(label).filter(([k]) => present[k] === undefined)),
      'fasr:export': JSON.stringify({ srOutputId: sr.id, trackId: t.id, sourceSha256: source.sha256, modelId: sr.modelId, modelSha256: sr.modelSha256, sampler: sr.sampler, steps: sr.steps, seed: sr.seed, conditioning: sr.conditioning }),
    });
    add(file, png, 'enhanced', true, lr0Det, sr.id);
    // short enough for a 128 px tile; the sampler's full label, seed and options are in the manifest
    tiles.push({ image: sr.png, caption: `SR ${sr.networkEvaluations} NFE (synth.)`, synthesized: true });
    enhancedJson.push({
      file,
      synthesized: true,
      label: readPngText(png).Description ?? SYNTHESIZED_LABEL,
      srOutputId: sr.id,
      storedPngSha256: sha256(sr.png),
      modelId: sr.modelId,
      modelSha256: sr.modelSha256,
      sampler: sr.sampler,
      steps: sr.steps,
      conditioning: sr.conditioning,
      networkEvaluations: sr.networkEvaluations,
      seed: sr.seed,
      engine: sr.engine,
      backend: sr.backend,
      widthPx: sr.widthPx,
      heightPx: sr.heightPx,
      timingsMs: { ...sr.timingsMs },
      createdAtMs: sr.createdAtMs,
      run: runJson(runInfo(store, sr.runId)),
      // Everything `enhanceTrack` needs to make this image again, bit for bit: the model with this
      // sha256, LR_0 as given to it (the crop it recorded: lr0-model.png, or lr0-input-<kind>.png for a
      // native-LR model; made from lr0.png when absent), F_M (fm.npy), these options.
      rerun: {
        modelId: sr.modelId,
        modelSha256: sr.modelSha256,
        lr0File: ((c) => (c === undefined ? null : inputFileOf(c)))(inputCrop.get(sr.id)),
        fmFile: fmFileFor(srEmbedder),
        enhanceTrackOptions: {
          ...(samplerLabelOptions(sr.sampler, sr.steps) ?? { sampler: sr.sampler, steps: sr.steps }),
          seed: sr.seed,
          conditioning: sr.conditioning,
          ...(srEmbedder !== null ? { embedderId: srEmbedder } : {}),
        },
      },
    });
  }

  // Native crops kept instead of a synthesized face: the footage's own pixels, labelled NOT synthesized, with the reason.
  const keptNativeJson: JsonValue[] = [];
  for (const sr of nativeRows) {
    const kept = sr.keptNative;
    if (kept === null) throw new InputError(`sr output ${sr.id}: method 'kept-native' without its reason`, { reason: 'kept-native output without reason' });
    const file = `native-sr${sr.id}-kept-native.png`;
    const present = srText.get(sr.id) ?? {};
    const png = addPngText(sr.png, {
      ...(present['fasr:synthesized'] === undefined ? { 'fasr:synthesized': 'false' } : {}),
      'fasr:export': JSON.stringify({ srOutputId: sr.id, trackId: t.id, sourceSha256: source.sha256, method: sr.method, keptNativeReason: kept.reason, nativeSidePx: kept.nativeSidePx }),
    });
    add(file, png, 'kept-native', false, lr0Det, sr.id);
    tiles.push({ image: sr.png, caption: `native ${kept.nativeSidePx} px (kept)`, synthesized: false });
    const cropKind = present['fasr:lr0-crop'] ?? null;
    keptNativeJson.push({
      file,
      synthesized: false,
      method: sr.method,
      reason: kept.reason,
      nativeSidePx: kept.nativeSidePx,
      nativeCropKind: cropKind,
      // the stored crop itself, when the export has it (lr0.png is the LR_0 detection's native crop)
      nativeCropFile: cropKind !== null && lr0Face?.kind === cropKind ? `lr0.${ext(lr0Face.format)}` : null,
      label: present.Description ?? null,
      srOutputId: sr.id,
      storedPngSha256: sha256(sr.png),
      widthPx: sr.widthPx,
      heightPx: sr.heightPx,
      // the SR request this output answers; no sampler and no network ran (steps and NFE 0)
      request: { modelId: sr.modelId, modelSha256: sr.modelSha256, sampler: sr.sampler, seed: sr.seed, conditioning: sr.conditioning, engine: sr.engine },
      steps: sr.steps,
      networkEvaluations: sr.networkEvaluations,
      createdAtMs: sr.createdAtMs,
      run: runJson(runInfo(store, sr.runId)),
    });
  }

  if (tiles.length > 0) {
    const sheet = await contactSheet(tiles, {
      tilePx: opts.tilePx,
      text: {
        Description:
          (srRows.length > 0 ? `fasr track ${t.id}: crops, LR_0 and ${srRows.length} SYNTHESIZED enhanced face(s) (red frame)` : `fasr track ${t.id}: crops and LR_0`) +
          (nativeRows.length > 0 ? `; native crop kept, not synthesized (${nativeRows[0]?.keptNative?.reason ?? 'kept native'})` : ''),
        Synthesized: srRows.length > 0 ? 'contains synthesized images (red-framed tiles)' : 'false',
        Software: 'fasr',
      },
    });
    add('contact-sheet.png', sheet, 'contact-sheet', srRows.length > 0, null, null);
  }

  const embedder = fused?.embedderId ?? detail.embeddings[0]?.modelId ?? trackRun?.versions.embedder ?? null;
  const manifest: Record<string, JsonValue> = {
    format: MANIFEST_FORMAT,
    track: {
      id: t.id,
      trackKey: t.trackKey,
      status: t.status,
      rejectReason: t.rejectReason,
      firstFrameIndex: t.firstFrameIndex,
      lastFrameIndex: t.lastFrameIndex,
      firstPtsMs: t.firstPtsMs,
      lastPtsMs: t.lastPtsMs,
      startIso: iso(t.startAtMs),
      endIso: iso(t.endAtMs),
      detectionCount: t.detectionCount,
      bestQuality: t.bestQuality,
      // The tracker's tracks this one was joined from (one person split by a gap or a cut); null: not joined.
      joinedFrom: t.parts === null ? null : t.parts.map((p) => ({ ...p })),
    },
    source: {
      id: source.id,
      path: source.path,
      sha256: source.sha256,
      sizeBytes: source.sizeBytes,
      camera: source.camera,
      recordedAtIso: iso(source.recordedAtMs),
      codec: source.codec,
      widthPx: source.widthPx,
      heightPx: source.heightPx,
      fps: source.fps,
      durationMs: source.durationMs,
    },
    detector: { id: detector, modelFilesSha256: detectorSha256 },
    embedder: { id: embedder, modelFilesSha256: embedderSha256 },
    run: runJson(trackRun),
    lr0,
    fmCrops,
    fusedIdentities: fusedJson,
    enhanced: enhancedJson,
    keptNative: keptNativeJson,
    files: listed.map((f) => ({ ...f })),
  };
  const firstSr = srRows[0] ?? null;
  const rows: CsvValue[][] = listed.map((f) => {
    const sr = f.srOutputId === null ? firstSr && f.kind === 'contact-sheet' ? firstSr : null : (allSrRows.find((s) => s.id === f.srOutputId) ?? null);
    return [
      t.id,
      f.file,
      f.kind,
      f.synthesized,
      f.sha256,
      f.detectionId,
      f.frameIndex,
      f.ptsMs,
      iso(wallClockMs(source, f.ptsMs)),
      source.path,
      source.sha256,
      source.camera,
      detector,
      detectorSha256,
      embedder,
      embedderSha256,
      sr?.modelId ?? null,
      sr?.modelSha256 ?? null,
      sr?.sampler ?? null,
      sr?.steps ?? null,
      sr?.seed ?? null,
      sr?.conditioning ?? null,
      sr?.method ?? null,
      sr?.keptNative?.reason ?? null,
      sr?.keptNative?.nativeSidePx ?? null,
    ];
  });
  return { files, manifest, rows, enhanced: srRows.length, keptNative: nativeRows.length };
}

/** Writes a track's files into a fresh sibling folder, then swaps it in: a crash never leaves a half-written track folder under its final name. */
function writeTrackFolder(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = joinInside(parent, `.${path.basename(dir)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [name, bytes] of files) {
    const file = joinInside(tmp, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

/**
 * Per-track export for analysts: for each selected track a folder
 * `<outDir>/<camera>/<source name>~s<source id>/track-<id>/` with the enhanced faces (SR outputs,
 * labelled SYNTHESIZED in the PNG text chunks and the manifest), or for a track the keep-native rule
 * answered its native crop (`native-sr<id>-kept-native.png`, labelled not synthesized; the
 * manifest's `keptNative` says why, with the native side), LR_0 (`lr0.png`, and
 * `lr0-model.png`, the model's exact input), the crops that formed F_M (`crops/`), F_M itself
 * (`fm.npy`, float32, bit-exact), a contact sheet (`contact-sheet.png`: crops, LR_0, SR side by
 * side) and a manifest (`manifest.json`, `manifest.csv`) with provenance: source path and sha256,
 * camera, frame indices and timestamps, detector and embedder ids (from the run that wrote the
 * track), SR model id and sha256, sampler, steps, seed, engine, backend and the SR run's config —
 * enough to re-run the SR bit for bit. `<outDir>/manifest.csv` and `index.json` list every track.
 *
 * Names from sources (file names, camera names) are cleaned (`safeSegment`) and every write goes
 * through `joinInside`: nothing is written outside `outDir`. A track's folder is written aside and
 * renamed into place, so a re-export replaces it whole.
 * @throws StoreError for a track or source id that does not exist (before anything is written).
 */
export async function exportTracks(store: Store, opts: Readonly<ExportOptions>): Promise<ExportReport> {
  if (typeof opts !== 'object' || opts === null || !Object.isFrozen(opts) || typeof opts.outDir !== 'string') {
    throw new InputError('exportTracks: options must come from parseExportOptions', { option: 'opts' });
  }
  const ids = selectTrackIds(store, opts);
  fs.mkdirSync(opts.outDir, { recursive: true });
  const exported: ExportedTrack[] = [];
  const allRows: CsvValue[][] = [];
  const sources = new Map<number, SourceRow>();
  for (const id of ids) {
    const detail = store.getTrack(id);
    const sourceId = detail.track.sourceId;
    const source = sources.get(sourceId) ?? store.getSource(sourceId);
    sources.set(sourceId, source);
    const built = await buildTrackExport(store, detail, source, opts);
    const dir = trackFolder(opts.outDir, source, id);
    const files = new Map(built.files);
    files.set('manifest.json', Buffer.from(JSON.stringify(built.manifest, null, 2) + '\n', 'utf8'));
    files.set('manifest.csv', Buffer.from([CSV_HEADER, ...built.rows].map(csvLine).join('\r\n') + '\r\n', 'utf8'));
    writeTrackFolder(dir, files);
    const rel = path.relative(opts.outDir, dir).split(path.sep).join('/');
    allRows.push(...built.rows.map((r) => [r[0] ?? null, `${rel}/${String(r[1])}`, ...r.slice(2)]));
    exported.push(Object.freeze({ trackId: id, sourceId, dir, files: Object.freeze([...files.keys()].sort()), enhanced: built.enhanced, keptNative: built.keptNative }));
  }
  const manifestCsv = joinInside(opts.outDir, 'manifest.csv');
  fs.writeFileSync(manifestCsv, [CSV_HEADER, ...allRows].map(csvLine).join('\r\n') + '\r\n');
  const indexJson = joinInside(opts.outDir, 'index.json');
  fs.writeFileSync(
    indexJson,
    JSON.stringify(
      {
        format: MANIFEST_FORMAT,
        store: store.file,
        tracks: exported.map((e) => ({ trackId: e.trackId, sourceId: e.sourceId, folder: path.relative(opts.outDir, e.dir).split(path.sep).join('/'), enhanced: e.enhanced, keptNative: e.keptNative })),
      },
      null,
      2,
    ) + '\n',
  );
  return Object.freeze({ outDir: opts.outDir, tracks: Object.freeze(exported), manifestCsv, indexJson });
}
