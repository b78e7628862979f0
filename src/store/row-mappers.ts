import type { FaceLandmarks5 } from '../contracts';
import { StoreError } from '../contracts';
import type {
  CropFormat,
  CropRow,
  DetectionRow,
  EmbeddingRow,
  FusedIdentityRow,
  JobRow,
  JobStatus,
  RunRow,
  RunStatus,
  SourceRow,
  SourceStatus,
  SrOutputRow,
  TrackListItem,
  TrackPart,
  TrackStatus,
} from './store';
import { parseJsonColumn } from './validate';
import { blobToFloat32 } from './vector-blob';

/** Rows as SQLite returns them (snake_case columns). */
export interface SourceRaw {
  id: number;
  path: string;
  size_bytes: number;
  mtime_ms: number;
  sha256: string | null;
  camera: string | null;
  recorded_at_ms: number | null;
  probe_json: string | null;
  duration_ms: number | null;
  codec: string | null;
  width_px: number | null;
  height_px: number | null;
  fps: number | null;
  rotation_deg: number | null;
  status: string;
  error: string | null;
  attempts: number;
  last_run_id: number | null;
  created_at_ms: number;
  updated_at_ms: number;
  started_at_ms: number | null;
  finished_at_ms: number | null;
}

export interface TrackListRaw {
  id: number;
  source_id: number;
  run_id: number | null;
  track_key: number;
  first_frame_index: number;
  last_frame_index: number;
  first_pts_ms: number;
  last_pts_ms: number;
  lr0_detection_id: number | null;
  detection_count: number;
  crop_count: number;
  embedding_count: number;
  best_quality: number;
  status: string;
  reject_reason: string | null;
  parts_json: string | null;
  created_at_ms: number;
  source_path: string;
  camera: string | null;
  start_at_ms: number | null;
  end_at_ms: number | null;
}

export interface DetectionRaw {
  id: number;
  track_id: number;
  frame_index: number;
  pts_ms: number;
  bbox_x_px: number;
  bbox_y_px: number;
  bbox_w_px: number;
  bbox_h_px: number;
  score: number;
  landmarks_json: string;
  yaw_deg: number;
  pitch_deg: number;
  roll_deg: number;
  quality: number;
  sharpness: number;
  frontalness: number;
}

export interface CropRaw {
  id: number;
  detection_id: number;
  kind: string;
  width_px: number;
  height_px: number;
  format: string;
  image: Buffer;
}

export interface EmbeddingRaw {
  id: number;
  detection_id: number;
  crop_id: number | null;
  model_id: string;
  dim: number;
  vector: Buffer;
}

export interface FusedRaw {
  id: number;
  track_id: number;
  model_id: string;
  method: string;
  dim: number;
  vector: Buffer;
  member_embedding_ids_json: string;
  rejected_embedding_ids_json: string;
}

export interface SrOutputRaw {
  id: number;
  track_id: number;
  run_id: number | null;
  method: string;
  kept_native_reason: string | null;
  native_side_px: number | null;
  model_id: string;
  model_sha256: string;
  sampler: string;
  steps: number;
  nfe: number;
  seed: number;
  conditioning: string;
  engine: string;
  backend: string;
  image: Buffer;
  width_px: number;
  height_px: number;
  timings_json: string;
  created_at_ms: number;
}

export interface RunRaw {
  id: number;
  command: string;
  config_json: string;
  versions_json: string;
  status: string;
  error: string | null;
  started_at_ms: number;
  finished_at_ms: number | null;
}

export interface JobRaw {
  id: number;
  kind: string;
  idempotency_key: string;
  status: string;
  attempts: number;
  max_attempts: number;
  error: string | null;
  payload_json: string;
  result_json: string | null;
  worker_id: string | null;
  lease_expires_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
  started_at_ms: number | null;
  finished_at_ms: number | null;
}

/** A copy as a plain Uint8Array (not a Buffer view into better-sqlite3's memory). */
function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

export function toSourceRow(r: SourceRaw): SourceRow {
  return Object.freeze({
    id: r.id,
    path: r.path,
    sizeBytes: r.size_bytes,
    mtimeMs: r.mtime_ms,
    sha256: r.sha256,
    camera: r.camera,
    recordedAtMs: r.recorded_at_ms,
    probe: r.probe_json === null ? null : parseJsonColumn(r.probe_json, `sources.probe_json of source ${r.id}`),
    durationMs: r.duration_ms,
    codec: r.codec,
    widthPx: r.width_px,
    heightPx: r.height_px,
    fps: r.fps,
    rotationDeg: r.rotation_deg,
    status: r.status as SourceStatus,
    error: r.error,
    attempts: r.attempts,
    lastRunId: r.last_run_id,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
    startedAtMs: r.started_at_ms,
    finishedAtMs: r.finished_at_ms,
  });
}

export function toTrackListItem(r: TrackListRaw): TrackListItem {
  if (r.lr0_detection_id === null) {
    // Only possible inside replaceSourceResults' transaction, never in a committed state.
    throw new StoreError(`track ${r.id} has no LR_0 detection; the database was written outside the store`, { trackId: r.id });
  }
  return Object.freeze({
    id: r.id,
    sourceId: r.source_id,
    runId: r.run_id,
    trackKey: r.track_key,
    firstFrameIndex: r.first_frame_index,
    lastFrameIndex: r.last_frame_index,
    firstPtsMs: r.first_pts_ms,
    lastPtsMs: r.last_pts_ms,
    lr0DetectionId: r.lr0_detection_id,
    detectionCount: r.detection_count,
    cropCount: r.crop_count,
    embeddingCount: r.embedding_count,
    bestQuality: r.best_quality,
    status: r.status as TrackStatus,
    rejectReason: r.reject_reason,
    parts: r.parts_json === null ? null : Object.freeze((parseJsonColumn(r.parts_json, 'tracks.parts_json') as unknown as TrackPart[]).map((p) => Object.freeze({ ...p }))),
    createdAtMs: r.created_at_ms,
    sourcePath: r.source_path,
    camera: r.camera,
    startAtMs: r.start_at_ms,
    endAtMs: r.end_at_ms,
  });
}

export function toDetectionRow(r: DetectionRaw): DetectionRow {
  return Object.freeze({
    id: r.id,
    trackId: r.track_id,
    frameIndex: r.frame_index,
    ptsMs: r.pts_ms,
    bboxXYWH: Object.freeze([r.bbox_x_px, r.bbox_y_px, r.bbox_w_px, r.bbox_h_px] as const),
    score: r.score,
    landmarks: parseJsonColumn(r.landmarks_json, `detections.landmarks_json of detection ${r.id}`) as unknown as FaceLandmarks5,
    yawDeg: r.yaw_deg,
    pitchDeg: r.pitch_deg,
    rollDeg: r.roll_deg,
    quality: r.quality,
    sharpness: r.sharpness,
    frontalness: r.frontalness,
  });
}

export function toCropRow(r: CropRaw): CropRow {
  return Object.freeze({
    id: r.id,
    detectionId: r.detection_id,
    kind: r.kind,
    format: r.format as CropFormat,
    widthPx: r.width_px,
    heightPx: r.height_px,
    image: bytesOf(r.image),
  });
}

export function toEmbeddingRow(r: EmbeddingRaw): EmbeddingRow {
  return Object.freeze({
    id: r.id,
    detectionId: r.detection_id,
    cropId: r.crop_id,
    modelId: r.model_id,
    dim: r.dim,
    vector: blobToFloat32(r.vector, `embeddings.vector of embedding ${r.id}`),
  });
}

function idList(text: string, column: string): readonly number[] {
  const v = parseJsonColumn(text, column);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new StoreError(`${column} is not a JSON array of ids`, { column });
  }
  return Object.freeze(v as number[]);
}

export function toFusedRow(r: FusedRaw): FusedIdentityRow {
  return Object.freeze({
    id: r.id,
    trackId: r.track_id,
    embedderId: r.model_id,
    method: r.method,
    dim: r.dim,
    featureVector: blobToFloat32(r.vector, `fused_identities.vector of fused identity ${r.id}`),
    memberEmbeddingIds: idList(r.member_embedding_ids_json, `fused_identities.member_embedding_ids_json of ${r.id}`),
    rejectedEmbeddingIds: idList(r.rejected_embedding_ids_json, `fused_identities.rejected_embedding_ids_json of ${r.id}`),
  });
}

export function toSrOutputRow(r: SrOutputRaw): SrOutputRow {
  return Object.freeze({
    id: r.id,
    trackId: r.track_id,
    runId: r.run_id,
    method: r.method === 'kept-native' ? 'kept-native' : 'synthesized',
    keptNative: r.kept_native_reason === null || r.native_side_px === null ? null : Object.freeze({ reason: r.kept_native_reason, nativeSidePx: r.native_side_px }),
    modelId: r.model_id,
    modelSha256: r.model_sha256,
    sampler: r.sampler,
    steps: r.steps,
    networkEvaluations: r.nfe,
    seed: r.seed,
    conditioning: r.conditioning,
    engine: r.engine,
    backend: r.backend,
    png: bytesOf(r.image),
    widthPx: r.width_px,
    heightPx: r.height_px,
    timingsMs: Object.freeze(parseJsonColumn(r.timings_json, `sr_outputs.timings_json of ${r.id}`) as Record<string, number>),
    createdAtMs: r.created_at_ms,
  });
}

export function toRunRow(r: RunRaw): RunRow {
  return Object.freeze({
    id: r.id,
    command: r.command,
    config: parseJsonColumn(r.config_json, `runs.config_json of run ${r.id}`),
    versions: Object.freeze(parseJsonColumn(r.versions_json, `runs.versions_json of run ${r.id}`) as Record<string, string>),
    status: r.status as RunStatus,
    error: r.error,
    startedAtMs: r.started_at_ms,
    finishedAtMs: r.finished_at_ms,
  });
}

export function toJobRow(r: JobRaw): JobRow {
  return Object.freeze({
    id: r.id,
    kind: r.kind,
    idempotencyKey: r.idempotency_key,
    status: r.status as JobStatus,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    error: r.error,
    payload: parseJsonColumn(r.payload_json, `jobs.payload_json of job ${r.id}`),
    result: r.result_json === null ? null : parseJsonColumn(r.result_json, `jobs.result_json of job ${r.id}`),
    workerId: r.worker_id,
    leaseExpiresAtMs: r.lease_expires_at_ms,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
    startedAtMs: r.started_at_ms,
    finishedAtMs: r.finished_at_ms,
  });
}
