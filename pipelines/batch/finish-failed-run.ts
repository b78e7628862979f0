import { isStoreUnwritable, type Store } from '../../src/store';

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
