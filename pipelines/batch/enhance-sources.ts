import type { PipelineSrSpec } from '..';
import { type SrModel } from '../../src/sr';
import type { Store } from '../../src/store';
import { enhanceTrack } from '../enhance-track';
import { failedTracksProblem, withRun } from '../with-run';

/** What {@link enhanceSources} did. */
export interface EnhanceSourcesSummary {
  readonly runId: number;
  /** SR outputs computed and stored. */
  readonly enhanced: number;
  /** Tracks whose native crop was stored as their output (keep-native rule: LR_0's native crop at least `keepNativeMinSidePx`), nothing computed. */
  readonly keptNative: number;
  /** Tracks whose output for the same model, sampler, steps, seed and conditioning existed (nothing computed). */
  readonly reused: number;
  /** Tracks that could not be enhanced, with the reason (e.g. no F_M of the model's featDim). */
  readonly failed: readonly { readonly trackId: number; readonly reason: string }[];
}

/**
 * The SR step of a batch pipeline: every `ok` track of the given sources through `enhanceTrack`
 * (idempotent per model sha256, sampler, steps, seed and conditioning, so a re-run after a crash
 * computes only what is missing), as one store run whose config holds the sampling settings
 * (the export's manifests read it). A track that cannot be enhanced is recorded in `failed` with
 * its reason, and the others go on.
 */
export async function enhanceSources(
  store: Store,
  sourceIds: readonly number[],
  model: SrModel,
  spec: Readonly<PipelineSrSpec>,
  opts: { readonly command: string; readonly log?: (line: string) => void; readonly signal?: AbortSignal } ,
): Promise<EnhanceSourcesSummary> {
  const start = {
    command: opts.command,
    config: { sr: { model: spec.model, config: spec.config, engine: spec.engine, seed: spec.seed, conditioning: spec.conditioning, keepNativeMinSidePx: spec.keepNativeMinSidePx, ...JSON.parse(JSON.stringify(spec.sampling)) } },
    versions: { srModel: model.id, srModelSha256: model.sha256, srEngine: model.engine, srBackend: model.backend },
  };
  return withRun(store, start, async (runId) => {
    let enhanced = 0;
    let keptNative = 0;
    let reused = 0;
    const failed: { trackId: number; reason: string }[] = [];
    for (const sourceId of sourceIds) {
      for (const t of store.iterateTracks({ sourceId, status: 'ok', limit: 1000 })) {
        if (opts.signal?.aborted === true) break;
        try {
          const r = await enhanceTrack(store, t.id, { model, sampling: spec.samplingConfig, seed: spec.seed, conditioning: spec.conditioning, keepNativeMinSidePx: spec.keepNativeMinSidePx, runId });
          const kept = r.output.keptNative;
          if (kept !== null) {
            if (r.inserted) keptNative++;
            else reused++;
            opts.log?.(`  SR track ${t.id}: ${r.inserted ? 'kept native' : 'already kept native'} (sr output ${r.srOutputId}: ${kept.reason}, native crop ${kept.nativeSidePx} px, not synthesized)`);
            continue;
          }
          if (r.inserted) enhanced++;
          else reused++;
          opts.log?.(`  SR track ${t.id}: ${r.inserted ? 'enhanced' : 'already enhanced'} (sr output ${r.srOutputId}, ${r.output.sampler}, seed ${r.output.seed})`);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          failed.push({ trackId: t.id, reason });
          opts.log?.(`  SR track ${t.id}: FAILED: ${reason}`);
        }
      }
    }
    return { result: Object.freeze({ runId, enhanced, keptNative, reused, failed: Object.freeze(failed) }), problems: failedTracksProblem(failed) };
  });
}
