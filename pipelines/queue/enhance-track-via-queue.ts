import type { SrConditioning, SrModel } from '../../src/sr';
import { parseSrSamplingConfig } from '../../src/sr';
import type { Store } from '../../src/store';
import { keptNativeOutput } from '../enhance-sr-requests';
import { findStoredSrOutput } from '../find-stored-sr-output';
import { decideKeepNative, parseKeepNativeMinSidePx } from '../keep-native';
import { isKeptNative, trackSrRequest, type SrRequestModel } from '../track-sr-request';
import { srJobId } from './job-ids';
import type { JobReceipt, QueueClient } from './queue-client';
import { srJobOutputFromWire, type SrJobData, type SrJobOptions, type SrModelSpec } from './sr-job';
import { encodeWire } from './wire-codec';

/** What the coordinator knows of the model it loaded once: its sha256 and what building its requests needs (not its network). */
export type QueuedSrModel = SrRequestModel & Pick<SrModel, 'sha256'>;

/** The SR step of a queued run: which model (as workers load it), how to build its requests and how to sample. */
export interface QueuedSrSpec {
  readonly model: SrModelSpec;
  /** sha256 of the model's weights (the coordinator loaded it once); workers must have the same file. */
  readonly modelSha256: string;
  /** The model's id, input size, featDim and formulation: the coordinator builds each track's SrRequest with them. */
  readonly requestModel: SrRequestModel;
  /** The sampler's canonical label (parseSrSamplingConfig(...).label), as sr_outputs stores it. */
  readonly samplerLabel: string;
  /** Steps fixed by the sampler config; null for adaptive samplers. */
  readonly fixedSteps: number | null;
  /** Keep-native threshold, px; null: off (pipelines/keep-native.ts). The coordinator applies it: a kept-native track sends no job. */
  readonly keepNativeMinSidePx: number | null;
  readonly options: SrJobOptions;
}

/** What {@link enhanceTrackViaQueue} stored or found. */
export interface QueuedEnhanceResult {
  readonly srOutputId: number;
  /** False when the store already had an output for the same request. */
  readonly inserted: boolean;
  /** True when the output is the track's native crop (keep-native rule), not a synthesized face. */
  readonly keptNative: boolean;
  /** The SR job's receipt; null when the store had the output or the track was kept native (nothing was sent). */
  readonly receipt: JobReceipt | null;
  /** Coordinator time to decode and store the result, ms (0 when nothing was sent). */
  readonly writeMs: number;
}

/**
 * {@link QueuedSrSpec} from the loaded model and what a user chooses (sampler name, steps, seed, conditioning).
 * With no sampler chosen, the label is that of the default of the model's formulation
 * (defaultSrSampler), which is what the worker runs and stores.
 * @param where names the choice in error messages. Default 'queued SR'.
 * @throws ConfigError for bad sampling settings (as enhanceTrack would).
 */
export function queuedSrSpec(
  model: SrModelSpec,
  loaded: QueuedSrModel,
  choice: { readonly sampler?: string; readonly steps?: number; readonly seed?: number; readonly conditioning?: SrConditioning; readonly keepNativeMinSidePx?: number | null },
  where = 'queued SR',
): QueuedSrSpec {
  const keepNativeMinSidePx = parseKeepNativeMinSidePx(where, choice.keepNativeMinSidePx);
  const sampling = parseSrSamplingConfig({ ...(choice.sampler === undefined ? {} : { sampler: choice.sampler }), ...(choice.steps === undefined ? {} : { steps: choice.steps }) }, where, loaded.formulation);
  return {
    model,
    modelSha256: loaded.sha256,
    requestModel: { id: loaded.id, formulation: loaded.formulation, config: { imageSize: loaded.config.imageSize, featDim: loaded.config.featDim } },
    samplerLabel: sampling.label,
    fixedSteps: sampling.fixedSteps,
    keepNativeMinSidePx,
    options: {
      seed: choice.seed ?? 0,
      conditioning: choice.conditioning ?? 'fm',
      ...(choice.sampler === undefined ? {} : { sampler: choice.sampler }),
      ...(choice.steps === undefined ? {} : { steps: choice.steps }),
    },
  };
}

/**
 * `enhanceTrack` with the compute on an SR worker: the same idempotency (an output of the store for
 * the same model sha256, sampler, steps, seed and conditioning is returned and nothing is sent),
 * then the track's SrRequest built here from the store (trackSrRequest, as in-process), one SR job
 * carrying it under an id hashed from exactly that data (a finished job is reused), and the
 * returned row stored with `insertSrOutput` (with the time spent building the request as prepareMs).
 * @throws StoreError for a missing track; InputError for a track without LR_0 crop or fitting F_M;
 *   QueueJobError when the job failed for good or was stopped.
 */
export async function enhanceTrackViaQueue(store: Store, client: QueueClient, trackId: number, sr: QueuedSrSpec, runId: number | null, signal?: AbortSignal): Promise<QueuedEnhanceResult> {
  const t0 = performance.now();
  const detail = store.getTrack(trackId);
  const o = sr.options;
  // the workers' backend is theirs to choose, the engine is the request's
  const keptNative = decideKeepNative(detail, sr.keepNativeMinSidePx) !== null;
  const existing = findStoredSrOutput(detail, { modelSha256: sr.modelSha256, samplerLabel: sr.samplerLabel, fixedSteps: sr.fixedSteps, seed: o.seed, conditioning: o.conditioning, engine: sr.model.engine, keptNative });
  if (existing !== undefined) return { srOutputId: existing.id, inserted: false, keptNative, receipt: null, writeMs: 0 };
  const req = await trackSrRequest(detail, sr.requestModel, { seed: o.seed, conditioning: o.conditioning, keepNativeMinSidePx: sr.keepNativeMinSidePx });
  if (isKeptNative(req)) {
    // The native crop is the output: nothing for a worker to compute, so no job is sent.
    const w0 = Date.now();
    const out = await keptNativeOutput(req, { modelId: sr.requestModel.id, modelSha256: sr.modelSha256, samplerLabel: sr.samplerLabel, seed: o.seed, conditioning: o.conditioning, engine: sr.model.engine });
    const res = store.insertSrOutput({ ...out, timingsMs: { ...out.timingsMs, prepareMs: performance.now() - t0 }, trackId, runId });
    return { srOutputId: res.id, inserted: res.inserted, keptNative: true, receipt: null, writeMs: Date.now() - w0 };
  }
  const job: SrJobData = { v: 2, model: sr.model, modelSha256: sr.modelSha256, options: o, ...req };
  const prepareMs = performance.now() - t0;
  // One encoding pass over the whole job: LR_0 and F_M become base64 inside it.
  const data = encodeWire(job);
  const receipt = await client.run('sr', srJobId(data), data, signal);
  const w0 = Date.now();
  const out = srJobOutputFromWire(receipt.result);
  const res = store.insertSrOutput({ ...out, timingsMs: { ...out.timingsMs, prepareMs }, trackId, runId });
  return { srOutputId: res.id, inserted: res.inserted, keptNative: false, receipt, writeMs: Date.now() - w0 };
}
