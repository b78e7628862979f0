import { FasrError, LR0_MODEL_CROP_KIND, type FaceCrop, type FusedIdentity, type ScoredDetection } from '../src/contracts';
import { fuseMean, fuseMean3Sigma, fuseQualityWeighted } from '../src/fuse';
import { degradeLikeAuthors, encodePng, floatToUint8, uint8ToFloat } from '../src/image';
import type { CropInput, DetectionResultInput, TrackResultInput } from '../src/store';
import { toTrack, type FinishedTrack } from '../src/track';
import type { DetectionCrops, PipelineDetection } from './analyse-frame';
import type { KeptCrops } from './crop-keeper';
import type { ProcessConfig } from './process-config';

/** Crop kinds the pipeline stores (crops.kind in the store). */
export const CROP_KINDS = Object.freeze({
  /** The FFHQ-aligned crop the embedder and the SR model see: `aligned${modelSizePx}`, e.g. 'aligned128'. */
  aligned: (modelSizePx: number): string => `aligned${modelSizePx}`,
  /** The FFHQ-aligned crop at the face's own resolution, for export. */
  native: 'aligned-full',
  /** LR_0 as the model takes it: the aligned crop degraded like the authors (down by lrScale, bicubic up). LR_0 detection only. */
  lr0Model: LR0_MODEL_CROP_KIND,
});

/** The F_M of `config.fusion` over a track's embeddings. */
export function fuseTrack(embeddings: readonly Float32Array[], qualities: readonly number[], embedderId: string, config: Readonly<ProcessConfig>): FusedIdentity {
  switch (config.fusion.method) {
    case 'mean':
      return fuseMean(embeddings, embedderId);
    case 'quality-weighted':
      return fuseQualityWeighted(embeddings, qualities, embedderId);
    case 'mean-3sigma':
      return fuseMean3Sigma(embeddings, embedderId, { threshold: config.fusion.sigmaThreshold, rule: 'cosine-distance' });
  }
}

/** The model's LR_0: `crop` (modelSizePx square) degraded exactly as the authors' code does (degradeLikeAuthors), quantised once. */
export function modelLr0(crop: FaceCrop, lrScale: number): FaceCrop {
  const degraded = degradeLikeAuthors(uint8ToFloat(crop.rgb), crop.width, { scale: lrScale });
  return { width: crop.width, height: crop.height, rgb: floatToUint8(degraded) };
}

async function pngCrop(kind: string, crop: FaceCrop): Promise<CropInput> {
  return { kind, format: 'png', widthPx: crop.width, heightPx: crop.height, image: await encodePng(crop) };
}

function stripKey(d: PipelineDetection): ScoredDetection {
  const { detectionKey: _key, ...rest } = d;
  return rest;
}

/**
 * The indices of the detections F_M is fused from: with `embed.topK` = K > 0 the K best by quality
 * (earliest on ties, the order of `selectLr0` and the crop keeper), in detection order; with 0, all.
 */
export function fusionMemberIndices(qualities: readonly number[], topK: number): number[] {
  const all = qualities.map((_, i) => i);
  if (topK === 0 || qualities.length <= topK) return all;
  const best = all.sort((a, b) => (qualities[b] ?? 0) - (qualities[a] ?? 0) || a - b).slice(0, topK);
  return best.sort((a, b) => a - b);
}

/**
 * The store's TrackResultInput for one finished track: every detection, with its embedding where
 * it has one (all of them when `embed.topK` is 0), the kept crops (PNG) of the K best detections,
 * the model's LR_0 on the LR_0 detection, and F_M fused from the `embed.topK` best detections
 * ({@link fusionMemberIndices}); F_M's member and rejected indices point into the track's stored
 * embeddings in detection order, as the store expects.
 * @param kept crops held for this track by detection key (CropKeeper.take); must hold LR_0's.
 * @throws FasrError E_PIPELINE when LR_0's crops were not kept or a detection F_M needs has no
 *   embedding (a bug: EmbedAdmission embeds every detection that can be among the K best).
 */
export async function buildTrackResult(
  finished: FinishedTrack<PipelineDetection>,
  kept: ReadonlyMap<number, KeptCrops<DetectionCrops>>,
  sourceId: number,
  embedderId: string,
  config: Readonly<ProcessConfig>,
): Promise<TrackResultInput> {
  const track = toTrack(finished, sourceId);
  const lr0 = finished.detections[track.lr0Index];
  if (lr0 === undefined || !kept.has(lr0.detectionKey)) {
    throw new FasrError('E_PIPELINE', `track ${finished.trackKey}: the crops of its LR_0 detection (index ${track.lr0Index}) were not kept`, { trackKey: finished.trackKey });
  }
  const alignedKind = CROP_KINDS.aligned(config.align.modelSizePx);
  /** Detection index → index among the track's stored embeddings (detection order). */
  const storedIndex = new Map<number, number>();
  const detections: DetectionResultInput[] = [];
  for (let i = 0; i < finished.detections.length; i++) {
    const d = finished.detections[i];
    if (d === undefined) throw new FasrError('E_PIPELINE', `track ${finished.trackKey}: detection ${i} is missing`, { trackKey: finished.trackKey });
    const e = finished.embeddings[i] ?? null;
    const k = kept.get(d.detectionKey);
    const crops: CropInput[] = [];
    if (k !== undefined) {
      crops.push(await pngCrop(alignedKind, k.crops.aligned), await pngCrop(CROP_KINDS.native, k.crops.native));
      if (i === track.lr0Index) crops.push(await pngCrop(CROP_KINDS.lr0Model, modelLr0(k.crops.aligned, config.align.lrScale)));
    }
    if (e !== null) storedIndex.set(i, storedIndex.size);
    detections.push({
      detection: stripKey(d),
      crops,
      embeddings: e === null ? [] : [{ modelId: embedderId, vector: e, cropKind: k !== undefined ? alignedKind : null }],
    });
  }
  const members = fusionMemberIndices(
    finished.detections.map((d) => d.quality),
    config.embed.topK,
  );
  const memberEmbeddings = members.map((i) => {
    const e = finished.embeddings[i] ?? null;
    if (e === null) throw new FasrError('E_PIPELINE', `track ${finished.trackKey}: detection ${i} has no embedding`, { trackKey: finished.trackKey });
    return e;
  });
  const fused = fuseTrack(
    memberEmbeddings,
    members.map((i) => finished.detections[i]?.quality ?? 0),
    embedderId,
    config,
  );
  // The fusion's indices are into its members; the store's are into the track's stored embeddings.
  const toStored = (m: number): number => storedIndex.get(members[m] ?? -1) ?? -1;
  const remapped = { ...fused, memberIndices: fused.memberIndices.map(toStored), rejectedIndices: fused.rejectedIndices.map(toStored) };
  return { trackKey: finished.trackKey, detections, lr0Index: track.lr0Index, fused: [remapped] };
}
