import type { SrConditioning } from '../../src/sr';
import { parseSrSamplingConfig } from '../../src/sr';
import type { SrFormulation } from '../../src/sr';
import type { Store } from '../../src/store';
import { srJobId } from './job-ids';
import type { JobReceipt, QueueClient } from './queue-client';
import { srJobOutputFromWire, srTrackInput, type SrJobOptions, type SrModelSpec } from './sr-job';
import { encodeWire } from './wire-codec';

/** The SR step of a queued run: which model (as workers load it) and how to sample. */
export interface QueuedSrSpec {
  readonly model: SrModelSpec;
  /** sha256 of the model's weights (the coordinator loaded it once); workers must have the same file. */
  readonly modelSha256: string;
  /** The sampler's canonical label (parseSrSamplingConfig(...).label), as sr_outputs stores it. */
  readonly samplerLabel: string;
  /** Steps fixed by the sampler config; null for adaptive samplers. */
  readonly fixedSteps: number | null;
  readonly options: SrJobOptions;
}

/** What {@link enhanceTrackViaQueue} stored or found. */
export interface QueuedEnhanceResult {
  readonly srOutputId: number;
  /** False when the store already had an output for the same request. */
  readonly inserted: boolean;
  /** The SR job's receipt; null when the store had the output (nothing was sent). */
  readonly receipt: JobReceipt | null;
  /** Coordinator time to decode and store the result, ms (0 when nothing was sent). */
  readonly writeMs: number;
}

/**
 * {@link QueuedSrSpec} from what a user chooses (sampler name, steps, seed, conditioning).
 * @param formulation the model's (SrModel.formulation): with no sampler chosen, the label is that of
 *   its default (defaultSrSampler), which is what the worker runs and stores; default the paper's.
 * @throws ConfigError for bad sampling settings (as enhanceTrack would).
 */
export function queuedSrSpec(
  model: SrModelSpec,
  modelSha256: string,
  choice: { readonly sampler?: string; readonly steps?: number; readonly seed?: number; readonly conditioning?: SrConditioning },
  formulation?: SrFormulation,
): QueuedSrSpec {
  const sampling = parseSrSamplingConfig({ ...(choice.sampler === undefined ? {} : { sampler: choice.sampler }), ...(choice.steps === undefined ? {} : { steps: choice.steps }) }, 'queued SR', formulation);
  return {
    model,
    modelSha256,
    samplerLabel: sampling.label,
    fixedSteps: sampling.fixedSteps,
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
 * then one SR job carrying the track's LR_0 crops and F_M under an id hashed from exactly that data
 * (a finished job is reused), and the returned row stored with `insertSrOutput`.
 * @throws StoreError for a missing track; QueueJobError when the job failed for good or was stopped.
 */
export async function enhanceTrackViaQueue(store: Store, client: QueueClient, trackId: number, sr: QueuedSrSpec, runId: number | null, signal?: AbortSignal): Promise<QueuedEnhanceResult> {
  const detail = store.getTrack(trackId);
  const o = sr.options;
  const existing = detail.srOutputs.find(
    (x) =>
      x.modelSha256 === sr.modelSha256 &&
      x.sampler === sr.samplerLabel &&
      (sr.fixedSteps === null || x.steps === sr.fixedSteps) &&
      x.seed === o.seed &&
      x.conditioning === o.conditioning &&
      // the workers' backend is theirs to choose, the engine is the request's
      x.engine === sr.model.engine,
  );
  if (existing !== undefined) return { srOutputId: existing.id, inserted: false, receipt: null, writeMs: 0 };
  // One encoding pass over the whole job: the track's crops and F_M become base64 inside it (SrJobData.track).
  const data = encodeWire({ v: 1, model: sr.model, modelSha256: sr.modelSha256, options: o, track: srTrackInput(detail) });
  const receipt = await client.run('sr', srJobId(data), data, signal);
  const w0 = Date.now();
  const res = store.insertSrOutput({ ...srJobOutputFromWire(receipt.result), trackId, runId });
  return { srOutputId: res.id, inserted: res.inserted, receipt, writeMs: Date.now() - w0 };
}
