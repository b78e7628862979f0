import { InputError, type FasrError } from '../src/contracts';
import type { JsonValue, Store } from '../src/store';
import type { ProcessConfig } from './process-config';
import type { ProcessDeps } from './process-deps';
import { processSource, type SourceOutcome, type SourceProgress } from './process-source';

/** Totals of a batch, for the summary. */
export interface ProcessSummary {
  readonly runId: number;
  readonly outcomes: readonly SourceOutcome[];
  readonly ok: number;
  readonly failed: number;
  /** Tracks stored (damaged sources included). */
  readonly tracks: number;
  readonly faces: number;
  readonly frames: number;
  /** Video time covered, ms, summed over the sources. */
  readonly videoMs: number;
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
  const run = store.startRun({
    command: opts.command ?? 'process',
    config: JSON.parse(JSON.stringify(config)) as JsonValue,
    versions: { ...(opts.versions ?? {}), detector: deps.detector.id, embedder: deps.embedder.id },
  });
  const outcomes: SourceOutcome[] = [];
  try {
    for (const [index, p] of paths.entries()) {
      const onProgress = opts.onProgress;
      outcomes.push(await processSource(store, p, config, deps, { runId: run.id, ...(onProgress !== undefined ? { onProgress: (s) => onProgress(index, s) } : {}) }));
    }
  } catch (err) {
    store.finishRun(run.id, { status: 'failed', error: (err as FasrError).message ?? String(err) });
    throw err;
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  store.finishRun(
    run.id,
    failed.length === 0 ? { status: 'done' } : { status: 'failed', error: `${failed.length} of ${outcomes.length} sources failed: ${failed.map((o) => o.path).join(', ')}` },
  );
  const sum = (f: (o: SourceOutcome) => number): number => outcomes.reduce((s, o) => s + f(o), 0);
  return {
    runId: run.id,
    outcomes,
    ok: outcomes.length - failed.length,
    failed: failed.length,
    tracks: sum((o) => o.tracks),
    faces: sum((o) => o.faces),
    frames: sum((o) => o.frames),
    videoMs: sum((o) => o.videoMs),
    elapsedMs: Date.now() - t0,
  };
}
