import { InputError } from '../src/contracts';
import type { JsonValue, Store } from '../src/store';
import type { ProcessConfig } from './process-config';
import { detectorProvenance, type ProcessDeps } from './process-deps';
import { processSource, type SourceOutcome, type SourceProgress } from './process-source';
import { failedSourcesProblem, sumOutcomes, withRun, type OutcomeTotals } from './with-run';

/** Totals of a batch, for the summary: the outcome totals (tracks stored, damaged sources included; faces; frames; video ms) and these. */
export interface ProcessSummary extends OutcomeTotals {
  readonly runId: number;
  readonly outcomes: readonly SourceOutcome[];
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
}

/** Options of {@link processSources}. */
export interface ProcessSourcesOptions {
  /** Progress of the source being processed (its index among the inputs first). */
  readonly onProgress?: (index: number, p: SourceProgress) => void;
  /** What the run row records as its command. Default 'process'. */
  readonly command?: string;
  /** Component versions for the run row, e.g. { fasr: '0.1.0' }; detector and embedder ids are added. */
  readonly versions?: Readonly<Record<string, string>>;
}

/**
 * Runs {@link processSource} over every path in order, as one store run (startRun/finishRun):
 * a source that fails is recorded with its reason and the next one is processed. The run is
 * 'failed' (with the failed paths) when any source failed, else 'done'.
 * @throws InputError for an empty path list; whatever processSource throws for invalid arguments.
 */
export async function processSources(
  store: Store,
  paths: readonly string[],
  config: Readonly<ProcessConfig>,
  deps: ProcessDeps,
  opts: ProcessSourcesOptions = {},
): Promise<ProcessSummary> {
  if (!Array.isArray(paths) || paths.length === 0) throw new InputError('processSources: give at least one video path', { option: 'paths' });
  const t0 = Date.now();
  const start = {
    command: opts.command ?? 'process',
    config: JSON.parse(JSON.stringify(config)) as JsonValue,
    versions: { ...(opts.versions ?? {}), detector: detectorProvenance(deps), embedder: deps.embedder.id },
  };
  return withRun(store, start, async (runId) => {
    const outcomes: SourceOutcome[] = [];
    for (const [index, p] of paths.entries()) {
      const onProgress = opts.onProgress;
      outcomes.push(await processSource(store, p, config, deps, { runId, ...(onProgress !== undefined ? { onProgress: (s) => onProgress(index, s) } : {}) }));
    }
    const failed = outcomes.filter((o) => o.status === 'failed');
    return {
      result: { runId, outcomes, ok: outcomes.length - failed.length, failed: failed.length, ...sumOutcomes(outcomes), elapsedMs: Date.now() - t0 },
      problems: failedSourcesProblem(failed.map((o) => o.path), outcomes.length),
    };
  });
}
