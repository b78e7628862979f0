/**
 * pipelines/batch: the ways fasr is run over many files — a night's batch over files, directories and
 * globs (`runBatch`) and folders an NVR keeps writing into (`runWatch`) — both crash-safe and
 * idempotent per source (content hash in the store). Detail: docs/batch-watch-export.md.
 */
export { DEFAULT_BATCH_OPTIONS, parseBatchOptions, type BatchOptions } from './batch-options';
export { pipelineSourceProcessor, type SourceProcessor } from './source-processor';
export { runSourceStep, type SourceCandidate, type SourceStepOptions, type SourceStepResult } from './source-step';
export { runBatch, type BatchSummary, type RunBatchHooks } from './run-batch';
export { runWatch, watchFolderOptions, type RunWatchOptions, type WatchSummary } from './run-watch';
export { runPipeline, type PipelineResult, type RunPipelineHooks } from './run-pipeline';
export { componentVersions, humanModelsSha256 } from './model-hashes';
export { enhanceSources, type EnhanceSourcesSummary } from './enhance-sources';
export { closeInterruptedRuns } from './close-interrupted-runs';
