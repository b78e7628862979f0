import type Database from 'better-sqlite3';
import { StoreError } from '../contracts';

/** One schema step. `sql` runs inside the migration's transaction; it must not change pragmas
 * that cannot change in a transaction (journal_mode, foreign_keys). */
export interface Migration {
  /** The `PRAGMA user_version` the database has once this step is applied (1, 2, ...). */
  readonly version: number;
  /** Short kebab-case name, for messages and docs. */
  readonly name: string;
  readonly sql: string;
}

/**
 * Schema v1. Conventions: `id INTEGER PRIMARY KEY AUTOINCREMENT` (ids are never reused, so a
 * stale id held by a job or a UI never names a newer row); times are `*_at_ms` integer
 * Unix epoch milliseconds (UTC); stream times are `*_pts_ms` milliseconds from the stream start;
 * pixel sizes `*_px`; angles `*_deg`; JSON columns end in `_json` and are checked with json_valid.
 * docs/store-schema.md describes every column.
 */
const V1_SQL = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  command         TEXT    NOT NULL CHECK (length(command) > 0),
  config_json     TEXT    NOT NULL CHECK (json_valid(config_json)),
  versions_json   TEXT    NOT NULL CHECK (json_valid(versions_json)),
  status          TEXT    NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  error           TEXT,
  started_at_ms   INTEGER NOT NULL,
  finished_at_ms  INTEGER,
  CHECK ((status = 'failed') = (error IS NOT NULL)),
  CHECK ((status = 'running') = (finished_at_ms IS NULL))
);

CREATE TABLE sources (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path            TEXT    NOT NULL UNIQUE CHECK (length(path) > 0),
  size_bytes      INTEGER NOT NULL CHECK (size_bytes >= 0),
  mtime_ms        REAL    NOT NULL,
  sha256          TEXT    CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
  camera          TEXT,
  recorded_at_ms  INTEGER,
  probe_json      TEXT    CHECK (probe_json IS NULL OR json_valid(probe_json)),
  duration_ms     REAL    CHECK (duration_ms IS NULL OR duration_ms >= 0),
  codec           TEXT,
  width_px        INTEGER CHECK (width_px IS NULL OR width_px > 0),
  height_px       INTEGER CHECK (height_px IS NULL OR height_px > 0),
  fps             REAL    CHECK (fps IS NULL OR fps > 0),
  rotation_deg    INTEGER CHECK (rotation_deg IS NULL OR rotation_deg IN (0, 90, 180, 270)),
  status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  error           TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at_ms   INTEGER NOT NULL,
  updated_at_ms   INTEGER NOT NULL,
  started_at_ms   INTEGER,
  finished_at_ms  INTEGER,
  CHECK ((status = 'failed') = (error IS NOT NULL))
);
CREATE INDEX sources_sha256 ON sources (sha256);
CREATE INDEX sources_status ON sources (status, id);
CREATE INDEX sources_camera_recorded ON sources (camera, recorded_at_ms);
CREATE INDEX sources_last_run ON sources (last_run_id);

CREATE TABLE tracks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id          INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  run_id             INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  track_key          INTEGER NOT NULL,
  first_frame_index  INTEGER NOT NULL CHECK (first_frame_index >= 0),
  last_frame_index   INTEGER NOT NULL CHECK (last_frame_index >= first_frame_index),
  first_pts_ms       REAL    NOT NULL,
  last_pts_ms        REAL    NOT NULL CHECK (last_pts_ms >= first_pts_ms),
  lr0_detection_id   INTEGER REFERENCES detections(id),
  detection_count    INTEGER NOT NULL CHECK (detection_count > 0),
  crop_count         INTEGER NOT NULL CHECK (crop_count >= 0),
  embedding_count    INTEGER NOT NULL CHECK (embedding_count >= 0),
  best_quality       REAL    NOT NULL CHECK (best_quality >= 0 AND best_quality <= 1),
  status             TEXT    NOT NULL CHECK (status IN ('ok', 'rejected')),
  reject_reason      TEXT,
  created_at_ms      INTEGER NOT NULL,
  UNIQUE (source_id, track_key),
  CHECK ((status = 'rejected') = (reject_reason IS NOT NULL))
);
-- (source_id) is (source_id, id) under the hood: keyset pages of one source in id order.
CREATE INDEX tracks_source ON tracks (source_id);
CREATE INDEX tracks_run ON tracks (run_id);
CREATE INDEX tracks_lr0 ON tracks (lr0_detection_id);
CREATE INDEX tracks_status ON tracks (status, id);

CREATE TABLE detections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  track_id          INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  frame_index       INTEGER NOT NULL CHECK (frame_index >= 0),
  pts_ms            REAL    NOT NULL,
  bbox_x_px         REAL    NOT NULL,
  bbox_y_px         REAL    NOT NULL,
  bbox_w_px         REAL    NOT NULL CHECK (bbox_w_px > 0),
  bbox_h_px         REAL    NOT NULL CHECK (bbox_h_px > 0),
  score             REAL    NOT NULL CHECK (score >= 0 AND score <= 1),
  landmarks_json    TEXT    NOT NULL CHECK (json_valid(landmarks_json)),
  yaw_deg           REAL    NOT NULL,
  pitch_deg         REAL    NOT NULL,
  roll_deg          REAL    NOT NULL,
  quality           REAL    NOT NULL CHECK (quality >= 0 AND quality <= 1),
  sharpness         REAL    NOT NULL CHECK (sharpness >= 0),
  frontalness       REAL    NOT NULL CHECK (frontalness >= 0 AND frontalness <= 1),
  UNIQUE (track_id, frame_index)
);

CREATE TABLE crops (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  detection_id  INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
  kind          TEXT    NOT NULL CHECK (length(kind) > 0),
  width_px      INTEGER NOT NULL CHECK (width_px > 0),
  height_px     INTEGER NOT NULL CHECK (height_px > 0),
  format        TEXT    NOT NULL CHECK (format IN ('rgb8', 'png', 'jpeg')),
  image         BLOB    NOT NULL CHECK (typeof(image) = 'blob' AND length(image) > 0),
  UNIQUE (detection_id, kind),
  CHECK (format <> 'rgb8' OR length(image) = width_px * height_px * 3)
);

CREATE TABLE embeddings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  detection_id  INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
  crop_id       INTEGER REFERENCES crops(id) ON DELETE CASCADE,
  model_id      TEXT    NOT NULL CHECK (length(model_id) > 0),
  dim           INTEGER NOT NULL CHECK (dim > 0),
  vector        BLOB    NOT NULL CHECK (typeof(vector) = 'blob' AND length(vector) = 4 * dim),
  UNIQUE (detection_id, model_id)
);
CREATE INDEX embeddings_crop ON embeddings (crop_id);

CREATE TABLE fused_identities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  track_id                 INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  model_id                 TEXT    NOT NULL CHECK (length(model_id) > 0),
  method                   TEXT    NOT NULL CHECK (length(method) > 0),
  dim                      INTEGER NOT NULL CHECK (dim > 0),
  vector                   BLOB    NOT NULL CHECK (typeof(vector) = 'blob' AND length(vector) = 4 * dim),
  member_embedding_ids_json   TEXT NOT NULL CHECK (json_valid(member_embedding_ids_json)),
  rejected_embedding_ids_json TEXT NOT NULL CHECK (json_valid(rejected_embedding_ids_json)),
  UNIQUE (track_id, model_id)
);
CREATE INDEX fused_identities_model ON fused_identities (model_id, id);

CREATE TABLE sr_outputs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  track_id        INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  model_id        TEXT    NOT NULL CHECK (length(model_id) > 0),
  model_sha256    TEXT    NOT NULL CHECK (length(model_sha256) = 64 AND model_sha256 NOT GLOB '*[^0-9a-f]*'),
  sampler         TEXT    NOT NULL CHECK (length(sampler) > 0),
  steps           INTEGER NOT NULL CHECK (steps > 0),
  nfe             INTEGER NOT NULL CHECK (nfe > 0),
  seed            INTEGER NOT NULL,
  conditioning    TEXT    NOT NULL DEFAULT 'fm' CHECK (length(conditioning) BETWEEN 1 AND 64),
  engine          TEXT    NOT NULL CHECK (length(engine) > 0),
  backend         TEXT    NOT NULL CHECK (length(backend) > 0),
  image           BLOB    NOT NULL CHECK (typeof(image) = 'blob' AND length(image) > 8),
  width_px        INTEGER NOT NULL CHECK (width_px > 0),
  height_px       INTEGER NOT NULL CHECK (height_px > 0),
  timings_json    TEXT    NOT NULL CHECK (json_valid(timings_json)),
  created_at_ms   INTEGER NOT NULL,
  UNIQUE (track_id, model_sha256, sampler, steps, seed, conditioning, engine, backend)
);
CREATE INDEX sr_outputs_run ON sr_outputs (run_id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind                 TEXT    NOT NULL CHECK (length(kind) > 0),
  idempotency_key      TEXT    NOT NULL UNIQUE CHECK (length(idempotency_key) > 0),
  status               TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts             INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts         INTEGER NOT NULL CHECK (max_attempts > 0),
  error                TEXT,
  payload_json         TEXT    NOT NULL CHECK (json_valid(payload_json)),
  result_json          TEXT    CHECK (result_json IS NULL OR json_valid(result_json)),
  worker_id            TEXT,
  lease_expires_at_ms  INTEGER,
  created_at_ms        INTEGER NOT NULL,
  updated_at_ms        INTEGER NOT NULL,
  started_at_ms        INTEGER,
  finished_at_ms       INTEGER,
  CHECK (status <> 'running' OR (worker_id IS NOT NULL AND lease_expires_at_ms IS NOT NULL)),
  CHECK (status <> 'done' OR result_json IS NOT NULL),
  CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX jobs_claim ON jobs (kind, status, id);
CREATE INDEX jobs_status ON jobs (status, id);
`;

/**
 * Schema v2: an SR output may be the track's native crop kept instead of a synthesized face
 * (`method` 'kept-native'; pipelines' keep-native rule: LR_0's native crop is already at least
 * `keepNativeMinSidePx`). Such a row ran no sampler and no network (`steps` = `nfe` = 0) and says
 * why (`kept_native_reason`) and how big the native crop was (`native_side_px`); a synthesized row
 * keeps v1's `steps > 0`, `nfe > 0`. SQLite cannot change a CHECK in place, so the table is rebuilt
 * (its documented 12-step procedure, in the step's transaction; no table references sr_outputs),
 * every v1 row copied as 'synthesized' with its id, and the AUTOINCREMENT high-water mark kept.
 */
const V2_SQL = `
CREATE TABLE sr_outputs_v2 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  track_id        INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
  run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  method          TEXT    NOT NULL DEFAULT 'synthesized' CHECK (method IN ('synthesized', 'kept-native')),
  model_id        TEXT    NOT NULL CHECK (length(model_id) > 0),
  model_sha256    TEXT    NOT NULL CHECK (length(model_sha256) = 64 AND model_sha256 NOT GLOB '*[^0-9a-f]*'),
  sampler         TEXT    NOT NULL CHECK (length(sampler) > 0),
  steps           INTEGER NOT NULL CHECK (steps >= 0),
  nfe             INTEGER NOT NULL CHECK (nfe >= 0),
  seed            INTEGER NOT NULL,
  conditioning    TEXT    NOT NULL DEFAULT 'fm' CHECK (length(conditioning) BETWEEN 1 AND 64),
  engine          TEXT    NOT NULL CHECK (length(engine) > 0),
  backend         TEXT    NOT NULL CHECK (length(backend) > 0),
  kept_native_reason TEXT CHECK (kept_native_reason IS NULL OR length(kept_native_reason) BETWEEN 1 AND 256),
  native_side_px  INTEGER CHECK (native_side_px IS NULL OR native_side_px > 0),
  image           BLOB    NOT NULL CHECK (typeof(image) = 'blob' AND length(image) > 8),
  width_px        INTEGER NOT NULL CHECK (width_px > 0),
  height_px       INTEGER NOT NULL CHECK (height_px > 0),
  timings_json    TEXT    NOT NULL CHECK (json_valid(timings_json)),
  created_at_ms   INTEGER NOT NULL,
  UNIQUE (track_id, model_sha256, sampler, steps, seed, conditioning, engine, backend),
  CHECK ((method = 'kept-native') = (steps = 0)),
  CHECK ((method = 'kept-native') = (nfe = 0)),
  CHECK ((method = 'kept-native') = (kept_native_reason IS NOT NULL)),
  CHECK ((method = 'kept-native') = (native_side_px IS NOT NULL))
);
INSERT INTO sr_outputs_v2 (id, track_id, run_id, method, model_id, model_sha256, sampler, steps, nfe, seed, conditioning, engine, backend,
  kept_native_reason, native_side_px, image, width_px, height_px, timings_json, created_at_ms)
SELECT id, track_id, run_id, 'synthesized', model_id, model_sha256, sampler, steps, nfe, seed, conditioning, engine, backend,
  NULL, NULL, image, width_px, height_px, timings_json, created_at_ms
FROM sr_outputs;
-- ids are never reused (AUTOINCREMENT): carry the old table's high-water mark over (DROP deletes its
-- sqlite_sequence row; RENAME renames the new table's).
DELETE FROM sqlite_sequence WHERE name = 'sr_outputs_v2';
INSERT INTO sqlite_sequence (name, seq) SELECT 'sr_outputs_v2', seq FROM sqlite_sequence WHERE name = 'sr_outputs';
DROP TABLE sr_outputs;
ALTER TABLE sr_outputs_v2 RENAME TO sr_outputs;
CREATE INDEX sr_outputs_run ON sr_outputs (run_id);
`;

/** Every schema step, in order. Append only: a released step is never edited. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  Object.freeze({ version: 1, name: 'initial-schema', sql: V1_SQL }),
  Object.freeze({ version: 2, name: 'sr-outputs-kept-native', sql: V2_SQL }),
  // A track joined from several tracker tracks (pipelines/join-tracks.ts) lists them; NULL: not joined.
  Object.freeze({
    version: 3,
    name: 'track-parts',
    sql: 'ALTER TABLE tracks ADD COLUMN parts_json TEXT CHECK (parts_json IS NULL OR (json_valid(parts_json) AND json_array_length(parts_json) >= 2));',
  }),
]);

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** What `applyMigrations` did. */
export interface MigrationReport {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly applied: readonly string[];
}

function userVersion(db: Database.Database): number {
  const v: unknown = db.pragma('user_version', { simple: true });
  if (typeof v !== 'number') throw new StoreError(`cannot read PRAGMA user_version: received ${String(v)}`);
  return v;
}

/**
 * Brings `db` to `SCHEMA_VERSION`. Each step runs in its own IMMEDIATE transaction together with
 * the `PRAGMA user_version` bump, so a crash leaves the database at the previous version, and two
 * processes opening the same file at once apply each step once (the second re-reads the version
 * under the write lock and finds nothing to do).
 * @throws StoreError when the file has a newer schema than this code knows, or a step fails.
 */
export function applyMigrations(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): MigrationReport {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const fromVersion = userVersion(db);
  if (fromVersion > latest) {
    throw new StoreError(
      `database schema version ${fromVersion} is newer than the newest this code knows (${latest}); upgrade fasr`,
      { fromVersion, latest },
    );
  }
  const applied: string[] = [];
  for (const m of migrations) {
    const step = db.transaction(() => {
      // Re-read under the write lock: another process may have applied this step meanwhile.
      if (userVersion(db) >= m.version) return false;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      return true;
    });
    try {
      if (step.immediate()) applied.push(`${m.version}-${m.name}`);
    } catch (err) {
      throw new StoreError(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
        version: m.version,
        cause: err,
      });
    }
  }
  return { fromVersion, toVersion: userVersion(db), applied };
}
