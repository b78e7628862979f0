import type { FusedIdentity, ScoredDetection } from '../contracts';

/** Lifecycle of a source (one video file) in the batch runner. */
export const SOURCE_STATUSES = Object.freeze(['pending', 'running', 'done', 'failed'] as const);
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/** `ok`: usable for SR; `rejected`: kept for review, with a reason (too short, too small, ...). */
export const TRACK_STATUSES = Object.freeze(['ok', 'rejected'] as const);
export type TrackStatus = (typeof TRACK_STATUSES)[number];

/** `rgb8`: raw RGB 8-bit HWC bytes (width*height*3); `png` / `jpeg`: an encoded file. */
export const CROP_FORMATS = Object.freeze(['rgb8', 'png', 'jpeg'] as const);
export type CropFormat = (typeof CROP_FORMATS)[number];

export const RUN_STATUSES = Object.freeze(['running', 'done', 'failed'] as const);
export type RunStatus = (typeof RUN_STATUSES)[number];

export const JOB_STATUSES = Object.freeze(['queued', 'running', 'done', 'failed'] as const);
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A value that survives JSON.stringify / JSON.parse unchanged (finite numbers only). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** Open read-only: no migration; the file must exist at `SCHEMA_VERSION`. Default false. */
  readonly readonly?: boolean;
  /** How long a statement waits for another connection's write lock, in milliseconds, 0..600000. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Clock for every `*AtMs` value the store writes, Unix epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

/** What ffprobe said about a source; `probe` is the raw JSON, the rest are its key figures. */
export interface SourceProbeInput {
  readonly probe: JsonValue;
  readonly durationMs: number | null;
  readonly codec: string | null;
  readonly widthPx: number | null;
  readonly heightPx: number | null;
  /** Frames per second of the video stream. */
  readonly fps: number | null;
  /** Display rotation in degrees: 0, 90, 180 or 270. */
  readonly rotationDeg: number | null;
}

/**
 * A source to insert or update, keyed by `path`. On update, an omitted (undefined) optional field
 * keeps its stored value and `null` clears it. A change of size, mtime or sha256 sends the source
 * back to `pending` (its results are stale); otherwise the status is kept.
 */
export interface UpsertSourceInput {
  /** The file's path as the runner names it (absolute, or relative to a watch root). */
  readonly path: string;
  readonly sizeBytes: number;
  /** File modification time, Unix epoch milliseconds, as `fs.stat` gives it (fractional allowed). */
  readonly mtimeMs: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256?: string | null;
  /** Camera name (e.g. from the NVR folder layout). */
  readonly camera?: string | null;
  /** Wall-clock time of the stream's first frame, Unix epoch milliseconds. */
  readonly recordedAtMs?: number | null;
  readonly probe?: SourceProbeInput | null;
}

/** A stored source: its file, its probe's key figures (null when not probed) and its lifecycle. */
export interface SourceRow extends Omit<SourceProbeInput, 'probe'> {
  readonly id: number;
  readonly path: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
  readonly sha256: string | null;
  readonly camera: string | null;
  readonly recordedAtMs: number | null;
  /** ffprobe's raw JSON; null when not probed. */
  readonly probe: JsonValue | null;
  readonly status: SourceStatus;
  /** The failure reason; non-null exactly when `status` is `failed`. */
  readonly error: string | null;
  /** How many times the source was marked running. */
  readonly attempts: number;
  readonly lastRunId: number | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
}

export interface ListSourcesQuery {
  readonly status?: SourceStatus;
  readonly camera?: string;
  /** Keyset cursor: only sources with `id > afterId`. */
  readonly afterId?: number;
  /** Page size, 1..1000. Default 100. */
  readonly limit?: number;
}

/** One page of a keyset-paginated list, in ascending id order. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `afterId` to get the next page; null when this page is the last. */
  readonly nextAfterId: number | null;
}

/** An image of a detection's face. */
export interface CropInput {
  /** What the crop is, e.g. 'aligned128', 'aligned-full', 'lr0-model'. Unique per detection. */
  readonly kind: string;
  readonly format: CropFormat;
  readonly widthPx: number;
  readonly heightPx: number;
  /** rgb8: widthPx*heightPx*3 bytes HWC; png/jpeg: the encoded file. */
  readonly image: Uint8Array;
}

export interface EmbeddingInput {
  readonly modelId: string;
  /** Finite float32 values; stored as little-endian float32 bytes, read back bit-exact. */
  readonly vector: Float32Array;
  /** `kind` of the crop of the same detection the embedding was computed from, if stored. */
  readonly cropKind?: string | null;
}

export interface DetectionResultInput {
  readonly detection: ScoredDetection;
  readonly crops?: readonly CropInput[];
  /** At most one per model id. */
  readonly embeddings?: readonly EmbeddingInput[];
}

export interface TrackResultInput {
  /** Tracker-local id, unique within the source. */
  readonly trackKey: number;
  /** Detections in frame order (strictly increasing frameIndex). */
  readonly detections: readonly DetectionResultInput[];
  /** Index into `detections` of the LR_0 reference. */
  readonly lr0Index: number;
  /**
   * F_M per embedder (at most one per `embedderId`). `memberIndices` / `rejectedIndices` index the
   * track's embeddings of model `embedderId` in detection order; the store keeps them as embedding ids.
   */
  readonly fused?: readonly FusedIdentity[];
  /** Default 'ok'. */
  readonly status?: TrackStatus;
  /** Required when (and only when) status is 'rejected'. */
  readonly rejectReason?: string | null;
  /**
   * The tracks this one was joined from (pipelines/join-tracks.ts), in time order, at least two;
   * absent for a track as the tracker made it. The first part's trackKey is the track's.
   */
  readonly parts?: readonly TrackPart[];
}

/** One of the tracker's tracks inside a joined track (tracks.parts_json). */
export interface TrackPart {
  /** The tracker's key of the part (the joined track keeps the first part's). */
  readonly trackKey: number;
  readonly firstFrameIndex: number;
  readonly lastFrameIndex: number;
  readonly firstPtsMs: number;
  readonly lastPtsMs: number;
  readonly detectionCount: number;
}

export interface SourceResultsInput {
  readonly tracks: readonly TrackResultInput[];
  /** The run that produced these results. */
  readonly runId?: number | null;
}

export interface ReplaceSourceResultsOptions {
  /** Also mark the source `done` in the same transaction. Default false. */
  readonly markDone?: boolean;
}

export interface ReplaceSourceResultsReport {
  /** Ids of the new tracks, in input order. */
  readonly trackIds: readonly number[];
  /** Tracks (with everything below them, SR outputs included) deleted first. */
  readonly deletedTrackCount: number;
  readonly detectionCount: number;
  readonly cropCount: number;
  readonly embeddingCount: number;
  readonly fusedCount: number;
}

export interface TrackRow {
  readonly id: number;
  readonly sourceId: number;
  readonly runId: number | null;
  readonly trackKey: number;
  readonly firstFrameIndex: number;
  readonly lastFrameIndex: number;
  readonly firstPtsMs: number;
  readonly lastPtsMs: number;
  readonly lr0DetectionId: number;
  readonly detectionCount: number;
  readonly cropCount: number;
  readonly embeddingCount: number;
  /** Highest detection quality in the track. */
  readonly bestQuality: number;
  readonly status: TrackStatus;
  readonly rejectReason: string | null;
  /** The tracker's tracks this one was joined from, in time order; null when it was not joined. */
  readonly parts: readonly TrackPart[] | null;
  readonly createdAtMs: number;
}

/** A track with what lists show of its source. */
export interface TrackListItem extends TrackRow {
  readonly sourcePath: string;
  readonly camera: string | null;
  /** Wall-clock time of the first / last detection, Unix epoch ms; null when the source's recordedAtMs is unknown. */
  readonly startAtMs: number | null;
  readonly endAtMs: number | null;
}

export interface ListTracksQuery {
  readonly sourceId?: number;
  readonly camera?: string;
  /**
   * Wall-clock window, Unix epoch ms: tracks whose [startAtMs, endAtMs] overlaps [fromMs, toMs].
   * Tracks of sources without recordedAtMs never match a window.
   */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly status?: TrackStatus;
  readonly afterId?: number;
  /** Page size, 1..1000. Default 100. */
  readonly limit?: number;
}

/** A stored detection: the contracts' ScoredDetection plus its ids. */
export interface DetectionRow extends ScoredDetection {
  readonly id: number;
  readonly trackId: number;
}

export interface CropRow {
  readonly id: number;
  readonly detectionId: number;
  readonly kind: string;
  readonly format: CropFormat;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly image: Uint8Array;
}

export interface EmbeddingRow {
  readonly id: number;
  readonly detectionId: number;
  readonly cropId: number | null;
  readonly modelId: string;
  readonly dim: number;
  readonly vector: Float32Array;
}

/**
 * A stored F_M: the contract's `FusedIdentity` as a row, in the contract's vocabulary
 * (`embedderId`, `featureVector`; the columns are model_id and vector). The members are embedding
 * row ids (the contract's member indices into the track's embeddings, resolved when the track was
 * written).
 */
export interface FusedIdentityRow extends Omit<FusedIdentity, 'memberIndices' | 'rejectedIndices'> {
  readonly id: number;
  readonly trackId: number;
  /** Length of featureVector. */
  readonly dim: number;
  /** Ids of the embeddings used (the contract's memberIndices, resolved). */
  readonly memberEmbeddingIds: readonly number[];
  readonly rejectedEmbeddingIds: readonly number[];
}

/** One SR result to store; idempotent on (trackId, modelSha256, sampler, steps, seed, conditioning, engine, backend): engines agree only within float tolerance. */
/** How an SR output's image was made: 'synthesized' by the SR model, or the track's native crop 'kept-native' (no sampler ran). */
export type SrOutputMethod = 'synthesized' | 'kept-native';
export const SR_OUTPUT_METHODS: readonly SrOutputMethod[] = Object.freeze(['synthesized', 'kept-native'] as const);

/** Why a track's native crop was kept instead of synthesizing a face (sr_outputs.kept_native_reason, native_side_px). */
export interface KeptNativeInfo {
  /** Short kebab-case reason, e.g. 'native-crop-at-least-128px'. */
  readonly reason: string;
  /** Side of LR_0's native crop (the aligned crop cut from the full-resolution frame), px. */
  readonly nativeSidePx: number;
}

export interface SrOutputInput {
  readonly trackId: number;
  readonly runId?: number | null;
  /**
   * 'synthesized' (default): the SR model made the image (steps, networkEvaluations >= 1).
   * 'kept-native': the image is the track's native crop; steps and networkEvaluations are 0, the
   * model, sampler, seed, conditioning and engine are those of the request it answers (none ran),
   * and `keptNative` says why.
   */
  readonly method?: SrOutputMethod;
  /** Required exactly when method is 'kept-native'. */
  readonly keptNative?: KeptNativeInfo | null;
  readonly modelId: string;
  /** Lower-case hex SHA-256 of the checkpoint. */
  readonly modelSha256: string;
  readonly sampler: string;
  readonly steps: number;
  /** Score-network evaluations actually made (NFE). */
  readonly networkEvaluations: number;
  /** Non-negative safe integer. */
  readonly seed: number;
  /**
   * What the model was conditioned on, 1–64 characters: 'fm' (the track's F_M), 'zero' (the
   * feature-free ablation), 'shuffled' (another identity's F_M), ... Default 'fm'.
   */
  readonly conditioning?: string;
  /** Inference engine, e.g. 'tfjs'. */
  readonly engine: string;
  /** Compute backend, e.g. 'wasm', 'tensorflow'. */
  readonly backend: string;
  /** The enhanced image as a PNG file. */
  readonly png: Uint8Array;
  readonly widthPx: number;
  readonly heightPx: number;
  /** Named durations in milliseconds, e.g. { totalMs: 812, scoreMs: 700 }. */
  readonly timingsMs: Readonly<Record<string, number>>;
}

/** A stored SR output: the {@link SrOutputInput} written, with its id, run (null: none) and conditioning filled in. */
export interface SrOutputRow extends Omit<SrOutputInput, 'runId' | 'conditioning' | 'method' | 'keptNative'> {
  readonly id: number;
  readonly runId: number | null;
  readonly method: SrOutputMethod;
  /** Why the native crop was kept; null for a synthesized output. */
  readonly keptNative: KeptNativeInfo | null;
  /** 'fm', 'zero', 'shuffled', ... (see SrOutputInput.conditioning). */
  readonly conditioning: string;
  readonly createdAtMs: number;
}

export interface InsertSrOutputResult {
  readonly id: number;
  /** False when a row with the same unique key existed; it is left unchanged. */
  readonly inserted: boolean;
}

/** A track with everything stored under it. */
export interface TrackDetail {
  readonly track: TrackListItem;
  readonly detections: readonly DetectionRow[];
  readonly crops: readonly CropRow[];
  readonly embeddings: readonly EmbeddingRow[];
  readonly fused: readonly FusedIdentityRow[];
  readonly srOutputs: readonly SrOutputRow[];
}

export interface FindSimilarQuery {
  /** Embedder id; only F_M of this model (and of the query's dimension) are compared. */
  readonly modelId: string;
  /** How many best matches to return, 1..1000. Default 10. */
  readonly limit?: number;
  /** Drop matches with a cosine below this, in [-1, 1]. Default -1 (keep all). */
  readonly minCosine?: number;
  /** Only tracks of this camera. */
  readonly camera?: string;
  /** Leave this track out (typically the query's own). */
  readonly excludeTrackId?: number;
}

export interface SimilarTrack {
  readonly trackId: number;
  readonly fusedIdentityId: number;
  /** Cosine similarity in [-1, 1]. */
  readonly cosine: number;
}

export interface StartRunInput {
  /** The command line or pipeline name. */
  readonly command: string;
  readonly config: JsonValue;
  /** Component → version or hash, e.g. { fasr: '0.1.0', detector: 'blazeface@sha256:…' }. */
  readonly versions: Readonly<Record<string, string>>;
}

export interface RunRow {
  readonly id: number;
  readonly command: string;
  readonly config: JsonValue;
  readonly versions: Readonly<Record<string, string>>;
  readonly status: RunStatus;
  readonly error: string | null;
  readonly startedAtMs: number;
  readonly finishedAtMs: number | null;
}

export interface ListRunsQuery {
  readonly status?: RunStatus;
  /** Keyset cursor: only runs with `id > afterId`. */
  readonly afterId?: number;
  /** Page size, 1..1000. Default 100. */
  readonly limit?: number;
}

export interface ListJobsQuery {
  readonly status?: JobStatus;
  readonly kind?: string;
  /** Keyset cursor: only jobs with `id > afterId`. */
  readonly afterId?: number;
  /** Page size, 1..1000. Default 100. */
  readonly limit?: number;
}

export interface FinishRunInput {
  readonly status: 'done' | 'failed';
  /** Required when (and only when) status is 'failed'. */
  readonly error?: string | null;
}

export interface EnqueueJobInput {
  readonly kind: string;
  /** Unique over all jobs: enqueueing the same key again returns the existing job. */
  readonly idempotencyKey: string;
  readonly payload: JsonValue;
  /** Claims allowed before a failure is final, 1..100. Default 3. */
  readonly maxAttempts?: number;
}

export interface EnqueueJobResult {
  readonly job: JobRow;
  /** False when the key existed (same kind and payload); the job is returned unchanged. */
  readonly created: boolean;
}

export interface ClaimJobInput {
  /** Job kinds this worker runs. */
  readonly kinds: readonly string[];
  readonly workerId: string;
  /** How long the claim holds, in milliseconds (1..86400000); afterwards another worker may reclaim the job. */
  readonly leaseMs: number;
}

export interface FailJobOptions {
  /** Requeue when attempts remain. Default true. */
  readonly retry?: boolean;
}

export interface JobRow {
  readonly id: number;
  readonly kind: string;
  readonly idempotencyKey: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Last failure reason (kept when a retried job is requeued). */
  readonly error: string | null;
  readonly payload: JsonValue;
  readonly result: JsonValue | null;
  readonly workerId: string | null;
  readonly leaseExpiresAtMs: number | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
}

/** Connection facts, for diagnostics and tests. */
export interface StoreInfo {
  readonly file: string;
  readonly schemaVersion: number;
  /** 'wal' for a file database. */
  readonly journalMode: string;
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
  readonly readonly: boolean;
  /** User tables, sorted. */
  readonly tables: readonly string[];
}

/**
 * The pipeline's SQLite store. Every method validates its arguments before touching the database
 * and throws `StoreError` (messages name the method, the argument, what was expected and what was
 * received). Every multi-row write is one transaction.
 */
export interface Store {
  readonly file: string;
  info(): StoreInfo;

  /** Inserts or updates the source at `input.path`; see UpsertSourceInput for the update rules. */
  upsertSource(input: UpsertSourceInput): SourceRow;
  /** @throws StoreError when there is no such source. */
  getSource(sourceId: number): SourceRow;
  findSourceByPath(path: string): SourceRow | undefined;
  /** Every source with this content hash, by id. */
  findSourcesBySha256(sha256: string): readonly SourceRow[];
  listSources(query?: ListSourcesQuery): Page<SourceRow>;
  countSourcesByStatus(): Readonly<Record<SourceStatus, number>>;
  /** Any status → running (a crashed run leaves `running`; a re-run takes it over). Counts an attempt, clears the error. */
  markSourceRunning(sourceId: number, opts?: { readonly runId?: number | null }): SourceRow;
  /** running → done. */
  markSourceDone(sourceId: number): SourceRow;
  /** pending or running → failed, with the reason. */
  markSourceFailed(sourceId: number, reason: string): SourceRow;
  /** Deletes the source and, by cascade, its tracks and everything under them. */
  deleteSource(sourceId: number): void;

  /**
   * Deletes every track of the source (cascading to detections, crops, embeddings, F_M and SR
   * outputs) and writes `results` — all in ONE transaction: after a crash or an error, either the
   * old results or the new ones are there, never a mix.
   */
  replaceSourceResults(sourceId: number, results: SourceResultsInput, opts?: ReplaceSourceResultsOptions): ReplaceSourceResultsReport;

  listTracks(query?: ListTracksQuery): Page<TrackListItem>;
  /**
   * Every track `query` selects after `query.afterId` (default: all), in id order, read from
   * SQLite `query.limit` rows at a time (1..1000, default 100) — listTracks' pages as one
   * iterator. The query is checked at the call, before the first read; each page is its own read,
   * so a track written while the caller iterates is seen when its id is above the last one returned.
   */
  iterateTracks(query?: ListTracksQuery): IterableIterator<TrackListItem>;
  /** One track as lists show it (no detections, crops or vectors). @throws StoreError when there is no such track. */
  getTrackItem(trackId: number): TrackListItem;
  /** One crop with its image. @throws StoreError when there is no such crop. */
  getCrop(cropId: number): CropRow;
  /** The crops of one detection, by id. @throws StoreError when there is no such detection. */
  listDetectionCrops(detectionId: number): readonly CropRow[];
  /** @throws StoreError when there is no such track. */
  getTrack(trackId: number): TrackDetail;
  /** Tracks whose F_M has the highest cosine similarity with `vector`, best first (exact scan). */
  findSimilarTracks(vector: Float32Array, query: FindSimilarQuery): readonly SimilarTrack[];

  insertSrOutput(input: SrOutputInput): InsertSrOutputResult;
  getSrOutput(srOutputId: number): SrOutputRow;
  listSrOutputs(trackId: number): readonly SrOutputRow[];

  startRun(input: StartRunInput): RunRow;
  finishRun(runId: number, input: FinishRunInput): RunRow;
  getRun(runId: number): RunRow;
  listRuns(query?: ListRunsQuery): Page<RunRow>;
  /** listRuns' pages as one iterator, as {@link Store.iterateTracks} is listTracks'. */
  iterateRuns(query?: ListRunsQuery): IterableIterator<RunRow>;

  enqueueJob(input: EnqueueJobInput): EnqueueJobResult;
  /** Atomically takes the oldest queued job of `kinds` (or a running one whose lease expired); null when none. */
  claimJob(input: ClaimJobInput): JobRow | null;
  /** running (held by workerId) → done. */
  completeJob(jobId: number, workerId: string, result: JsonValue): JobRow;
  /** running (held by workerId) → queued when attempts remain and retry, else failed. */
  failJob(jobId: number, workerId: string, reason: string, opts?: FailJobOptions): JobRow;
  getJob(jobId: number): JobRow;
  listJobs(query?: ListJobsQuery): Page<JobRow>;
  /** listJobs' pages as one iterator, as {@link Store.iterateTracks} is listTracks'. */
  iterateJobs(query?: ListJobsQuery): IterableIterator<JobRow>;
  countJobsByStatus(): Readonly<Record<JobStatus, number>>;

  /** Closes the connection (checkpointing the WAL). Idempotent; any other call afterwards throws. */
  close(): void;
}
