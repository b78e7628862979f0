import type Database from 'better-sqlite3';
import * as jobs from './methods/jobs';
import * as runs from './methods/runs';
import { findSimilarTracks, type FusedMatrixCache } from './methods/similar-tracks';
import { replaceSourceResults } from './methods/source-results';
import * as sources from './methods/sources';
import * as srOutputs from './methods/sr-outputs';
import * as tracks from './methods/tracks';
import type { Store, StoreInfo } from './store';
import { StoreCore } from './store-core';

/**
 * The SQLite implementation of `Store`. Construct through `openStore`. It holds one `StoreCore`
 * (store-core.ts: connection, transactions, errors) and gives each `Store` method, in one line,
 * to the function of its kind of data under methods/ — see store-core.ts for why it is built so.
 */
export class SqliteStore implements Store {
  private readonly core: StoreCore;
  /** In-memory F_M matrices for findSimilarTracks, per (dim, embedder). */
  private readonly fusedCache: FusedMatrixCache = new Map();

  constructor(db: Database.Database, readonly file: string, now: () => number) {
    this.core = new StoreCore(db, file, now);
  }

  info(): StoreInfo {
    return this.core.info();
  }

  close(): void {
    this.fusedCache.clear();
    this.core.close();
  }

  // sources: methods/sources.ts, methods/source-results.ts
  readonly upsertSource: Store['upsertSource'] = (input) => sources.upsertSource(this.core, input);
  readonly getSource: Store['getSource'] = (sourceId) => sources.getSource(this.core, sourceId);
  readonly findSourceByPath: Store['findSourceByPath'] = (path) => sources.findSourceByPath(this.core, path);
  readonly findSourcesBySha256: Store['findSourcesBySha256'] = (sha256) => sources.findSourcesBySha256(this.core, sha256);
  readonly listSources: Store['listSources'] = (query) => sources.listSources(this.core, query);
  readonly countSourcesByStatus: Store['countSourcesByStatus'] = () => sources.countSourcesByStatus(this.core);
  readonly markSourceRunning: Store['markSourceRunning'] = (sourceId, opts) => sources.markSourceRunning(this.core, sourceId, opts);
  readonly markSourceDone: Store['markSourceDone'] = (sourceId) => sources.markSourceDone(this.core, sourceId);
  readonly markSourceFailed: Store['markSourceFailed'] = (sourceId, reason) => sources.markSourceFailed(this.core, sourceId, reason);
  readonly deleteSource: Store['deleteSource'] = (sourceId) => sources.deleteSource(this.core, sourceId);
  readonly replaceSourceResults: Store['replaceSourceResults'] = (sourceId, results, opts) => replaceSourceResults(this.core, sourceId, results, opts);

  // tracks, detections, crops: methods/tracks.ts; F_M search: methods/similar-tracks.ts
  readonly listTracks: Store['listTracks'] = (query) => tracks.listTracks(this.core, query);
  readonly iterateTracks: Store['iterateTracks'] = (query) => tracks.iterateTracks(this.core, query);
  readonly getTrack: Store['getTrack'] = (trackId) => tracks.getTrack(this.core, trackId);
  readonly getTrackItem: Store['getTrackItem'] = (trackId) => tracks.getTrackItem(this.core, trackId);
  readonly getCrop: Store['getCrop'] = (cropId) => tracks.getCrop(this.core, cropId);
  readonly listDetectionCrops: Store['listDetectionCrops'] = (detectionId) => tracks.listDetectionCrops(this.core, detectionId);
  readonly findSimilarTracks: Store['findSimilarTracks'] = (vector, query) => findSimilarTracks(this.core, this.fusedCache, vector, query);

  // SR outputs: methods/sr-outputs.ts
  readonly insertSrOutput: Store['insertSrOutput'] = (input) => srOutputs.insertSrOutput(this.core, input);
  readonly getSrOutput: Store['getSrOutput'] = (srOutputId) => srOutputs.getSrOutput(this.core, srOutputId);
  readonly listSrOutputs: Store['listSrOutputs'] = (trackId) => srOutputs.listSrOutputs(this.core, trackId);

  // runs: methods/runs.ts
  readonly startRun: Store['startRun'] = (input) => runs.startRun(this.core, input);
  readonly finishRun: Store['finishRun'] = (runId, input) => runs.finishRun(this.core, runId, input);
  readonly getRun: Store['getRun'] = (runId) => runs.getRun(this.core, runId);
  readonly listRuns: Store['listRuns'] = (query) => runs.listRuns(this.core, query);
  readonly iterateRuns: Store['iterateRuns'] = (query) => runs.iterateRuns(this.core, query);

  // the task queue of the review server: methods/jobs.ts
  readonly enqueueJob: Store['enqueueJob'] = (input) => jobs.enqueueJob(this.core, input);
  readonly claimJob: Store['claimJob'] = (input) => jobs.claimJob(this.core, input);
  readonly completeJob: Store['completeJob'] = (jobId, workerId, result) => jobs.completeJob(this.core, jobId, workerId, result);
  readonly failJob: Store['failJob'] = (jobId, workerId, reason, opts) => jobs.failJob(this.core, jobId, workerId, reason, opts);
  readonly getJob: Store['getJob'] = (jobId) => jobs.getJob(this.core, jobId);
  readonly listJobs: Store['listJobs'] = (query) => jobs.listJobs(this.core, query);
  readonly iterateJobs: Store['iterateJobs'] = (query) => jobs.iterateJobs(this.core, query);
  readonly countJobsByStatus: Store['countJobsByStatus'] = () => jobs.countJobsByStatus(this.core);
}
