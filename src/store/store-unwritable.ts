import { StoreError } from '../contracts';

/**
 * True for the StoreError a store method throws when the store cannot be written at all (disk
 * full, read-only file system, I/O error): the write was rolled back, and recording a failure in
 * the store would fail the same way. Callers stop the run with this error (it names the store);
 * the source in flight stays not done and the next run redoes it.
 */
export function isStoreUnwritable(err: unknown): err is StoreError {
  return err instanceof StoreError && err.context['unwritable'] === true;
}
