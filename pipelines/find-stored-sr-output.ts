import type { SrOutputRow, TrackDetail } from '../src/store';
import type { SrConditioning } from '../src/sr';

/** What makes two SR outputs of a track the same request. */
export interface StoredSrOutputQuery {
  readonly modelSha256: string;
  /** The sampler's canonical label (SrSamplingConfig.label), as sr_outputs stores it. */
  readonly samplerLabel: string;
  /** Steps fixed by the sampler config; null for adaptive samplers (any stored count matches). */
  readonly fixedSteps: number | null;
  readonly seed: number;
  readonly conditioning: SrConditioning;
  readonly engine: string;
  /** The backend that must have run it; undefined: any (a queued request leaves it to the workers). */
  readonly backend?: string;
}

/**
 * The stored output of a track for the same request, if any: the SR step's idempotency rule,
 * shared by the in-process run and the queue's coordinator. Engines (and backends) agree only
 * within float tolerance, so an onnx request is not answered with a tfjs image.
 */
export function findStoredSrOutput(detail: TrackDetail, q: StoredSrOutputQuery): SrOutputRow | undefined {
  return detail.srOutputs.find(
    (o) =>
      o.modelSha256 === q.modelSha256 &&
      o.sampler === q.samplerLabel &&
      (q.fixedSteps === null || o.steps === q.fixedSteps) &&
      o.seed === q.seed &&
      o.conditioning === q.conditioning &&
      o.engine === q.engine &&
      (q.backend === undefined || o.backend === q.backend),
  );
}
