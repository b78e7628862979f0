import type Database from 'better-sqlite3';
import { StoreError } from '../contracts';
import { MAX_IMAGE_SIDE_PX, pngSizePx } from './image-bytes';
import { planSourceResults } from './results-plan';
import {
  toCropRow,
  toDetectionRow,
  toEmbeddingRow,
  toFusedRow,
  toJobRow,
  toRunRow,
  toSourceRow,
  toSrOutputRow,
  toTrackListItem,
  type CropRaw,
  type DetectionRaw,
  type EmbeddingRaw,
  type FusedRaw,
  type JobRaw,
  type RunRaw,
  type SourceRaw,
  type SrOutputRaw,
  type TrackListRaw,
} from './row-mappers';
import {
  JOB_STATUSES,
  RUN_STATUSES,
  SOURCE_STATUSES,
  TRACK_STATUSES,
  type ClaimJobInput,
  type CropRow,
  type JobStatus,
  type ListJobsQuery,
  type ListRunsQuery,
  type EnqueueJobInput,
  type EnqueueJobResult,
  type FailJobOptions,
  type FindSimilarQuery,
  type FinishRunInput,
  type InsertSrOutputResult,
  type JobRow,
  type JsonValue,
  type ListSourcesQuery,
  type ListTracksQuery,
  type Page,
  type ReplaceSourceResultsOptions,
  type ReplaceSourceResultsReport,
  type RunRow,
  type SimilarTrack,
  type SourceResultsInput,
  type SourceRow,
  type SourceStatus,
  type SrOutputInput,
  type SrOutputRow,
  type StartRunInput,
  type Store,
  type StoreInfo,
  type TrackDetail,
  type TrackListItem,
  type UpsertSourceInput,
} from './store';
import { ArgCheck } from './validate';
import { HOST_IS_LE, blobToFloat32, float32ToBlob } from './vector-blob';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const UPSERT_SOURCE_KEYS = ['path', 'sizeBytes', 'mtimeMs', 'sha256', 'camera', 'recordedAtMs', 'probe'] as const;
const PROBE_KEYS = ['probe', 'durationMs', 'codec', 'widthPx', 'heightPx', 'fps', 'rotationDeg'] as const;
const LIST_SOURCES_KEYS = ['status', 'camera', 'afterId', 'limit'] as const;
const LIST_TRACKS_KEYS = ['sourceId', 'camera', 'fromMs', 'toMs', 'status', 'afterId', 'limit'] as const;
const SIMILAR_KEYS = ['modelId', 'limit', 'minCosine', 'camera', 'excludeTrackId'] as const;
const SR_KEYS = [
  'trackId', 'runId', 'modelId', 'modelSha256', 'sampler', 'steps', 'networkEvaluations', 'seed', 'conditioning',
  'engine', 'backend', 'png', 'widthPx', 'heightPx', 'timingsMs',
] as const;
const START_RUN_KEYS = ['command', 'config', 'versions'] as const;
const FINISH_RUN_KEYS = ['status', 'error'] as const;
const ENQUEUE_KEYS = ['kind', 'idempotencyKey', 'payload', 'maxAttempts'] as const;
const CLAIM_KEYS = ['kinds', 'workerId', 'leaseMs'] as const;
const REPLACE_OPTION_KEYS = ['markDone'] as const;
const MARK_RUNNING_KEYS = ['runId'] as const;
const FAIL_JOB_KEYS = ['retry'] as const;
const LIST_RUNS_KEYS = ['status', 'afterId', 'limit'] as const;
const LIST_JOBS_KEYS = ['status', 'kind', 'afterId', 'limit'] as const;

const TRACK_LIST_SELECT = `
  SELECT t.*, s.path AS source_path, s.camera AS camera,
         s.recorded_at_ms + t.first_pts_ms AS start_at_ms,
         s.recorded_at_ms + t.last_pts_ms AS end_at_ms
  FROM tracks t JOIN sources s ON s.id = t.source_id`;

/** Largest F_M set findSimilarTracks keeps in memory per embedder (64 MiB: 16,384 tracks of dim 1024); larger sets are scanned in SQLite. */
const FUSED_CACHE_MAX_BYTES = 64 * 1024 * 1024;

interface FusedMatrix {
  readonly count: number;
  /** max(id) of the set when loaded. */
  readonly maxId: number;
  readonly fusedIds: Float64Array;
  readonly trackIds: Float64Array;
  /** count x dim, row-major. */
  readonly vectors: Float32Array;
}

/** The SQLite implementation of `Store`. Construct through `openStore`. */
export class SqliteStore implements Store {
  private closed = false;
  /** listTracks statements by the set of filters present (the SQL differs, the parameters are bound). */
  /** In-memory F_M matrices per (dim, embedder) for findSimilarTracks; see fusedMatrix. */
  private readonly fusedCache = new Map<string, FusedMatrix>();
  private readonly listTrackStatements = new Map<string, Database.Statement<[Record<string, unknown>], TrackListRaw>>();

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly now: () => number,
  ) {}

  // ---------- plumbing ----------

  /** Runs `fn` on an open store, turning SQLite errors into StoreError that names the method. */
  private guard<T>(where: string, fn: () => T): T {
    if (this.closed) throw new StoreError(`${where}: the store is closed (${this.file})`, { method: where });
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      if (isSqliteError(err)) {
        const unwritable = unwritableReason(err.code);
        if (unwritable !== null) {
          throw new StoreError(`${where}: cannot write the store ${this.file}: ${unwritable} (SQLite ${err.code}: ${err.message}); the transaction was rolled back`, {
            method: where,
            sqliteCode: err.code,
            path: this.file,
            unwritable: true,
            cause: err,
          });
        }
        throw new StoreError(`${where}: SQLite ${err.code}: ${err.message}`, { method: where, sqliteCode: err.code, cause: err });
      }
      throw err;
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction (takes the write lock up front: no lock-upgrade deadlock). */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  private clock(): number {
    const t = this.now();
    if (!Number.isSafeInteger(t)) throw new StoreError(`the store's clock returned ${String(t)}, expected integer epoch milliseconds`);
    return t;
  }

  private pageSize(a: ArgCheck, name: string, v: unknown): number {
    return v === undefined ? DEFAULT_PAGE : a.int(name, v, 1, MAX_PAGE);
  }

  private sourceRaw(where: string, sourceId: number): SourceRaw {
    const row = this.db.prepare<[number], SourceRaw>('SELECT * FROM sources WHERE id = ?').get(sourceId);
    if (row === undefined) throw new StoreError(`${where}: no source with id ${sourceId}`, { method: where, sourceId });
    return row;
  }

  private requireRun(where: string, runId: number | null): void {
    if (runId === null) return;
    const row = this.db.prepare<[number], { id: number }>('SELECT id FROM runs WHERE id = ?').get(runId);
    if (row === undefined) throw new StoreError(`${where}: no run with id ${runId}`, { method: where, runId });
  }

  private requireTrack(where: string, trackId: number): void {
    const row = this.db.prepare<[number], { id: number }>('SELECT id FROM tracks WHERE id = ?').get(trackId);
    if (row === undefined) throw new StoreError(`${where}: no track with id ${trackId}`, { method: where, trackId });
  }

  info(): StoreInfo {
    return this.guard('info', () => {
      const tables = this.db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all()
        .map((r) => r.name);
      return Object.freeze({
        file: this.file,
        schemaVersion: Number(this.db.pragma('user_version', { simple: true })),
        journalMode: String(this.db.pragma('journal_mode', { simple: true })),
        foreignKeys: Number(this.db.pragma('foreign_keys', { simple: true })) === 1,
        busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
        readonly: this.db.readonly,
        tables: Object.freeze(tables),
      });
    });
  }

  // ---------- sources ----------

  upsertSource(input: UpsertSourceInput): SourceRow {
    const where = 'upsertSource';
    const a: ArgCheck = new ArgCheck(where);
    const o = a.object('input', input, UPSERT_SOURCE_KEYS);
    const path = a.string('input.path', o.path);
    const sizeBytes = a.int('input.sizeBytes', o.sizeBytes, 0);
    const mtimeMs = a.number('input.mtimeMs', o.mtimeMs);
    const sha256 = o.sha256 === undefined || o.sha256 === null ? o.sha256 : a.sha256('input.sha256', o.sha256);
    const camera = o.camera === undefined || o.camera === null ? o.camera : a.string('input.camera', o.camera, 256);
    const recordedAtMs = o.recordedAtMs === undefined || o.recordedAtMs === null ? o.recordedAtMs : a.int('input.recordedAtMs', o.recordedAtMs);
    let probe: Record<string, unknown> | null | undefined;
    if (o.probe === undefined || o.probe === null) probe = o.probe;
    else {
      const p = a.object('input.probe', o.probe, PROBE_KEYS);
      const nullable = <T>(v: unknown, check: (x: unknown) => T): T | null => (v === null ? null : check(v));
      probe = {
        probe_json: a.json('input.probe.probe', p.probe),
        duration_ms: nullable(p.durationMs, (x) => a.number('input.probe.durationMs', x, 0)),
        codec: nullable(p.codec, (x) => a.string('input.probe.codec', x, 64)),
        width_px: nullable(p.widthPx, (x) => a.int('input.probe.widthPx', x, 1, MAX_IMAGE_SIDE_PX)),
        height_px: nullable(p.heightPx, (x) => a.int('input.probe.heightPx', x, 1, MAX_IMAGE_SIDE_PX)),
        fps: nullable(p.fps, (x) => a.number('input.probe.fps', x, Number.MIN_VALUE, 1000)),
        rotation_deg: nullable(p.rotationDeg, (x) => {
          const r = a.int('input.probe.rotationDeg', x);
          if (![0, 90, 180, 270].includes(r)) a.fail('input.probe.rotationDeg', 'one of 0, 90, 180, 270', r);
          return r;
        }),
      };
    }
    return this.guard(where, () =>
      this.write(() => {
        const now = this.clock();
        const old = this.db.prepare<[string], SourceRaw>('SELECT * FROM sources WHERE path = ?').get(path);
        const nullProbe = { probe_json: null, duration_ms: null, codec: null, width_px: null, height_px: null, fps: null, rotation_deg: null };
        if (old === undefined) {
          const id = this.db
            .prepare(
              `INSERT INTO sources (path, size_bytes, mtime_ms, sha256, camera, recorded_at_ms, probe_json, duration_ms, codec,
                 width_px, height_px, fps, rotation_deg, status, created_at_ms, updated_at_ms)
               VALUES (@path, @size_bytes, @mtime_ms, @sha256, @camera, @recorded_at_ms, @probe_json, @duration_ms, @codec,
                 @width_px, @height_px, @fps, @rotation_deg, 'pending', @now, @now)`,
            )
            .run({
              path, size_bytes: sizeBytes, mtime_ms: mtimeMs, sha256: sha256 ?? null, camera: camera ?? null,
              recorded_at_ms: recordedAtMs ?? null, ...(probe ?? nullProbe), now,
            }).lastInsertRowid;
          return toSourceRow(this.sourceRaw(where, Number(id)));
        }
        // The file changed: results are stale and a hash that was not re-supplied is stale too.
        const fileChanged = old.size_bytes !== sizeBytes || old.mtime_ms !== mtimeMs;
        const newSha = sha256 === undefined ? (fileChanged ? null : old.sha256) : sha256;
        const contentChanged = fileChanged || (newSha !== null && old.sha256 !== null && newSha !== old.sha256);
        this.db
          .prepare(
            `UPDATE sources SET size_bytes = @size_bytes, mtime_ms = @mtime_ms, sha256 = @sha256, camera = @camera,
               recorded_at_ms = @recorded_at_ms, probe_json = @probe_json, duration_ms = @duration_ms, codec = @codec,
               width_px = @width_px, height_px = @height_px, fps = @fps, rotation_deg = @rotation_deg,
               status = @status, error = @error, updated_at_ms = @now
             WHERE id = @id`,
          )
          .run({
            id: old.id,
            size_bytes: sizeBytes,
            mtime_ms: mtimeMs,
            sha256: newSha,
            camera: camera === undefined ? old.camera : camera,
            recorded_at_ms: recordedAtMs === undefined ? old.recorded_at_ms : recordedAtMs,
            ...(probe === undefined
              ? { probe_json: old.probe_json, duration_ms: old.duration_ms, codec: old.codec, width_px: old.width_px,
                  height_px: old.height_px, fps: old.fps, rotation_deg: old.rotation_deg }
              : (probe ?? nullProbe)),
            status: contentChanged ? 'pending' : old.status,
            error: contentChanged ? null : old.error,
            now,
          });
        return toSourceRow(this.sourceRaw(where, old.id));
      }),
    );
  }

  getSource(sourceId: number): SourceRow {
    const id = new ArgCheck('getSource').id('sourceId', sourceId);
    return this.guard('getSource', () => toSourceRow(this.sourceRaw('getSource', id)));
  }

  findSourceByPath(path: string): SourceRow | undefined {
    const p = new ArgCheck('findSourceByPath').string('path', path);
    return this.guard('findSourceByPath', () => {
      const row = this.db.prepare<[string], SourceRaw>('SELECT * FROM sources WHERE path = ?').get(p);
      return row === undefined ? undefined : toSourceRow(row);
    });
  }

  findSourcesBySha256(sha256: string): readonly SourceRow[] {
    const h = new ArgCheck('findSourcesBySha256').sha256('sha256', sha256);
    return this.guard('findSourcesBySha256', () =>
      Object.freeze(this.db.prepare<[string], SourceRaw>('SELECT * FROM sources WHERE sha256 = ? ORDER BY id').all(h).map(toSourceRow)),
    );
  }

  listSources(query?: ListSourcesQuery): Page<SourceRow> {
    const where = 'listSources';
    const a: ArgCheck = new ArgCheck(where);
    const q = a.optionalObject('query', query, LIST_SOURCES_KEYS);
    const status = q.status === undefined ? null : a.oneOf('query.status', q.status, SOURCE_STATUSES);
    const camera = q.camera === undefined ? null : a.string('query.camera', q.camera, 256);
    const afterId = q.afterId === undefined ? 0 : a.int('query.afterId', q.afterId, 0);
    const limit = this.pageSize(a, 'query.limit', q.limit);
    return this.guard(where, () => {
      const conds = ['id > @afterId'];
      if (status !== null) conds.push('status = @status');
      if (camera !== null) conds.push('camera = @camera');
      const rows = this.db
        .prepare<[Record<string, unknown>], SourceRaw>(`SELECT * FROM sources WHERE ${conds.join(' AND ')} ORDER BY id LIMIT @limit`)
        .all({ afterId, status, camera, limit: limit + 1 });
      return page(rows.map(toSourceRow), limit);
    });
  }

  countSourcesByStatus(): Readonly<Record<SourceStatus, number>> {
    return this.guard('countSourcesByStatus', () => {
      const counts: Record<SourceStatus, number> = { pending: 0, running: 0, done: 0, failed: 0 };
      for (const r of this.db.prepare<[], { status: SourceStatus; n: number }>('SELECT status, count(*) AS n FROM sources GROUP BY status').all()) {
        counts[r.status] = r.n;
      }
      return Object.freeze(counts);
    });
  }

  markSourceRunning(sourceId: number, opts?: { readonly runId?: number | null }): SourceRow {
    const where = 'markSourceRunning';
    const a: ArgCheck = new ArgCheck(where);
    const id = a.id('sourceId', sourceId);
    const o = a.optionalObject('opts', opts, MARK_RUNNING_KEYS);
    const runId = o.runId === undefined || o.runId === null ? null : a.id('opts.runId', o.runId);
    return this.guard(where, () =>
      this.write(() => {
        this.sourceRaw(where, id);
        this.requireRun(where, runId);
        const now = this.clock();
        this.db
          .prepare(
            `UPDATE sources SET status = 'running', error = NULL, attempts = attempts + 1,
               last_run_id = coalesce(@runId, last_run_id), started_at_ms = @now, finished_at_ms = NULL, updated_at_ms = @now
             WHERE id = @id`,
          )
          .run({ id, runId, now });
        return toSourceRow(this.sourceRaw(where, id));
      }),
    );
  }

  markSourceDone(sourceId: number): SourceRow {
    const where = 'markSourceDone';
    const id = new ArgCheck(where).id('sourceId', sourceId);
    return this.guard(where, () => this.write(() => this.setSourceDone(where, id)));
  }

  private setSourceDone(where: string, id: number): SourceRow {
    const old = this.sourceRaw(where, id);
    if (old.status !== 'running') {
      throw new StoreError(`${where}: source ${id} is '${old.status}', expected 'running' (call markSourceRunning first)`, {
        method: where,
        sourceId: id,
        status: old.status,
      });
    }
    const now = this.clock();
    this.db.prepare("UPDATE sources SET status = 'done', error = NULL, finished_at_ms = ?, updated_at_ms = ? WHERE id = ?").run(now, now, id);
    return toSourceRow(this.sourceRaw(where, id));
  }

  markSourceFailed(sourceId: number, reason: string): SourceRow {
    const where = 'markSourceFailed';
    const a: ArgCheck = new ArgCheck(where);
    const id = a.id('sourceId', sourceId);
    const why = a.string('reason', reason, 16384);
    return this.guard(where, () =>
      this.write(() => {
        const old = this.sourceRaw(where, id);
        if (old.status !== 'running' && old.status !== 'pending') {
          throw new StoreError(`${where}: source ${id} is '${old.status}', expected 'pending' or 'running'`, {
            method: where,
            sourceId: id,
            status: old.status,
          });
        }
        const now = this.clock();
        this.db.prepare("UPDATE sources SET status = 'failed', error = ?, finished_at_ms = ?, updated_at_ms = ? WHERE id = ?").run(why, now, now, id);
        return toSourceRow(this.sourceRaw(where, id));
      }),
    );
  }

  deleteSource(sourceId: number): void {
    const where = 'deleteSource';
    const id = new ArgCheck(where).id('sourceId', sourceId);
    this.guard(where, () =>
      this.write(() => {
        this.sourceRaw(where, id);
        this.db.prepare('DELETE FROM sources WHERE id = ?').run(id);
      }),
    );
  }

  // ---------- per-source results ----------

  replaceSourceResults(sourceId: number, results: SourceResultsInput, opts?: ReplaceSourceResultsOptions): ReplaceSourceResultsReport {
    const where = 'replaceSourceResults';
    const a: ArgCheck = new ArgCheck(where);
    const id = a.id('sourceId', sourceId);
    const plan = planSourceResults(a, results);
    const o = a.optionalObject('opts', opts, REPLACE_OPTION_KEYS);
    const markDone = o.markDone === undefined ? false : o.markDone;
    if (typeof markDone !== 'boolean') a.fail('opts.markDone', 'a boolean', markDone);

    return this.guard(where, () =>
      this.write(() => {
        this.sourceRaw(where, id);
        this.requireRun(where, plan.runId);
        const now = this.clock();
        const deletedTrackCount = this.db.prepare('DELETE FROM tracks WHERE source_id = ?').run(id).changes;
        const insTrack = this.db.prepare(
          `INSERT INTO tracks (source_id, run_id, track_key, first_frame_index, last_frame_index, first_pts_ms, last_pts_ms,
             lr0_detection_id, detection_count, crop_count, embedding_count, best_quality, status, reject_reason, created_at_ms)
           VALUES (@source_id, @run_id, @track_key, @first_frame_index, @last_frame_index, @first_pts_ms, @last_pts_ms,
             NULL, @detection_count, @crop_count, @embedding_count, @best_quality, @status, @reject_reason, @now)`,
        );
        const insDet = this.db.prepare(
          `INSERT INTO detections (track_id, frame_index, pts_ms, bbox_x_px, bbox_y_px, bbox_w_px, bbox_h_px, score, landmarks_json,
             yaw_deg, pitch_deg, roll_deg, quality, sharpness, frontalness)
           VALUES (@track_id, @frame_index, @pts_ms, @x, @y, @w, @h, @score, @landmarks_json,
             @yaw_deg, @pitch_deg, @roll_deg, @quality, @sharpness, @frontalness)`,
        );
        const insCrop = this.db.prepare(
          'INSERT INTO crops (detection_id, kind, width_px, height_px, format, image) VALUES (?, ?, ?, ?, ?, ?)',
        );
        const insEmb = this.db.prepare('INSERT INTO embeddings (detection_id, crop_id, model_id, dim, vector) VALUES (?, ?, ?, ?, ?)');
        const insFused = this.db.prepare(
          `INSERT INTO fused_identities (track_id, model_id, method, dim, vector, member_embedding_ids_json, rejected_embedding_ids_json)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        );
        const setLr0 = this.db.prepare('UPDATE tracks SET lr0_detection_id = ? WHERE id = ?');

        const trackIds: number[] = [];
        let detectionCount = 0;
        let cropCount = 0;
        let embeddingCount = 0;
        let fusedCount = 0;
        for (const t of plan.tracks) {
          const trackId = Number(
            insTrack.run({
              source_id: id, run_id: plan.runId, track_key: t.trackKey, first_frame_index: t.firstFrameIndex,
              last_frame_index: t.lastFrameIndex, first_pts_ms: t.firstPtsMs, last_pts_ms: t.lastPtsMs,
              detection_count: t.detections.length, crop_count: t.cropCount, embedding_count: t.embeddingCount,
              best_quality: t.bestQuality, status: t.status, reject_reason: t.rejectReason, now,
            }).lastInsertRowid,
          );
          trackIds.push(trackId);
          const embeddingIdsByModel = new Map<string, number[]>();
          let lr0DetectionId = 0;
          t.detections.forEach((dp, i) => {
            const d = dp.detection;
            const detectionId = Number(
              insDet.run({
                track_id: trackId, frame_index: d.frameIndex, pts_ms: d.ptsMs,
                x: d.bboxXYWH[0], y: d.bboxXYWH[1], w: d.bboxXYWH[2], h: d.bboxXYWH[3], score: d.score,
                landmarks_json: dp.landmarksJson, yaw_deg: d.yawDeg, pitch_deg: d.pitchDeg, roll_deg: d.rollDeg,
                quality: d.quality, sharpness: d.sharpness, frontalness: d.frontalness,
              }).lastInsertRowid,
            );
            if (i === t.lr0Index) lr0DetectionId = detectionId;
            const cropIds = new Map<string, number>();
            for (const c of dp.crops) {
              cropIds.set(c.kind, Number(insCrop.run(detectionId, c.kind, c.widthPx, c.heightPx, c.format, c.image).lastInsertRowid));
            }
            for (const e of dp.embeddings) {
              const cropId = e.cropKind === null ? null : (cropIds.get(e.cropKind) ?? null);
              const embId = Number(insEmb.run(detectionId, cropId, e.modelId, e.vector.length, float32ToBlob(e.vector)).lastInsertRowid);
              const list = embeddingIdsByModel.get(e.modelId) ?? [];
              list.push(embId);
              embeddingIdsByModel.set(e.modelId, list);
            }
            detectionCount += 1;
            cropCount += dp.crops.length;
            embeddingCount += dp.embeddings.length;
          });
          setLr0.run(lr0DetectionId, trackId);
          for (const f of t.fused) {
            const ids = embeddingIdsByModel.get(f.modelId) ?? [];
            const toIds = (positions: readonly number[]): number[] => positions.map((p) => ids[p] as number);
            insFused.run(
              trackId, f.modelId, f.method, f.vector.length, float32ToBlob(f.vector),
              JSON.stringify(toIds(f.memberPositions)), JSON.stringify(toIds(f.rejectedPositions)),
            );
            fusedCount += 1;
          }
        }
        if (markDone) this.setSourceDone(where, id);
        return Object.freeze({ trackIds: Object.freeze(trackIds), deletedTrackCount, detectionCount, cropCount, embeddingCount, fusedCount });
      }),
    );
  }

  // ---------- tracks ----------

  listTracks(query?: ListTracksQuery): Page<TrackListItem> {
    const where = 'listTracks';
    const a: ArgCheck = new ArgCheck(where);
    const q = a.optionalObject('query', query, LIST_TRACKS_KEYS);
    const params: Record<string, unknown> = {
      afterId: q.afterId === undefined ? 0 : a.int('query.afterId', q.afterId, 0),
      limit: this.pageSize(a, 'query.limit', q.limit) + 1,
    };
    const conds = ['t.id > @afterId'];
    if (q.sourceId !== undefined) {
      params.sourceId = a.id('query.sourceId', q.sourceId);
      conds.push('t.source_id = @sourceId');
    }
    if (q.camera !== undefined) {
      params.camera = a.string('query.camera', q.camera, 256);
      conds.push('s.camera = @camera');
    }
    if (q.status !== undefined) {
      params.status = a.oneOf('query.status', q.status, TRACK_STATUSES);
      conds.push('t.status = @status');
    }
    if (q.fromMs !== undefined) {
      params.fromMs = a.number('query.fromMs', q.fromMs);
      conds.push('s.recorded_at_ms + t.last_pts_ms >= @fromMs');
    }
    if (q.toMs !== undefined) {
      params.toMs = a.number('query.toMs', q.toMs);
      if (params.fromMs !== undefined && (params.toMs as number) < (params.fromMs as number)) {
        a.fail('query.toMs', `>= query.fromMs (${String(params.fromMs)})`, params.toMs);
      }
      conds.push('s.recorded_at_ms + t.first_pts_ms <= @toMs');
    }
    const limit = (params.limit as number) - 1;
    return this.guard(where, () => {
      const sql = `${TRACK_LIST_SELECT} WHERE ${conds.join(' AND ')} ORDER BY t.id LIMIT @limit`;
      let stmt = this.listTrackStatements.get(sql);
      if (stmt === undefined) {
        stmt = this.db.prepare<[Record<string, unknown>], TrackListRaw>(sql);
        this.listTrackStatements.set(sql, stmt);
      }
      return page(stmt.all(params).map(toTrackListItem), limit);
    });
  }

  getTrack(trackId: number): TrackDetail {
    const where = 'getTrack';
    const id = new ArgCheck(where).id('trackId', trackId);
    return this.guard(where, () =>
      // One read transaction: a consistent snapshot even while another connection writes.
      this.db.transaction(() => {
        const raw = this.db.prepare<[number], TrackListRaw>(`${TRACK_LIST_SELECT} WHERE t.id = ?`).get(id);
        if (raw === undefined) throw new StoreError(`${where}: no track with id ${id}`, { method: where, trackId: id });
        const detections = this.db
          .prepare<[number], DetectionRaw>('SELECT * FROM detections WHERE track_id = ? ORDER BY frame_index')
          .all(id)
          .map(toDetectionRow);
        const crops = this.db
          .prepare<[number], CropRaw>(
            'SELECT c.* FROM crops c JOIN detections d ON d.id = c.detection_id WHERE d.track_id = ? ORDER BY d.frame_index, c.id',
          )
          .all(id)
          .map(toCropRow);
        const embeddings = this.db
          .prepare<[number], EmbeddingRaw>(
            'SELECT e.* FROM embeddings e JOIN detections d ON d.id = e.detection_id WHERE d.track_id = ? ORDER BY d.frame_index, e.id',
          )
          .all(id)
          .map(toEmbeddingRow);
        const fused = this.db.prepare<[number], FusedRaw>('SELECT * FROM fused_identities WHERE track_id = ? ORDER BY id').all(id).map(toFusedRow);
        const srOutputs = this.db.prepare<[number], SrOutputRaw>('SELECT * FROM sr_outputs WHERE track_id = ? ORDER BY id').all(id).map(toSrOutputRow);
        return Object.freeze({
          track: toTrackListItem(raw),
          detections: Object.freeze(detections),
          crops: Object.freeze(crops),
          embeddings: Object.freeze(embeddings),
          fused: Object.freeze(fused),
          srOutputs: Object.freeze(srOutputs),
        });
      }).deferred(),
    );
  }

  getTrackItem(trackId: number): TrackListItem {
    const where = 'getTrackItem';
    const id = new ArgCheck(where).id('trackId', trackId);
    return this.guard(where, () => {
      const raw = this.db.prepare<[number], TrackListRaw>(`${TRACK_LIST_SELECT} WHERE t.id = ?`).get(id);
      if (raw === undefined) throw new StoreError(`${where}: no track with id ${id}`, { method: where, trackId: id });
      return toTrackListItem(raw);
    });
  }

  getCrop(cropId: number): CropRow {
    const where = 'getCrop';
    const id = new ArgCheck(where).id('cropId', cropId);
    return this.guard(where, () => {
      const raw = this.db.prepare<[number], CropRaw>('SELECT * FROM crops WHERE id = ?').get(id);
      if (raw === undefined) throw new StoreError(`${where}: no crop with id ${id}`, { method: where, cropId: id });
      return toCropRow(raw);
    });
  }

  listDetectionCrops(detectionId: number): readonly CropRow[] {
    const where = 'listDetectionCrops';
    const id = new ArgCheck(where).id('detectionId', detectionId);
    return this.guard(where, () => {
      const found = this.db.prepare<[number], { id: number }>('SELECT id FROM detections WHERE id = ?').get(id);
      if (found === undefined) throw new StoreError(`${where}: no detection with id ${id}`, { method: where, detectionId: id });
      return Object.freeze(this.db.prepare<[number], CropRaw>('SELECT * FROM crops WHERE detection_id = ? ORDER BY id').all(id).map(toCropRow));
    });
  }

  findSimilarTracks(vector: Float32Array, query: FindSimilarQuery): readonly SimilarTrack[] {
    const where = 'findSimilarTracks';
    const a: ArgCheck = new ArgCheck(where);
    const v = a.vector('vector', vector);
    const q = a.object('query', query, SIMILAR_KEYS);
    const modelId = a.string('query.modelId', q.modelId, 256);
    const limit = q.limit === undefined ? 10 : a.int('query.limit', q.limit, 1, MAX_PAGE);
    const minCosine = q.minCosine === undefined ? -1 : a.number('query.minCosine', q.minCosine, -1, 1);
    const camera = q.camera === undefined ? null : a.string('query.camera', q.camera, 256);
    const exclude = q.excludeTrackId === undefined ? 0 : a.id('query.excludeTrackId', q.excludeTrackId);
    let qq = 0;
    for (let i = 0; i < v.length; i++) qq += (v[i] as number) * (v[i] as number);
    if (qq === 0) a.fail('vector', 'a vector with a non-zero norm', v);
    const qNorm = Math.sqrt(qq);
    return this.guard(where, () => {
      const best: SimilarTrack[] = [];
      const consider = (trackId: number, fusedIdentityId: number, dot: number, nn: number): void => {
        if (nn === 0) return;
        // Clamp: rounding can land just outside [-1, 1] for (anti)parallel vectors.
        const cosine = Math.min(1, Math.max(-1, dot / (qNorm * Math.sqrt(nn))));
        if (cosine < minCosine) return;
        if (best.length === limit && cosine <= (best[best.length - 1] as SimilarTrack).cosine) return;
        let at = best.length;
        while (at > 0 && (best[at - 1] as SimilarTrack).cosine < cosine) at--;
        best.splice(at, 0, Object.freeze({ trackId, fusedIdentityId, cosine }));
        if (best.length > limit) best.pop();
      };
      const cached = camera === null ? this.fusedMatrix(modelId, v.length) : null;
      if (cached !== null) {
        // The same arithmetic as the SQL scan below, over the in-memory copy.
        const dim = v.length;
        for (let r = 0; r < cached.fusedIds.length; r++) {
          const trackId = cached.trackIds[r] as number;
          if (trackId === exclude) continue;
          const off = r * dim;
          let dot = 0;
          let nn = 0;
          for (let i = 0; i < dim; i++) {
            const xi = cached.vectors[off + i] as number;
            dot += xi * (v[i] as number);
            nn += xi * xi;
          }
          consider(trackId, cached.fusedIds[r] as number, dot, nn);
        }
        return Object.freeze(best);
      }
      const sql = `SELECT f.id, f.track_id, f.vector FROM fused_identities f
        ${camera === null ? '' : 'JOIN tracks t ON t.id = f.track_id JOIN sources s ON s.id = t.source_id'}
        WHERE f.model_id = @modelId AND f.dim = @dim AND f.track_id <> @exclude ${camera === null ? '' : 'AND s.camera = @camera'}`;
      const stmt = this.db.prepare<[Record<string, unknown>], { id: number; track_id: number; vector: Buffer }>(sql);
      // One aligned scratch vector reused for every row: the blob's bytes are copied in (they may
      // sit at any offset) and read as float32 (the stored layout is little-endian, as is the host;
      // see vector-blob.ts).
      const scratch = new Float32Array(v.length);
      const scratchBytes = new Uint8Array(scratch.buffer);
      for (const r of stmt.iterate({ modelId, dim: v.length, exclude, camera })) {
        const x = HOST_IS_LE ? (scratchBytes.set(r.vector), scratch) : blobToFloat32(r.vector);
        let dot = 0;
        let nn = 0;
        for (let i = 0; i < v.length; i++) {
          const xi = x[i] as number;
          dot += xi * (v[i] as number);
          nn += xi * xi;
        }
        consider(r.track_id, r.id, dot, nn);
      }
      return Object.freeze(best);
    });
  }

  /**
   * The F_M of one embedder and dimension as one in-memory matrix (rows in id order), reloaded
   * when the set changes, or null when it would take more than FUSED_CACHE_MAX_BYTES (then the
   * caller scans SQLite). The set is identified by (count, max id): F_M rows are never updated in
   * place and ids are never reused (AUTOINCREMENT), so any insert raises max(id) and a delete
   * alone lowers the count — also when another connection wrote them.
   */
  private fusedMatrix(modelId: string, dim: number): FusedMatrix | null {
    // One read transaction: the stamp and the rows come from the same snapshot.
    return this.db.transaction(() => this.loadFusedMatrix(modelId, dim)).deferred();
  }

  private loadFusedMatrix(modelId: string, dim: number): FusedMatrix | null {
    const key = `${dim}:${modelId}`;
    const stamp = this.db
      .prepare<[string, number], { n: number; m: number | null }>('SELECT count(*) AS n, max(id) AS m FROM fused_identities WHERE model_id = ? AND dim = ?')
      .get(modelId, dim);
    const n = stamp?.n ?? 0;
    const maxId = stamp?.m ?? 0;
    const have = this.fusedCache.get(key);
    if (have !== undefined && have.count === n && have.maxId === maxId) return have;
    this.fusedCache.delete(key);
    if (n * dim * 4 > FUSED_CACHE_MAX_BYTES) return null;
    const fusedIds = new Float64Array(n);
    const trackIds = new Float64Array(n);
    const vectors = new Float32Array(n * dim);
    const bytes = new Uint8Array(vectors.buffer);
    let r = 0;
    const rows = this.db
      .prepare<[string, number], { id: number; track_id: number; vector: Buffer }>('SELECT id, track_id, vector FROM fused_identities WHERE model_id = ? AND dim = ? ORDER BY id')
      .iterate(modelId, dim);
    for (const row of rows) {
      fusedIds[r] = row.id;
      trackIds[r] = row.track_id;
      if (HOST_IS_LE) bytes.set(row.vector, r * dim * 4);
      else vectors.set(blobToFloat32(row.vector), r * dim);
      r++;
    }
    if (r !== n) throw new StoreError(`findSimilarTracks: read ${r} F_M rows where the same snapshot counted ${n}`);
    const matrix: FusedMatrix = { count: n, maxId, fusedIds, trackIds, vectors };
    this.fusedCache.set(key, matrix);
    return matrix;
  }

  // ---------- SR outputs ----------

  insertSrOutput(input: SrOutputInput): InsertSrOutputResult {
    const where = 'insertSrOutput';
    const a: ArgCheck = new ArgCheck(where);
    const o = a.object('input', input, SR_KEYS);
    const trackId = a.id('input.trackId', o.trackId);
    const runId = o.runId === undefined || o.runId === null ? null : a.id('input.runId', o.runId);
    const widthPx = a.int('input.widthPx', o.widthPx, 1, MAX_IMAGE_SIDE_PX);
    const heightPx = a.int('input.heightPx', o.heightPx, 1, MAX_IMAGE_SIDE_PX);
    const png = a.bytes('input.png', o.png);
    const size = pngSizePx(png);
    if (size === null) a.fail('input.png', 'a PNG file', png);
    if (size.widthPx !== widthPx || size.heightPx !== heightPx) {
      a.fail('input.png', `a ${widthPx}x${heightPx} PNG (input.widthPx x input.heightPx)`, `${size.widthPx}x${size.heightPx} PNG`);
    }
    const timings = a.record('input.timingsMs', o.timingsMs);
    for (const [k, t] of Object.entries(timings)) a.number(`input.timingsMs.${k}`, t, 0);
    const row = {
      track_id: trackId,
      run_id: runId,
      model_id: a.string('input.modelId', o.modelId, 256),
      model_sha256: a.sha256('input.modelSha256', o.modelSha256),
      sampler: a.string('input.sampler', o.sampler, 256),
      steps: a.int('input.steps', o.steps, 1, 1_000_000),
      nfe: a.int('input.networkEvaluations', o.networkEvaluations, 1, 10_000_000),
      seed: a.int('input.seed', o.seed, 0),
      conditioning: o.conditioning === undefined ? 'fm' : a.string('input.conditioning', o.conditioning, 64),
      engine: a.string('input.engine', o.engine, 64),
      backend: a.string('input.backend', o.backend, 64),
      image: png,
      width_px: widthPx,
      height_px: heightPx,
      timings_json: a.json('input.timingsMs', timings),
    };
    return this.guard(where, () =>
      this.write(() => {
        this.requireTrack(where, trackId);
        this.requireRun(where, runId);
        const inserted = this.db
          .prepare<[Record<string, unknown>], { id: number }>(
            `INSERT INTO sr_outputs (track_id, run_id, model_id, model_sha256, sampler, steps, nfe, seed, conditioning, engine, backend,
               image, width_px, height_px, timings_json, created_at_ms)
             VALUES (@track_id, @run_id, @model_id, @model_sha256, @sampler, @steps, @nfe, @seed, @conditioning, @engine, @backend,
               @image, @width_px, @height_px, @timings_json, @now)
             ON CONFLICT (track_id, model_sha256, sampler, steps, seed, conditioning, engine, backend) DO NOTHING
             RETURNING id`,
          )
          .get({ ...row, now: this.clock() });
        if (inserted !== undefined) return Object.freeze({ id: inserted.id, inserted: true });
        const existing = this.db
          .prepare<[Record<string, unknown>], { id: number }>(
            'SELECT id FROM sr_outputs WHERE track_id = @track_id AND model_sha256 = @model_sha256 AND sampler = @sampler AND steps = @steps AND seed = @seed AND conditioning = @conditioning AND engine = @engine AND backend = @backend',
          )
          .get(row);
        if (existing === undefined) throw new StoreError(`${where}: insert was skipped but no conflicting row was found`);
        return Object.freeze({ id: existing.id, inserted: false });
      }),
    );
  }

  getSrOutput(srOutputId: number): SrOutputRow {
    const where = 'getSrOutput';
    const id = new ArgCheck(where).id('srOutputId', srOutputId);
    return this.guard(where, () => {
      const row = this.db.prepare<[number], SrOutputRaw>('SELECT * FROM sr_outputs WHERE id = ?').get(id);
      if (row === undefined) throw new StoreError(`${where}: no SR output with id ${id}`, { method: where, srOutputId: id });
      return toSrOutputRow(row);
    });
  }

  listSrOutputs(trackId: number): readonly SrOutputRow[] {
    const where = 'listSrOutputs';
    const id = new ArgCheck(where).id('trackId', trackId);
    return this.guard(where, () => {
      this.requireTrack(where, id);
      return Object.freeze(this.db.prepare<[number], SrOutputRaw>('SELECT * FROM sr_outputs WHERE track_id = ? ORDER BY id').all(id).map(toSrOutputRow));
    });
  }

  // ---------- runs ----------

  startRun(input: StartRunInput): RunRow {
    const where = 'startRun';
    const a: ArgCheck = new ArgCheck(where);
    const o = a.object('input', input, START_RUN_KEYS);
    const command = a.string('input.command', o.command, 16384);
    const config = a.json('input.config', o.config);
    const versions = a.record('input.versions', o.versions);
    for (const [k, v] of Object.entries(versions)) a.string(`input.versions.${k}`, v, 1024);
    const versionsJson = a.json('input.versions', versions);
    return this.guard(where, () => {
      const id = this.db
        .prepare("INSERT INTO runs (command, config_json, versions_json, status, started_at_ms) VALUES (?, ?, ?, 'running', ?)")
        .run(command, config, versionsJson, this.clock()).lastInsertRowid;
      return this.runRow(where, Number(id));
    });
  }

  private runRow(where: string, id: number): RunRow {
    const row = this.db.prepare<[number], RunRaw>('SELECT * FROM runs WHERE id = ?').get(id);
    if (row === undefined) throw new StoreError(`${where}: no run with id ${id}`, { method: where, runId: id });
    return toRunRow(row);
  }

  finishRun(runId: number, input: FinishRunInput): RunRow {
    const where = 'finishRun';
    const a: ArgCheck = new ArgCheck(where);
    const id = a.id('runId', runId);
    const o = a.object('input', input, FINISH_RUN_KEYS);
    const status = a.oneOf('input.status', o.status, ['done', 'failed'] as const);
    let error: string | null = null;
    if (status === 'failed') error = a.string('input.error', o.error, 16384);
    else if (o.error !== undefined && o.error !== null) a.fail('input.error', "null or absent when status is 'done'", o.error);
    return this.guard(where, () =>
      this.write(() => {
        const old = this.runRow(where, id);
        if (old.status !== 'running') {
          throw new StoreError(`${where}: run ${id} is '${old.status}', expected 'running'`, { method: where, runId: id });
        }
        this.db.prepare('UPDATE runs SET status = ?, error = ?, finished_at_ms = ? WHERE id = ?').run(status, error, this.clock(), id);
        return this.runRow(where, id);
      }),
    );
  }

  getRun(runId: number): RunRow {
    const id = new ArgCheck('getRun').id('runId', runId);
    return this.guard('getRun', () => this.runRow('getRun', id));
  }

  // ---------- jobs ----------

  private jobRaw(where: string, id: number): JobRaw {
    const row = this.db.prepare<[number], JobRaw>('SELECT * FROM jobs WHERE id = ?').get(id);
    if (row === undefined) throw new StoreError(`${where}: no job with id ${id}`, { method: where, jobId: id });
    return row;
  }

  listRuns(query?: ListRunsQuery): Page<RunRow> {
    const where = 'listRuns';
    const a: ArgCheck = new ArgCheck(where);
    const q = a.optionalObject('query', query, LIST_RUNS_KEYS);
    const status = q.status === undefined ? null : a.oneOf('query.status', q.status, RUN_STATUSES);
    const afterId = q.afterId === undefined ? 0 : a.int('query.afterId', q.afterId, 0);
    const limit = this.pageSize(a, 'query.limit', q.limit);
    return this.guard(where, () => {
      const conds = ['id > @afterId'];
      if (status !== null) conds.push('status = @status');
      const rows = this.db
        .prepare<[Record<string, unknown>], RunRaw>(`SELECT * FROM runs WHERE ${conds.join(' AND ')} ORDER BY id LIMIT @limit`)
        .all({ afterId, status, limit: limit + 1 });
      return page(rows.map(toRunRow), limit);
    });
  }

  listJobs(query?: ListJobsQuery): Page<JobRow> {
    const where = 'listJobs';
    const a: ArgCheck = new ArgCheck(where);
    const q = a.optionalObject('query', query, LIST_JOBS_KEYS);
    const status = q.status === undefined ? null : a.oneOf('query.status', q.status, JOB_STATUSES);
    const kind = q.kind === undefined ? null : a.string('query.kind', q.kind, 256);
    const afterId = q.afterId === undefined ? 0 : a.int('query.afterId', q.afterId, 0);
    const limit = this.pageSize(a, 'query.limit', q.limit);
    return this.guard(where, () => {
      const conds = ['id > @afterId'];
      if (status !== null) conds.push('status = @status');
      if (kind !== null) conds.push('kind = @kind');
      const rows = this.db
        .prepare<[Record<string, unknown>], JobRaw>(`SELECT * FROM jobs WHERE ${conds.join(' AND ')} ORDER BY id LIMIT @limit`)
        .all({ afterId, status, kind, limit: limit + 1 });
      return page(rows.map(toJobRow), limit);
    });
  }

  countJobsByStatus(): Readonly<Record<JobStatus, number>> {
    return this.guard('countJobsByStatus', () => {
      const counts: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, failed: 0 };
      for (const r of this.db.prepare<[], { status: JobStatus; n: number }>('SELECT status, count(*) AS n FROM jobs GROUP BY status').all()) {
        counts[r.status] = r.n;
      }
      return Object.freeze(counts);
    });
  }

  enqueueJob(input: EnqueueJobInput): EnqueueJobResult {
    const where = 'enqueueJob';
    const a: ArgCheck = new ArgCheck(where);
    const o = a.object('input', input, ENQUEUE_KEYS);
    const kind = a.string('input.kind', o.kind, 64);
    const key = a.string('input.idempotencyKey', o.idempotencyKey, 1024);
    const payload = a.json('input.payload', o.payload);
    const maxAttempts = o.maxAttempts === undefined ? 3 : a.int('input.maxAttempts', o.maxAttempts, 1, 100);
    return this.guard(where, () =>
      this.write(() => {
        const old = this.db.prepare<[string], JobRaw>('SELECT * FROM jobs WHERE idempotency_key = ?').get(key);
        if (old !== undefined) {
          if (old.kind !== kind || old.payload_json !== payload) {
            throw new StoreError(
              `${where}: idempotency key ${JSON.stringify(key)} already names job ${old.id} of kind '${old.kind}' with a different ${old.kind !== kind ? 'kind' : 'payload'}`,
              { method: where, jobId: old.id },
            );
          }
          return Object.freeze({ job: toJobRow(old), created: false });
        }
        const now = this.clock();
        const id = this.db
          .prepare(
            `INSERT INTO jobs (kind, idempotency_key, status, max_attempts, payload_json, created_at_ms, updated_at_ms)
             VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
          )
          .run(kind, key, maxAttempts, payload, now, now).lastInsertRowid;
        return Object.freeze({ job: toJobRow(this.jobRaw(where, Number(id))), created: true });
      }),
    );
  }

  claimJob(input: ClaimJobInput): JobRow | null {
    const where = 'claimJob';
    const a: ArgCheck = new ArgCheck(where);
    const o = a.object('input', input, CLAIM_KEYS);
    const kindsIn = a.array('input.kinds', o.kinds);
    if (kindsIn.length === 0) a.fail('input.kinds', 'a non-empty array of job kinds', kindsIn);
    const kinds = kindsIn.map((k, i) => a.string(`input.kinds[${i}]`, k, 64));
    const workerId = a.string('input.workerId', o.workerId, 256);
    const leaseMs = a.int('input.leaseMs', o.leaseMs, 1, 86_400_000);
    return this.guard(where, () =>
      this.write(() => {
        const now = this.clock();
        const kindsJson = JSON.stringify(kinds);
        // A job whose worker vanished with its last attempt used up fails for good.
        this.db
          .prepare(
            `UPDATE jobs SET status = 'failed', error = 'lease expired on the last attempt (worker ' || worker_id || ')',
               lease_expires_at_ms = NULL, finished_at_ms = @now, updated_at_ms = @now
             WHERE status = 'running' AND lease_expires_at_ms <= @now AND attempts >= max_attempts
               AND kind IN (SELECT value FROM json_each(@kinds))`,
          )
          .run({ now, kinds: kindsJson });
        const row = this.db
          .prepare<[Record<string, unknown>], JobRaw>(
            `UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = @workerId,
               lease_expires_at_ms = @now + @leaseMs, started_at_ms = @now, updated_at_ms = @now
             WHERE id = (
               SELECT id FROM jobs
               WHERE kind IN (SELECT value FROM json_each(@kinds))
                 AND (status = 'queued' OR (status = 'running' AND lease_expires_at_ms <= @now))
               ORDER BY id LIMIT 1)
             RETURNING *`,
          )
          .get({ now, kinds: kindsJson, workerId, leaseMs });
        return row === undefined ? null : toJobRow(row);
      }),
    );
  }

  private heldJob(where: string, jobId: number, workerId: string): JobRaw {
    const job = this.jobRaw(where, jobId);
    if (job.status !== 'running' || job.worker_id !== workerId) {
      throw new StoreError(
        `${where}: job ${jobId} is not held by worker ${JSON.stringify(workerId)} (status '${job.status}', worker ${JSON.stringify(job.worker_id)})`,
        { method: where, jobId, status: job.status, workerId: job.worker_id },
      );
    }
    return job;
  }

  completeJob(jobId: number, workerId: string, result: JsonValue): JobRow {
    const where = 'completeJob';
    const a: ArgCheck = new ArgCheck(where);
    const id = a.id('jobId', jobId);
    const worker = a.string('workerId', workerId, 256);
    const resultJson = a.json('result', result);
    return this.guard(where, () =>
      this.write(() => {
        this.heldJob(where, id, worker);
        const now = this.clock();
        this.db
          .prepare(
            `UPDATE jobs SET status = 'done', result_json = ?, error = NULL, lease_expires_at_ms = NULL,
               finished_at_ms = ?, updated_at_ms = ? WHERE id = ?`,
          )
          .run(resultJson, now, now, id);
        return toJobRow(this.jobRaw(where, id));
      }),
    );
  }

  failJob(jobId: number, workerId: string, reason: string, opts?: FailJobOptions): JobRow {
    const where = 'failJob';
    const a: ArgCheck = new ArgCheck(where);
    const id = a.id('jobId', jobId);
    const worker = a.string('workerId', workerId, 256);
    const why = a.string('reason', reason, 16384);
    const o = a.optionalObject('opts', opts, FAIL_JOB_KEYS);
    const retry = o.retry === undefined ? true : o.retry;
    if (typeof retry !== 'boolean') a.fail('opts.retry', 'a boolean', retry);
    return this.guard(where, () =>
      this.write(() => {
        const job = this.heldJob(where, id, worker);
        const now = this.clock();
        const requeue = retry && job.attempts < job.max_attempts;
        this.db
          .prepare(
            `UPDATE jobs SET status = @status, error = @error, lease_expires_at_ms = NULL,
               worker_id = CASE WHEN @requeue THEN NULL ELSE worker_id END,
               finished_at_ms = CASE WHEN @requeue THEN NULL ELSE @now END, updated_at_ms = @now WHERE id = @id`,
          )
          .run({ status: requeue ? 'queued' : 'failed', error: why, requeue: requeue ? 1 : 0, now, id });
        return toJobRow(this.jobRaw(where, id));
      }),
    );
  }

  getJob(jobId: number): JobRow {
    const id = new ArgCheck('getJob').id('jobId', jobId);
    return this.guard('getJob', () => toJobRow(this.jobRaw('getJob', id)));
  }

  findJobByKey(idempotencyKey: string): JobRow | undefined {
    const key = new ArgCheck('findJobByKey').string('idempotencyKey', idempotencyKey, 1024);
    return this.guard('findJobByKey', () => {
      const row = this.db.prepare<[string], JobRaw>('SELECT * FROM jobs WHERE idempotency_key = ?').get(key);
      return row === undefined ? undefined : toJobRow(row);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listTrackStatements.clear();
    this.fusedCache.clear();
    this.db.close();
  }
}

/**
 * better-sqlite3's errors, recognised by shape: `instanceof Database.SqliteError` fails when the
 * package's JS was loaded twice in one process (one jest module registry per test file) because
 * the native addon keeps the first copy's error class.
 */
/** Why the store cannot be written, for the SQLite codes that mean so; null for other codes. */
function unwritableReason(code: string): string | null {
  if (code === 'SQLITE_FULL') return 'the disk is full';
  if (code.startsWith('SQLITE_READONLY')) return 'the store is read-only (read-only file system or no write permission)';
  if (code.startsWith('SQLITE_IOERR')) return 'an I/O error (disk full, removed or failing)';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot open its journal files';
  return null;
}

function isSqliteError(err: unknown): err is Error & { code: string } {
  // Not `instanceof Error` either: under jest the first copy's Error is another realm's.
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  return e.name === 'SqliteError' && typeof e.code === 'string' && typeof e.message === 'string';
}

/** Cuts a `limit + 1` row fetch into a page: the extra row only says that another page exists. */
function page<T extends { readonly id: number }>(rows: readonly T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return Object.freeze({ items: Object.freeze(items), nextAfterId: rows.length > limit && last !== undefined ? last.id : null });
}
