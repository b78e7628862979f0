import { isStoreUnwritable, type Store } from '../src/store';
import type { SourceComputation } from './compute-source-results';

/** How writing a computation went. */
export interface SourceWriteOutcome {
  readonly status: 'done' | 'failed';
  /** Why the source failed; null when done. */
  readonly reason: string | null;
  /** Tracks stored (0 when nothing was stored). */
  readonly tracks: number;
  /** Ids of the stored tracks, in the computation's order (empty when nothing was stored). */
  readonly trackIds: readonly number[];
  /** True when results were written (done, or a decode error after some frames). */
  readonly resultsStored: boolean;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The store half of `processSource`, run by whoever owns the store: records a computation
 * (computeSourceResults, here or on a queue worker) for a source marked running.
 * - analysis error, or a decode error before any frame: the source fails with the reason and its
 *   earlier results stay as they were;
 * - otherwise all tracks in ONE transaction (`replaceSourceResults`), with `done` when the decode
 *   ran to the end; after a decode error the tracks from before it are kept and the source fails
 *   with the reason (docs/pipeline.md, "Failures").
 * A store error while writing fails the source with the reason. Never throws for the data.
 * @throws StoreError when the store cannot be written at all (`isStoreUnwritable`: disk full,
 *   read-only): the source is left as it was (not done; its earlier results, if any, intact).
 */
export function writeSourceResults(store: Store, sourceId: number, c: SourceComputation, runId: number | null): SourceWriteOutcome {
  const fail = (reason: string): SourceWriteOutcome => {
    store.markSourceFailed(sourceId, reason);
    return { status: 'failed', reason, tracks: 0, trackIds: [], resultsStored: false };
  };
  if (c.analysisError !== null) return fail(c.analysisError);
  if (c.decodeError !== null && c.frames === 0) return fail(c.decodeError.message);
  try {
    const report = store.replaceSourceResults(sourceId, { tracks: c.tracks, runId }, { markDone: c.decodeError === null });
    if (c.decodeError === null) return { status: 'done', reason: null, tracks: report.trackIds.length, trackIds: report.trackIds, resultsStored: true };
    const kind = c.decodeError.damaged ? 'damaged input' : 'decode failed';
    const reason = `${kind}: ${c.decodeError.message}; kept ${report.trackIds.length} tracks from the ${c.frames} frames analysed before the error`;
    store.markSourceFailed(sourceId, reason);
    return { status: 'failed', reason, tracks: report.trackIds.length, trackIds: report.trackIds, resultsStored: true };
  } catch (err) {
    // Disk full, read-only: nothing can be recorded; the source stays not done for the next run.
    if (isStoreUnwritable(err)) throw err;
    return fail(`storing the results failed: ${messageOf(err)}`);
  }
}
