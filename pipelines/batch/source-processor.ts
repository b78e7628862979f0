import { processSource, type ProcessConfig, type ProcessDeps, type SourceOutcome, type SourceProgress } from '..';
import type { Store } from '../../src/store';

/**
 * Processes one video file into the store and records its status there (done, or failed with its
 * reason); must not throw for a bad input, only for invalid arguments. The batch and watch runners
 * call it once per source; `pipelineSourceProcessor` is the real one.
 */
export type SourceProcessor = (store: Store, filePath: string, runId: number) => Promise<SourceOutcome>;

/**
 * The real {@link SourceProcessor}: `processSource` (ingest → track → fuse → one store
 * transaction) with a parsed config and deps created once per run.
 * @param onProgress optional per-frame progress of the current source.
 */
export function pipelineSourceProcessor(
  config: Readonly<ProcessConfig>,
  deps: ProcessDeps,
  onProgress?: (p: SourceProgress) => void,
): SourceProcessor {
  return (store, filePath, runId) => processSource(store, filePath, config, deps, { runId, ...(onProgress !== undefined ? { onProgress } : {}) });
}
