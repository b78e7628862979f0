import { checkChoice, checkNumber, checkOptionKeys, describeValue } from '../src/validate';
import { ConfigError } from '../src/contracts';
import type { SrOutputRow, Store } from '../src/store';
import {
  SR_CONDITIONINGS,
  SR_SAMPLING_KEYS,
  parseSrSamplingConfig,
  samplingFromOptions,
  type EnhanceProgress,
  type EnhancedFace,
  type SrConditioning,
  type SrModel,
  type SrSamplingConfig,
  type SrSamplingInput,
} from '../src/sr';
import { enhanceSrRequests } from './enhance-sr-requests';
import { findStoredSrOutput } from './find-stored-sr-output';
import { decideKeepNative, parseKeepNativeMinSidePx } from './keep-native';
import { DEFAULT_LR_SCALE, trackSrRequest, type TrackSrWork } from './track-sr-request';

/**
 * The store-facing SR step of the composition layer: reads a stored track, maps it to one
 * `SrRequest` (trackSrRequest: LR_0 and F_M), runs src/sr on it (enhanceSrRequests; src/sr knows
 * nothing of the store), and stores the result with its provenance. Used by `fasr sr --track`, the
 * batch's SR step and the review UI's enhance action; the queue builds the same request on the
 * coordinator and runs enhanceSrRequests on the worker.
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
  /**
   * Keep-native threshold, px, integer in [1, 4096] (pipelines/keep-native.ts): a track whose LR_0
   * native crop ('aligned-full') is at least this on a side is not synthesized; its output is that
   * crop, stored as 'kept-native' with the reason. null or 0: off. Default 128.
   */
  readonly keepNativeMinSidePx?: number | null;
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
  /** The computed face; null when the stored output was reused or the track was kept native (output.method 'kept-native'). */
  readonly face: EnhancedFace | null;
}

const SAMPLING_KEYS = SR_SAMPLING_KEYS;
const KEYS = [...SAMPLING_KEYS, 'sampling', 'model', 'seed', 'conditioning', 'embedderId', 'lrScale', 'keepNativeMinSidePx', 'runId', 'onProgress', 'signal'] as const;

/** What enhancing a track needs of a store: read the track, write the output, read it back. */
export type SrTrackStore = Pick<Store, 'getTrack' | 'insertSrOutput' | 'getSrOutput'>;

/** Options of {@link enhanceTracks}: those of {@link enhanceTrack}; progress counts faces over all tracks. */
export type EnhanceTracksOptions = EnhanceTrackOptions;

/**
 * Enhances stored tracks, several tracks' faces per network call (`batchSize`): for each track,
 * reads its LR_0 (the pipeline's 'lr0-model' crop, or re-made from its aligned crop for a model of
 * another size) and its F_M into an SrRequest (trackSrRequest), runs enhanceFaces on the requests
 * (enhanceSrRequests) and stores the PNG (labelled synthesized,
 * with provenance in its text chunks) as an SR output with the model id and sha256, sampler,
 * steps, NFE, seed, conditioning, engine, backend and timings. Every track uses `seed`; a track's
 * image does not depend on the others in its batch.
 *
 * A track whose LR_0 native crop is at least `keepNativeMinSidePx` (default 128) is not
 * synthesized: its output is that crop, stored with method 'kept-native' and the reason.
 *
 * Idempotent: a track that already has an output with the same model sha256, sampler label,
 * steps, seed, conditioning, engine and backend gets that output back and is not computed (a
 * kept-native track: its kept-native output for the same request, findStoredSrOutput).
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
  const lrScale = checkNumber(where, 'lrScale', raw.lrScale ?? DEFAULT_LR_SCALE, { integer: true, min: 1 });
  if (raw.embedderId !== undefined && (typeof raw.embedderId !== 'string' || raw.embedderId.length === 0)) {
    throw new ConfigError(`${where}.embedderId: expected a non-empty string, received ${describeValue(raw.embedderId)}`, { option: 'embedderId' });
  }
  const keepNativeMinSidePx = parseKeepNativeMinSidePx(where, raw.keepNativeMinSidePx);
  const runId = raw.runId === undefined || raw.runId === null ? null : checkNumber(where, 'runId', raw.runId, { integer: true, min: 1 });
  if (!Array.isArray(trackIds)) throw new ConfigError(`${where}: trackIds must be an array of track ids, received ${describeValue(trackIds)}`);

  const t0 = performance.now();
  const results: (EnhanceTrackResult | null)[] = [];
  const todo: { index: number; trackId: number; req: TrackSrWork }[] = [];
  for (const [index, trackId] of trackIds.entries()) {
    const detail = store.getTrack(trackId);
    const keptNative = decideKeepNative(detail, keepNativeMinSidePx) !== null;
    const existing = findStoredSrOutput(detail, { modelSha256: model.sha256, samplerLabel: cfg.label, fixedSteps: cfg.fixedSteps, seed, conditioning, engine: model.engine, backend: model.backend, keptNative });
    if (existing !== undefined) {
      results.push(Object.freeze({ trackId, srOutputId: existing.id, inserted: false, output: existing, face: null }));
      continue;
    }
    const req = await trackSrRequest(detail, model, { seed, conditioning, lrScale, keepNativeMinSidePx, ...(raw.embedderId === undefined ? {} : { embedderId: raw.embedderId as string }) });
    results.push(null);
    todo.push({ index, trackId, req });
  }
  if (todo.length === 0) return results as EnhanceTrackResult[];
  const enhanced = await enhanceSrRequests(
    todo.map((t) => t.req),
    {
      model,
      sampling: cfg,
      prepareMsPerFace: (performance.now() - t0) / todo.length,
      ...(raw.onProgress === undefined ? {} : { onProgress: raw.onProgress as (p: EnhanceProgress) => void }),
      ...(raw.signal === undefined ? {} : { signal: raw.signal as AbortSignal }),
    },
  );
  for (const [i, t] of todo.entries()) {
    const e = enhanced[i];
    if (e === undefined) throw new Error(`${where}: internal error: enhanceSrRequests returned ${enhanced.length} results for ${todo.length} tracks`);
    const res = store.insertSrOutput({ ...e.output, trackId: t.trackId, runId });
    results[t.index] = Object.freeze({ trackId: t.trackId, srOutputId: res.id, inserted: res.inserted, output: store.getSrOutput(res.id), face: e.face });
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
