import { checkChoice, checkNumber, checkOptionKeys, describeValue } from '../src/validate';
import { ConfigError, InputError, LR0_MODEL_CROP_KIND } from '../src/contracts';
import type { FaceCrop } from '../src/contracts';
import { decodeImageRgb, uint8ToFloat } from '../src/image';
import type { CropRow, FusedIdentityRow, SrOutputRow, Store, TrackDetail } from '../src/store';
import {
  SR_CONDITIONINGS,
  SR_SAMPLING_KEYS,
  encodeSrPng,
  enhanceFaces,
  modelLrFromCrop,
  nativeModelLr,
  parseSrSamplingConfig,
  samplingFromOptions,
  type EnhanceProgress,
  type EnhancedFace,
  type SrConditioning,
  type SrFormulation,
  type SrModel,
  type SrSamplingConfig,
  type SrSamplingInput,
} from '../src/sr';

/**
 * The store-facing SR step of the composition layer: reads a stored track's LR_0 and F_M, maps
 * them to one `enhanceFaces` request (src/sr, which knows nothing of the store), and stores the
 * result with its provenance. Used by `fasr sr --track`, the batch's SR step, the queue's SR job
 * and the review UI's enhance action.
 */

/** Options of {@link enhanceTrack}. */
export interface EnhanceTrackOptions extends SrSamplingInput {
  /** The sampling settings parsed at the edge (`parseSrSamplingConfig`), not parsed again; instead of the {@link SrSamplingInput} keys. */
  readonly sampling?: Readonly<SrSamplingConfig>;
  /** The loaded model (`loadSrModel`). Required. */
  readonly model: SrModel;
  /** Noise seed, integer in [0, 2^53 - 1]. Default 0. */
  readonly seed?: number;
  /** 'fm' (the track's F_M, default) or 'zero' (feature-free ablation). */
  readonly conditioning?: SrConditioning;
  /** Embedder whose F_M to use. Default: the track's only F_M, or the only one of the model's featDim. */
  readonly embedderId?: string;
  /** LR down-scaling factor when LR_0 must be re-made at another model size, integer dividing it. Default 8 (the paper's). */
  readonly lrScale?: number;
  /** Run to record with the output. */
  readonly runId?: number | null;
  readonly onProgress?: (progress: EnhanceProgress) => void;
  readonly signal?: AbortSignal;
}

/** What {@link enhanceTrack} stored or found. */
export interface EnhanceTrackResult {
  readonly trackId: number;
  /** The sr_outputs row: new, or the existing one for the same request. */
  readonly srOutputId: number;
  /** False when an output for the same model sha256, sampler, steps, seed and conditioning existed (nothing was computed). */
  readonly inserted: boolean;
  readonly output: SrOutputRow;
  /** The computed face; null when the stored output was reused. */
  readonly face: EnhancedFace | null;
}

const SAMPLING_KEYS = SR_SAMPLING_KEYS;
const KEYS = [...SAMPLING_KEYS, 'sampling', 'model', 'seed', 'conditioning', 'embedderId', 'lrScale', 'runId', 'onProgress', 'signal'] as const;

async function cropImage(row: CropRow): Promise<FaceCrop> {
  if (row.format === 'rgb8') return { width: row.widthPx, height: row.heightPx, rgb: row.image };
  const img = await decodeImageRgb(row.image, `crop ${row.id} (${row.kind})`);
  return { width: img.width, height: img.height, rgb: img.rgb };
}

/** LR_0 at the model size: the stored 'lr0-model' crop when it has that size, else re-made from the LR_0 detection's largest aligned crop. */
/** LR_0 as the model gets it, the stored crop of the LR_0 detection it was made from and how (recorded in the output PNG as fasr:lr0-crop = the crop's kind, fasr:lr0-input; no row id, so the PNG does not depend on the store). */
async function lr0Input(detail: TrackDetail, size: number, lrScale: number, formulation: SrFormulation): Promise<{ lr: Float32Array; source: string; crop: CropRow }> {
  const lr0Id = detail.track.lr0DetectionId;
  const crops = detail.crops.filter((c) => c.detectionId === lr0Id);
  if (formulation.kind === 'residual-edm') {
    // A model trained on LR faces at their native size takes the aligned crop at the face's own resolution.
    const native = crops.find((c) => c.kind === 'aligned-full' && c.widthPx === c.heightPx);
    if (native !== undefined) return { lr: nativeModelLr(await cropImage(native), size), source: `${native.kind}, ${native.widthPx} px native`, crop: native };
  }
  const stored = crops.find((c) => c.kind === LR0_MODEL_CROP_KIND && c.widthPx === size && c.heightPx === size);
  if (stored !== undefined) {
    const img = await cropImage(stored);
    return { lr: uint8ToFloat(img.rgb), source: `${stored.kind}, as stored`, crop: stored };
  }
  const aligned = crops
    .filter((c) => (/^aligned\d+$/.test(c.kind) || c.kind === 'aligned-full') && c.widthPx === c.heightPx)
    .sort((a, b) => Number(b.widthPx === size) - Number(a.widthPx === size) || b.widthPx - a.widthPx)[0];
  if (aligned === undefined) {
    throw new InputError(
      `track ${detail.track.id}: its LR_0 detection ${lr0Id} has no '${LR0_MODEL_CROP_KIND}' crop of ${size}x${size} and no aligned crop to make one from (crops: ${crops.map((c) => `${c.kind} ${c.widthPx}x${c.heightPx}`).join(', ') || 'none'})`,
      { reason: 'no LR_0 crop' },
    );
  }
  return { lr: modelLrFromCrop(await cropImage(aligned), size, lrScale, formulation), source: `${aligned.kind}, ${aligned.widthPx} px, degraded x${lrScale}`, crop: aligned };
}

function pickFused(detail: TrackDetail, featDim: number, embedderId: string | undefined, modelId: string): FusedIdentityRow {
  const all = detail.fused;
  const list = all.map((f) => `${f.modelId} (${f.dim})`).join(', ') || 'none';
  let chosen: FusedIdentityRow | undefined;
  if (embedderId !== undefined) {
    chosen = all.find((f) => f.modelId === embedderId);
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
      `track ${detail.track.id}: feature dim mismatch: F_M of embedder ${f.modelId} has ${f.dim} values, model ${modelId} expects featDim ${featDim}; ` +
        `use a model trained with this embedder (featDim ${f.dim}, with feature_proj) or conditioning 'zero'`,
      { option: 'featureVector', expected: featDim, actual: f.dim },
    );
  }
  return f;
}

/**
 * What enhancing a track needs of a store: read the track, write the output, read it back. The
 * project's `Store` is one; the queue worker's one-track store (pipelines/queue/sr-job.ts) is another.
 */
export type SrTrackStore = Pick<Store, 'getTrack' | 'insertSrOutput' | 'getSrOutput'>;

/** Options of {@link enhanceTracks}: those of {@link enhanceTrack}; progress counts faces over all tracks. */
export type EnhanceTracksOptions = EnhanceTrackOptions;

/**
 * Enhances stored tracks, several tracks' faces per network call (`batchSize`): for each track,
 * reads its LR_0 (the pipeline's 'lr0-model' crop, or re-made from its aligned crop for a model of
 * another size) and its F_M, runs {@link enhanceFaces} and stores the PNG (labelled synthesized,
 * with provenance in its text chunks) as an SR output with the model id and sha256, sampler,
 * steps, NFE, seed, conditioning, engine, backend and timings. Every track uses `seed`; a track's
 * image does not depend on the others in its batch.
 *
 * Idempotent: a track that already has an output with the same model sha256, sampler label,
 * steps, seed, conditioning, engine and backend gets that output back and is not computed.
 * All tracks are read and checked before anything is computed.
 *
 * @returns one result per track id, in order.
 * @throws StoreError for a missing track; InputError for a track without LR_0 crop or F_M, or an
 *   F_M whose length is not the model's featDim; ConfigError for bad options.
 */
export async function enhanceTracks(store: SrTrackStore, trackIds: readonly number[], opts: EnhanceTracksOptions): Promise<EnhanceTrackResult[]> {
  const where = 'enhanceTracks';
  const raw = checkOptionKeys(where, opts, KEYS);
  const model = raw.model as SrModel;
  if (model === undefined || model === null || typeof model !== 'object' || typeof model.batchMode !== 'function') {
    throw new ConfigError(`${where}.model: expected a loaded SR model (loadSrModel), received ${describeValue(raw.model)}`, { option: 'model' });
  }
  const cfg = samplingFromOptions(where, raw, model.formulation);
  const seed = checkNumber(where, 'seed', raw.seed ?? 0, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  const conditioning = checkChoice(where, 'conditioning', raw.conditioning ?? 'fm', SR_CONDITIONINGS);
  const lrScale = checkNumber(where, 'lrScale', raw.lrScale ?? 8, { integer: true, min: 1 });
  if (raw.embedderId !== undefined && (typeof raw.embedderId !== 'string' || raw.embedderId.length === 0)) {
    throw new ConfigError(`${where}.embedderId: expected a non-empty string, received ${describeValue(raw.embedderId)}`, { option: 'embedderId' });
  }
  const runId = raw.runId === undefined || raw.runId === null ? null : checkNumber(where, 'runId', raw.runId, { integer: true, min: 1 });
  if (!Array.isArray(trackIds)) throw new ConfigError(`${where}: trackIds must be an array of track ids, received ${describeValue(trackIds)}`);

  const t0 = performance.now();
  const { imageSize: size, featDim } = model.config;
  const results: (EnhanceTrackResult | null)[] = [];
  const todo: { index: number; trackId: number; detail: TrackDetail; fused: FusedIdentityRow | null; lr: Float32Array; lr0Source: string; lr0CropKind: string }[] = [];
  for (const [index, trackId] of trackIds.entries()) {
    const detail = store.getTrack(trackId);
    const existing = detail.srOutputs.find(
      (o) =>
        o.modelSha256 === model.sha256 &&
        o.sampler === cfg.label &&
        (cfg.fixedSteps === null || o.steps === cfg.fixedSteps) &&
        o.seed === seed &&
        o.conditioning === conditioning &&
        // engines (and backends) agree only within float tolerance: an onnx request is not answered with a tfjs image
        o.engine === model.engine &&
        o.backend === model.backend,
    );
    if (existing !== undefined) {
      results.push(Object.freeze({ trackId, srOutputId: existing.id, inserted: false, output: existing, face: null }));
      continue;
    }
    const fused = conditioning === 'fm' ? pickFused(detail, featDim, raw.embedderId as string | undefined, model.id) : null;
    const { lr, source, crop } = await lr0Input(detail, size, lrScale, model.formulation);
    results.push(null);
    todo.push({ index, trackId, detail, fused, lr, lr0Source: source, lr0CropKind: crop.kind });
  }
  if (todo.length === 0) return results as EnhanceTrackResult[];
  const prepareMs = performance.now() - t0;
  const faces = await enhanceFaces(
    todo.map((t) => ({ lrImageHWC: t.lr, size, featureVector: t.fused === null ? null : t.fused.vector, seed })),
    {
      model,
      sampling: cfg,
      ...(raw.onProgress === undefined ? {} : { onProgress: raw.onProgress as (p: EnhanceProgress) => void }),
      ...(raw.signal === undefined ? {} : { signal: raw.signal as AbortSignal }),
    },
  );
  for (const [i, t] of todo.entries()) {
    const face = faces[i];
    if (face === undefined) throw new Error(`${where}: internal error: enhanceFaces returned ${faces.length} faces for ${todo.length} tracks`);
    const encodeStart = performance.now();
    const png = await encodeSrPng(face, {
      'fasr:track': String(t.trackId),
      'fasr:source': t.detail.track.sourcePath,
      // which crop of the LR_0 detection LR_0 was made from (its kind), and how: the export shows and re-runs from it
      'fasr:lr0-crop': t.lr0CropKind,
      'fasr:lr0-input': t.lr0Source,
      ...(t.fused === null ? {} : { 'fasr:embedder': t.fused.modelId }),
    });
    const timingsMs = { ...face.timingsMs, prepareMs: prepareMs / todo.length, encodeMs: performance.now() - encodeStart };
    const res = store.insertSrOutput({
      trackId: t.trackId,
      runId,
      modelId: face.modelId,
      modelSha256: face.modelSha256,
      sampler: face.sampler,
      steps: face.steps,
      networkEvaluations: face.networkEvaluations,
      seed,
      conditioning,
      engine: face.engine,
      backend: face.backend,
      png,
      widthPx: size,
      heightPx: size,
      timingsMs,
    });
    results[t.index] = Object.freeze({ trackId: t.trackId, srOutputId: res.id, inserted: res.inserted, output: store.getSrOutput(res.id), face });
  }
  return results as EnhanceTrackResult[];
}

/**
 * Enhances one stored track: {@link enhanceTracks} for one id (same provenance, same
 * idempotency: an existing output for the same request is returned and nothing is computed).
 * This is the review UI's `Actions.enhanceTrack` with a model bound by {@link createTrackEnhancer}.
 * @throws as {@link enhanceTracks}.
 */
export async function enhanceTrack(store: SrTrackStore, trackId: number, opts: EnhanceTrackOptions): Promise<EnhanceTrackResult> {
  const [result] = await enhanceTracks(store, [trackId], opts);
  if (result === undefined) throw new Error('enhanceTrack: internal error: no result');
  return result;
}

/**
 * The review UI's `Actions.enhanceTrack` (src/serve/actions.ts): {@link enhanceTrack} with a
 * loaded model and fixed defaults; per call the UI may choose seed, sampler and steps.
 */
export function createTrackEnhancer(
  model: SrModel,
  defaults: Omit<EnhanceTrackOptions, 'model' | 'onProgress' | 'signal' | 'sampling'> = {},
): (store: Store, trackId: number, opts?: { readonly seed?: number; readonly sampler?: string; readonly steps?: number }) => Promise<EnhanceTrackResult> {
  const { sampler: _s, steps: _n, snr: _r, samplerOptions: _o, batchSize: _b, guidance: _g, ...rest } = defaults;
  const samplingDefaults = Object.fromEntries(SAMPLING_KEYS.filter((k) => defaults[k] !== undefined).map((k) => [k, defaults[k]]));
  return (store, trackId, opts = {}) => {
    // The serve action's edge: the request's sampling, parsed once (messages as enhanceTracks words them).
    const sampling = parseSrSamplingConfig(
      { ...samplingDefaults, ...(opts.sampler === undefined ? {} : { sampler: opts.sampler }), ...(opts.steps === undefined ? {} : { steps: opts.steps }) },
      'enhanceTracks',
      model.formulation,
    );
    return enhanceTrack(store, trackId, { ...rest, model, sampling, ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
  };
}
