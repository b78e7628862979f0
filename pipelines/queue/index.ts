/**
 * pipelines/queue: scale-out on Redis with BullMQ. Stateless workers (`startQueueWorker`) run the same
 * compute functions as an in-process run (computeSourceResults, enhanceSrRequests) and return results;
 * one coordinator (`QueueClient` + `processSourcesViaQueue`) owns the SQLite store, enqueues jobs
 * under idempotent ids and writes what comes back. Detail: docs/deployment.md.
 */
export { WORKER_ROLES, QUEUE_NAMES, parseQueueSettings, redactRedisUrl, type QueueSettings, type WorkerRole } from './queue-settings';
export { encodeWire, decodeWire, type WireValue } from './wire-codec';
export { canonicalJson, ingestJobId, srJobId, JOB_FORMAT_VERSION } from './job-ids';
export { parsePathMap, mapPath, type PathMap } from './path-map';
export { parseIngestJobData, runIngestJob, sourceComputationFromWire, type IngestJobData, type ProcessDepsProvider } from './ingest-job';
export { decodeJobData } from './job-codec';
export { parseSrJobData, runSrJob, srJobOutputFromWire, type SrJobData, type SrJobOptions, type SrJobOutput, type SrModelSpec } from './sr-job';
export { QueueClient, QueueJobError, type JobReceipt } from './queue-client';
export { startQueueWorker, type QueueWorkerHandle, type QueueWorkerOptions, type WorkerEvent } from './start-queue-worker';
export { enhanceTrackViaQueue, queuedSrSpec, type QueuedEnhanceResult, type QueuedSrModel, type QueuedSrSpec } from './enhance-track-via-queue';
export { finishSourceViaQueue, type QueuedSourceContext, type TimedReceipt } from './finish-source-via-queue';
export { processSourcesViaQueue, type ProcessViaQueueOptions, type ProcessViaQueueSummary } from './process-via-queue';
export { queueTrackEnhancer, type QueuedEnhanceChoice } from './queue-track-enhancer';
export { queueSourceProcessor } from './queue-source-processor';
