import type { SrConditioning } from '../../src/sr';
import type { Store } from '../../src/store';
import { enhanceTrackViaQueue, queuedSrSpec, type QueuedSrModel } from './enhance-track-via-queue';
import type { QueueClient } from './queue-client';
import type { SrModelSpec } from './sr-job';
import { type EnhanceTrackResult } from '../enhance-track';

/** What the review UI lets a user choose per enhance request. */
export interface QueuedEnhanceChoice {
  readonly seed?: number;
  readonly sampler?: string;
  readonly steps?: number;
}

/**
 * The review UI's `Actions.enhanceTrack` with the compute on SR workers (`fasr serve --queue`):
 * same idempotency and stored provenance as the in-process `createTrackEnhancer`; the result's
 * `face` is null (the image is in the stored output's PNG).
 * @param loaded the model the coordinator loaded (its sha256, which workers must match, and what
 *   building requests needs); a request without a sampler gets its formulation's default (queuedSrSpec).
 * @param defaults what the UI does not choose: conditioning (default 'fm', as createTrackEnhancer) and
 *   the keep-native threshold (default 128; null off: pipelines/keep-native.ts).
 */
export function queueTrackEnhancer(
  client: QueueClient,
  model: SrModelSpec,
  loaded: QueuedSrModel,
  defaults: { readonly conditioning?: SrConditioning; readonly keepNativeMinSidePx?: number | null } = {},
): (store: Store, trackId: number, opts?: QueuedEnhanceChoice) => Promise<EnhanceTrackResult> {
  return async (store, trackId, opts = {}) => {
    const spec = queuedSrSpec(model, loaded, {
      ...(defaults.conditioning === undefined ? {} : { conditioning: defaults.conditioning }),
      ...(defaults.keepNativeMinSidePx === undefined ? {} : { keepNativeMinSidePx: defaults.keepNativeMinSidePx }),
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.sampler === undefined ? {} : { sampler: opts.sampler }),
      ...(opts.steps === undefined ? {} : { steps: opts.steps }),
    });
    const r = await enhanceTrackViaQueue(store, client, trackId, spec, null);
    return Object.freeze({ trackId, srOutputId: r.srOutputId, inserted: r.inserted, output: store.getSrOutput(r.srOutputId), face: null });
  };
}
