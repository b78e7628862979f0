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
  /**
   * Whether the keep-native rule answers this track under the current config (decideKeepNative):
   * true matches only a 'kept-native' output, false only a synthesized one, so turning the rule off
   * (or on) is never answered by the other kind's stored image.
   */
  readonly keptNative: boolean;
}

/**
 * The stored output of a track for the same request, if any: the SR step's idempotency rule,
 * shared by the in-process run and the queue's coordinator. Engines (and backends) agree only
 * within float tolerance, so an onnx request is not answered with a tfjs image. A kept-native
 * output answers the same request fields (model, sampler label, seed, conditioning, engine); it
 * ran no sampler and no backend, so its steps (0) and backend ('none') are not compared.
 */
export function findStoredSrOutput(detail: Pick<TrackDetail, 'srOutputs'>, q: StoredSrOutputQuery): SrOutputRow | undefined {
  if (q.keptNative) {
    return detail.srOutputs.find(
      (o) => o.method === 'kept-native' && o.modelSha256 === q.modelSha256 && o.sampler === q.samplerLabel && o.seed === q.seed && o.conditioning === q.conditioning && o.engine === q.engine,
    );
  }
  return detail.srOutputs.find(
    (o) =>
      o.method === 'synthesized' &&
      o.modelSha256 === q.modelSha256 &&
      o.sampler === q.samplerLabel &&
      (q.fixedSteps === null || o.steps === q.fixedSteps) &&
      o.seed === q.seed &&
      o.conditioning === q.conditioning &&
      o.engine === q.engine &&
      (q.backend === undefined || o.backend === q.backend),
  );
}
