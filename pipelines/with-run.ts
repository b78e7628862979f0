import { isStoreUnwritable, type StartRunInput, type Store } from '../src/store';
import type { SourceOutcome } from './process-source';

/** What the body of a run ends with: its result, and what went wrong (none: the run is 'done'). */
export interface RunEnd<T> {
  readonly result: T;
  /** One line per kind of problem; joined with '; ' into the run row's error. */
  readonly problems: readonly string[];
}

/**
 * The bracket every driver that works over many sources runs in (processSources, runBatch,
 * runWatch, enhanceSources, processSourcesViaQueue): one store run row, started before `body`
 * and finished after it — 'done' when the body reports no problems, else 'failed' with them.
 * When the body throws, the run is recorded as failed (see {@link finishFailedRun}) and the
 * error is rethrown; the body releases its own resources before it throws.
 */
export async function withRun<T>(store: Store, start: StartRunInput, body: (runId: number) => Promise<RunEnd<T>>): Promise<T> {
  const { id } = store.startRun(start);
  let end: RunEnd<T>;
  try {
    end = await body(id);
  } catch (err) {
    finishFailedRun(store, id, err);
    throw err;
  }
  store.finishRun(id, end.problems.length === 0 ? { status: 'done' } : { status: 'failed', error: end.problems.join('; ') });
  return end.result;
}

/**
 * Records a run that ended with `err` as failed. When the store cannot be written (disk full,
 * read-only) the run row stays 'running' (the next run closes it as interrupted) and `err`, the
 * first error, is what the caller rethrows.
 */
export function finishFailedRun(store: Store, runId: number, err: unknown): void {
  try {
    store.finishRun(runId, { status: 'failed', error: err instanceof Error ? err.message : String(err) });
  } catch (finishErr) {
    if (!isStoreUnwritable(finishErr)) throw finishErr;
  }
}

/** The run's problem line for failed sources ("2 of 5 sources failed: a.mp4, b.mp4"; without "of N" when `total` is null); none when nothing failed. */
export function failedSourcesProblem(failedPaths: readonly string[], total: number | null): string[] {
  if (failedPaths.length === 0) return [];
  return [`${failedPaths.length}${total === null ? '' : ` of ${total}`} sources failed: ${failedPaths.join(', ')}`];
}

/** The run's problem line for tracks that could not be enhanced; none when there are none. */
export function failedTracksProblem(failed: readonly { readonly trackId: number }[]): string[] {
  return failed.length === 0 ? [] : [`${failed.length} tracks could not be enhanced: ${failed.map((f) => f.trackId).join(', ')}`];
}

/** Totals of source outcomes, as every driver's summary reports them. */
export interface OutcomeTotals {
  readonly tracks: number;
  readonly faces: number;
  readonly frames: number;
  /** Video time covered, ms. */
  readonly videoMs: number;
}

export function sumOutcomes(outcomes: readonly SourceOutcome[]): OutcomeTotals {
  const sum = (f: (o: SourceOutcome) => number): number => outcomes.reduce((s, o) => s + f(o), 0);
  return { tracks: sum((o) => o.tracks), faces: sum((o) => o.faces), frames: sum((o) => o.frames), videoMs: sum((o) => o.videoMs) };
}
