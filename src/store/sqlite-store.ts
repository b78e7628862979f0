import type Database from 'better-sqlite3';
import * as jobs from './methods/jobs';
import * as runs from './methods/runs';
import { findSimilarTracks, type FusedMatrixCache } from './methods/similar-tracks';
import { replaceSourceResults } from './methods/source-results';
import * as sources from './methods/sources';
import * as srOutputs from './methods/sr-outputs';
import * as tracks from './methods/tracks';
import type {
  ClaimJobInput,
  CropRow,
  EnqueueJobInput,
  EnqueueJobResult,
  FailJobOptions,
  FindSimilarQuery,
  FinishRunInput,
  InsertSrOutputResult,
  JobRow,
  JobStatus,
  JsonValue,
  ListJobsQuery,
  ListRunsQuery,
  ListSourcesQuery,
  ListTracksQuery,
  Page,
  ReplaceSourceResultsOptions,
  ReplaceSourceResultsReport,
  RunRow,
  SimilarTrack,
  SourceResultsInput,
  SourceRow,
  SourceStatus,
  SrOutputInput,
  SrOutputRow,
  StartRunInput,
  Store,
  StoreInfo,
  TrackDetail,
  TrackListItem,
  UpsertSourceInput,
} from './store';
import { StoreCore } from './store-core';

/**
 * The SQLite implementation of `Store`. Construct through `openStore`. It holds one `StoreCore`
 * (store-core.ts: connection, transactions, errors) and forwards each method to the file under
 * methods/ for its kind of data — see store-core.ts for why it is built this way.
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
  upsertSource(input: UpsertSourceInput): SourceRow {
    return sources.upsertSource(this.core, input);
  }
  getSource(sourceId: number): SourceRow {
    return sources.getSource(this.core, sourceId);
  }
  findSourceByPath(path: string): SourceRow | undefined {
    return sources.findSourceByPath(this.core, path);
  }
  findSourcesBySha256(sha256: string): readonly SourceRow[] {
    return sources.findSourcesBySha256(this.core, sha256);
  }
  listSources(query?: ListSourcesQuery): Page<SourceRow> {
    return sources.listSources(this.core, query);
  }
  countSourcesByStatus(): Readonly<Record<SourceStatus, number>> {
    return sources.countSourcesByStatus(this.core);
  }
  markSourceRunning(sourceId: number, opts?: { readonly runId?: number | null }): SourceRow {
    return sources.markSourceRunning(this.core, sourceId, opts);
  }
  markSourceDone(sourceId: number): SourceRow {
    return sources.markSourceDone(this.core, sourceId);
  }
  markSourceFailed(sourceId: number, reason: string): SourceRow {
    return sources.markSourceFailed(this.core, sourceId, reason);
  }
  deleteSource(sourceId: number): void {
    sources.deleteSource(this.core, sourceId);
  }
  replaceSourceResults(sourceId: number, results: SourceResultsInput, opts?: ReplaceSourceResultsOptions): ReplaceSourceResultsReport {
    return replaceSourceResults(this.core, sourceId, results, opts);
  }

  // tracks, detections, crops: methods/tracks.ts; F_M search: methods/similar-tracks.ts
  listTracks(query?: ListTracksQuery): Page<TrackListItem> {
    return tracks.listTracks(this.core, query);
  }
  iterateTracks(query?: ListTracksQuery): IterableIterator<TrackListItem> {
    return tracks.iterateTracks(this.core, query);
  }
  getTrack(trackId: number): TrackDetail {
    return tracks.getTrack(this.core, trackId);
  }
  getTrackItem(trackId: number): TrackListItem {
    return tracks.getTrackItem(this.core, trackId);
  }
  getCrop(cropId: number): CropRow {
    return tracks.getCrop(this.core, cropId);
  }
  listDetectionCrops(detectionId: number): readonly CropRow[] {
    return tracks.listDetectionCrops(this.core, detectionId);
  }
  findSimilarTracks(vector: Float32Array, query: FindSimilarQuery): readonly SimilarTrack[] {
    return findSimilarTracks(this.core, this.fusedCache, vector, query);
  }

  // SR outputs: methods/sr-outputs.ts
  insertSrOutput(input: SrOutputInput): InsertSrOutputResult {
    return srOutputs.insertSrOutput(this.core, input);
  }
  getSrOutput(srOutputId: number): SrOutputRow {
    return srOutputs.getSrOutput(this.core, srOutputId);
  }
  listSrOutputs(trackId: number): readonly SrOutputRow[] {
    return srOutputs.listSrOutputs(this.core, trackId);
  }

  // runs: methods/runs.ts
  startRun(input: StartRunInput): RunRow {
    return runs.startRun(this.core, input);
  }
  finishRun(runId: number, input: FinishRunInput): RunRow {
    return runs.finishRun(this.core, runId, input);
  }
  getRun(runId: number): RunRow {
    return runs.getRun(this.core, runId);
  }
  listRuns(query?: ListRunsQuery): Page<RunRow> {
    return runs.listRuns(this.core, query);
  }

  // the task queue of the review server: methods/jobs.ts
  enqueueJob(input: EnqueueJobInput): EnqueueJobResult {
    return jobs.enqueueJob(this.core, input);
  }
  claimJob(input: ClaimJobInput): JobRow | null {
    return jobs.claimJob(this.core, input);
  }
  completeJob(jobId: number, workerId: string, result: JsonValue): JobRow {
    return jobs.completeJob(this.core, jobId, workerId, result);
  }
  failJob(jobId: number, workerId: string, reason: string, opts?: FailJobOptions): JobRow {
    return jobs.failJob(this.core, jobId, workerId, reason, opts);
  }
  getJob(jobId: number): JobRow {
    return jobs.getJob(this.core, jobId);
  }
  listJobs(query?: ListJobsQuery): Page<JobRow> {
    return jobs.listJobs(this.core, query);
  }
  countJobsByStatus(): Readonly<Record<JobStatus, number>> {
    return jobs.countJobsByStatus(this.core);
  }
}
