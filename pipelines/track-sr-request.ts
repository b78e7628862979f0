import { InputError, LR0_MODEL_CROP_KIND, type FaceCrop, type SrRequest } from '../src/contracts';
import { decodeImageRgb, uint8ToFloat } from '../src/image';
import type { CropRow, FusedIdentityRow, TrackDetail } from '../src/store';
import { modelLrFromCrop, nativeModelLr, type SrConditioning, type SrModel } from '../src/sr';
import { DEFAULT_KEEP_NATIVE_MIN_SIDE_PX, NATIVE_CROP_KIND, decideKeepNative } from './keep-native';

/**
 * Where a stored track's SR request came from: what the output PNG records in its text chunks
 * (fasr:track, fasr:source, fasr:lr0-crop, fasr:lr0-input, fasr:embedder). No store row ids other
 * than the track's, so the PNG does not depend on the store it is written to.
 */
export interface SrProvenance {
  readonly trackId: number;
  /** The track's source file, as the store has it. */
  readonly sourcePath: string;
  /** Kind of the LR_0 detection's crop LR_0 was made from, e.g. 'lr0-model', 'aligned-full'. */
  readonly lr0CropKind: string;
  /** How LR_0 was made from that crop, e.g. 'lr0-model, as stored', 'aligned128, 128 px, degraded x8'. */
  readonly lr0Input: string;
  /** The embedder whose F_M conditions the request; null for conditioning 'zero'. */
  readonly embedderId: string | null;
}

/** One stored track as the SR stage takes it: src/sr's {@link SrRequest} and where it came from. */
export interface TrackSrRequest {
  readonly request: SrRequest;
  readonly provenance: SrProvenance;
}

/**
 * A stored track the keep-native rule answers without the SR model (pipelines/keep-native.ts): its
 * LR_0 native crop is already at least `minSidePx`, so its output is that crop, not a synthesized face.
 */
export interface KeptNativeRequest {
  readonly keptNative: {
    /** The native crop's pixels (the LR_0 detection's 'aligned-full' crop, decoded). */
    readonly crop: FaceCrop;
    readonly nativeSidePx: number;
    readonly minSidePx: number;
    /** e.g. 'native-crop-at-least-128px'. */
    readonly reason: string;
  };
  /** lr0CropKind 'aligned-full'; embedderId null (no F_M is used). */
  readonly provenance: SrProvenance;
  /** The seed and conditioning of the request it answers (recorded with the output; nothing is sampled). */
  readonly seed: number;
  readonly conditioning: SrConditioning;
}

/** What {@link trackSrRequest} makes of a track: a request for the SR model, or the native crop kept. */
export type TrackSrWork = TrackSrRequest | KeptNativeRequest;

/** True for a track the keep-native rule answers (no SR request). */
export function isKeptNative(w: TrackSrWork): w is KeptNativeRequest {
  return 'keptNative' in w;
}

/** What building a request needs of the SR model: its id, input size, F_M length and formulation (not its network). */
export type SrRequestModel = Pick<SrModel, 'id' | 'formulation'> & { readonly config: Pick<SrModel['config'], 'imageSize' | 'featDim'> };

/** The paper's LR down-scaling factor (x8), the default when LR_0 must be re-made at the model size. */
export const DEFAULT_LR_SCALE = 8;

/** Options of {@link trackSrRequest}, checked by the caller's edge. */
export interface TrackSrRequestOptions {
  /** Noise seed, integer in [0, 2^53 - 1]. */
  readonly seed: number;
  /** 'fm': the track's F_M; 'zero': no F_M (the request's featureVector is null). */
  readonly conditioning: SrConditioning;
  /** Embedder whose F_M to use; undefined: the track's only F_M, or the only one of the model's featDim. */
  readonly embedderId?: string;
  /** LR down-scaling factor when LR_0 must be re-made at the model size, integer >= 1. Default {@link DEFAULT_LR_SCALE}. */
  readonly lrScale?: number;
  /**
   * Keep-native threshold, px (pipelines/keep-native.ts): a track whose LR_0 native crop is at least
   * this on a side is kept native, not synthesized; null: off. Default {@link DEFAULT_KEEP_NATIVE_MIN_SIDE_PX} (128).
   */
  readonly keepNativeMinSidePx?: number | null;
}

/** The PNG text chunks of an SR output made from a request with this provenance, in their recorded order. */
export function srProvenanceText(p: SrProvenance): Readonly<Record<string, string>> {
  return {
    'fasr:track': String(p.trackId),
    'fasr:source': p.sourcePath,
    // which crop of the LR_0 detection LR_0 was made from (its kind), and how: the export shows and re-runs from it
    'fasr:lr0-crop': p.lr0CropKind,
    'fasr:lr0-input': p.lr0Input,
    ...(p.embedderId === null ? {} : { 'fasr:embedder': p.embedderId }),
  };
}

async function cropImage(row: CropRow): Promise<FaceCrop> {
  if (row.format === 'rgb8') return { width: row.widthPx, height: row.heightPx, rgb: row.image };
  const img = await decodeImageRgb(row.image, `crop ${row.id} (${row.kind})`);
  return { width: img.width, height: img.height, rgb: img.rgb };
}

/**
 * LR_0 as the model gets it, and the stored crop of the LR_0 detection it was made from: a
 * native-LR (residual-EDM) model's aligned crop at the face's own size, else the stored
 * 'lr0-model' crop when it has the model size, else re-made from the largest aligned crop.
 */
async function lr0Input(detail: TrackDetail, model: SrRequestModel, lrScale: number): Promise<{ lr: Float32Array; source: string; crop: CropRow }> {
  const size = model.config.imageSize;
  const lr0Id = detail.track.lr0DetectionId;
  const crops = detail.crops.filter((c) => c.detectionId === lr0Id);
  if (model.formulation.kind === 'residual-edm') {
    // A model trained on LR faces at their native size takes the aligned crop at the face's own resolution.
    const native = crops.find((c) => c.kind === NATIVE_CROP_KIND && c.widthPx === c.heightPx);
    if (native !== undefined) return { lr: nativeModelLr(await cropImage(native), size), source: `${native.kind}, ${native.widthPx} px native`, crop: native };
  }
  const stored = crops.find((c) => c.kind === LR0_MODEL_CROP_KIND && c.widthPx === size && c.heightPx === size);
  if (stored !== undefined) {
    const img = await cropImage(stored);
    return { lr: uint8ToFloat(img.rgb), source: `${stored.kind}, as stored`, crop: stored };
  }
  const aligned = crops
    .filter((c) => (/^aligned\d+$/.test(c.kind) || c.kind === NATIVE_CROP_KIND) && c.widthPx === c.heightPx)
    .sort((a, b) => Number(b.widthPx === size) - Number(a.widthPx === size) || b.widthPx - a.widthPx)[0];
  if (aligned === undefined) {
    throw new InputError(
      `track ${detail.track.id}: its LR_0 detection ${lr0Id} has no '${LR0_MODEL_CROP_KIND}' crop of ${size}x${size} and no aligned crop to make one from (crops: ${crops.map((c) => `${c.kind} ${c.widthPx}x${c.heightPx}`).join(', ') || 'none'})`,
      { reason: 'no LR_0 crop' },
    );
  }
  return { lr: modelLrFromCrop(await cropImage(aligned), size, lrScale, model.formulation), source: `${aligned.kind}, ${aligned.widthPx} px, degraded x${lrScale}`, crop: aligned };
}

function pickFused(detail: TrackDetail, model: SrRequestModel, embedderId: string | undefined): FusedIdentityRow {
  const featDim = model.config.featDim;
  const all = detail.fused;
  const list = all.map((f) => `${f.embedderId} (${f.dim})`).join(', ') || 'none';
  let chosen: FusedIdentityRow | undefined;
  if (embedderId !== undefined) {
    chosen = all.find((f) => f.embedderId === embedderId);
    if (chosen === undefined) throw new InputError(`track ${detail.track.id}: no F_M of embedder ${JSON.stringify(embedderId)}; it has: ${list}`, { option: 'embedderId' });
  } else if (all.length === 1) {
    chosen = all[0];
  } else {
    const fitting = all.filter((f) => f.dim === featDim);
    if (fitting.length !== 1) {
      throw new InputError(`track ${detail.track.id}: ${all.length === 0 ? 'no F_M stored' : `choose the F_M with embedderId; it has: ${list}`}`, { option: 'embedderId' });
    }
    chosen = fitting[0];
  }
  const f = chosen as FusedIdentityRow;
  if (f.dim !== featDim) {
    throw new InputError(
      `track ${detail.track.id}: feature dim mismatch: F_M of embedder ${f.embedderId} has ${f.dim} values, model ${model.id} expects featDim ${featDim}; ` +
        `use a model trained with this embedder (featDim ${f.dim}, with feature_proj) or conditioning 'zero'`,
      { option: 'featureVector', expected: featDim, actual: f.dim },
    );
  }
  return f;
}

/**
 * Maps a stored track to the SR stage's request: LR_0 at the model size from the LR_0 detection's
 * crops, F_M (conditioning 'fm') and the seed, with the provenance its output PNG records. The
 * composition layer's half of "store → src/sr": src/sr and the queue's SR workers see only the request.
 * A track whose LR_0 native crop is at least `keepNativeMinSidePx` (default 128) gets no request:
 * a {@link KeptNativeRequest} with that crop and the reason (no F_M needed).
 * @throws InputError for a track without an LR_0 crop or F_M, or an F_M whose length is not the model's featDim.
 */
export async function trackSrRequest(detail: TrackDetail, model: SrRequestModel, opts: TrackSrRequestOptions): Promise<TrackSrWork> {
  const keep = decideKeepNative(detail, opts.keepNativeMinSidePx === undefined ? DEFAULT_KEEP_NATIVE_MIN_SIDE_PX : opts.keepNativeMinSidePx);
  if (keep !== null) {
    return {
      keptNative: { crop: await cropImage(keep.crop), nativeSidePx: keep.nativeSidePx, minSidePx: keep.minSidePx, reason: keep.reason },
      provenance: {
        trackId: detail.track.id,
        sourcePath: detail.track.sourcePath,
        lr0CropKind: keep.crop.kind,
        lr0Input: `${keep.crop.kind}, ${keep.nativeSidePx} px native, kept (${keep.reason})`,
        embedderId: null,
      },
      seed: opts.seed,
      conditioning: opts.conditioning,
    };
  }
  return synthesisRequest(detail, model, opts);
}

/** {@link trackSrRequest} without the keep-native rule: always a request for the SR model. */
async function synthesisRequest(detail: TrackDetail, model: SrRequestModel, opts: TrackSrRequestOptions): Promise<TrackSrRequest> {
  const fused = opts.conditioning === 'fm' ? pickFused(detail, model, opts.embedderId) : null;
  const { lr, source, crop } = await lr0Input(detail, model, opts.lrScale ?? DEFAULT_LR_SCALE);
  return {
    request: { lrImageHWC: lr, size: model.config.imageSize, featureVector: fused === null ? null : fused.featureVector, seed: opts.seed },
    provenance: { trackId: detail.track.id, sourcePath: detail.track.sourcePath, lr0CropKind: crop.kind, lr0Input: source, embedderId: fused === null ? null : fused.embedderId },
  };
}
