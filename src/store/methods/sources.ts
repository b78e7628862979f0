/** Store methods of the `sources` table: one video file each, and its lifecycle pending → running → done | failed. */
import { StoreError } from '../../contracts';
import { MAX_IMAGE_SIDE_PX } from '../image-bytes';
import { toSourceRow, type SourceRaw } from '../row-mappers';
import { SOURCE_STATUSES, type ListSourcesQuery, type Page, type SourceRow, type SourceStatus, type UpsertSourceInput } from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { countByStatus, pageCursor, readPage } from './list-page';
import { requireRun } from './runs';

const UPSERT_SOURCE_KEYS = ['path', 'sizeBytes', 'mtimeMs', 'sha256', 'camera', 'recordedAtMs', 'probe'] as const;
const PROBE_KEYS = ['probe', 'durationMs', 'codec', 'widthPx', 'heightPx', 'fps', 'rotationDeg'] as const;
const LIST_SOURCES_KEYS = ['status', 'camera', 'afterId', 'limit'] as const;
const MARK_RUNNING_KEYS = ['runId'] as const;

/** The raw row of source `id`. @throws StoreError "no source with id" when there is none. */
export function sourceRaw(core: StoreCore, where: string, id: number): SourceRaw {
  return core.rowById<SourceRaw>(where, 'SELECT * FROM sources WHERE id = ?', id, 'source', 'sourceId');
}

export function upsertSource(core: StoreCore, input: UpsertSourceInput): SourceRow {
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
  return core.guard(where, () =>
    core.write(() => {
      const now = core.clock();
      const old = core.db.prepare<[string], SourceRaw>('SELECT * FROM sources WHERE path = ?').get(path);
      const nullProbe = { probe_json: null, duration_ms: null, codec: null, width_px: null, height_px: null, fps: null, rotation_deg: null };
      if (old === undefined) {
        const id = core.db
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
        return toSourceRow(sourceRaw(core, where, Number(id)));
      }
      // The file changed: results are stale and a hash that was not re-supplied is stale too.
      const fileChanged = old.size_bytes !== sizeBytes || old.mtime_ms !== mtimeMs;
      const newSha = sha256 === undefined ? (fileChanged ? null : old.sha256) : sha256;
      const contentChanged = fileChanged || (newSha !== null && old.sha256 !== null && newSha !== old.sha256);
      core.db
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
      return toSourceRow(sourceRaw(core, where, old.id));
    }),
  );
}

export function getSource(core: StoreCore, sourceId: number): SourceRow {
  const id = new ArgCheck('getSource').id('sourceId', sourceId);
  return core.guard('getSource', () => toSourceRow(sourceRaw(core, 'getSource', id)));
}

export function findSourceByPath(core: StoreCore, path: string): SourceRow | undefined {
  const p = new ArgCheck('findSourceByPath').string('path', path);
  return core.guard('findSourceByPath', () => {
    const row = core.db.prepare<[string], SourceRaw>('SELECT * FROM sources WHERE path = ?').get(p);
    return row === undefined ? undefined : toSourceRow(row);
  });
}

export function findSourcesBySha256(core: StoreCore, sha256: string): readonly SourceRow[] {
  const h = new ArgCheck('findSourcesBySha256').sha256('sha256', sha256);
  return core.guard('findSourcesBySha256', () =>
    Object.freeze(core.db.prepare<[string], SourceRaw>('SELECT * FROM sources WHERE sha256 = ? ORDER BY id').all(h).map(toSourceRow)),
  );
}

export function listSources(core: StoreCore, query?: ListSourcesQuery): Page<SourceRow> {
  const where = 'listSources';
  const a: ArgCheck = new ArgCheck(where);
  const q = a.optionalObject('query', query, LIST_SOURCES_KEYS);
  const status = q.status === undefined ? undefined : a.oneOf('query.status', q.status, SOURCE_STATUSES);
  const camera = q.camera === undefined ? undefined : a.string('query.camera', q.camera, 256);
  const cursor = pageCursor(a, q);
  const filters = { status: ['status = @status', status], camera: ['camera = @camera', camera] } as const;
  return readPage(core, where, { select: 'SELECT * FROM sources', idColumn: 'id', filters }, cursor, toSourceRow);
}

export function countSourcesByStatus(core: StoreCore): Readonly<Record<SourceStatus, number>> {
  return countByStatus(core, 'countSourcesByStatus', 'sources', SOURCE_STATUSES);
}

export function markSourceRunning(core: StoreCore, sourceId: number, opts?: { readonly runId?: number | null }): SourceRow {
  const where = 'markSourceRunning';
  const a: ArgCheck = new ArgCheck(where);
  const id = a.id('sourceId', sourceId);
  const o = a.optionalObject('opts', opts, MARK_RUNNING_KEYS);
  const runId = o.runId === undefined || o.runId === null ? null : a.id('opts.runId', o.runId);
  return core.guard(where, () =>
    core.write(() => {
      sourceRaw(core, where, id);
      requireRun(core, where, runId);
      const now = core.clock();
      core.db
        .prepare(
          `UPDATE sources SET status = 'running', error = NULL, attempts = attempts + 1,
             last_run_id = coalesce(@runId, last_run_id), started_at_ms = @now, finished_at_ms = NULL, updated_at_ms = @now
           WHERE id = @id`,
        )
        .run({ id, runId, now });
      return toSourceRow(sourceRaw(core, where, id));
    }),
  );
}

export function markSourceDone(core: StoreCore, sourceId: number): SourceRow {
  const where = 'markSourceDone';
  const id = new ArgCheck(where).id('sourceId', sourceId);
  return core.guard(where, () => core.write(() => setSourceDone(core, where, id)));
}

/** running → done, inside the caller's write transaction. */
export function setSourceDone(core: StoreCore, where: string, id: number): SourceRow {
  const old = sourceRaw(core, where, id);
  if (old.status !== 'running') {
    throw new StoreError(`${where}: source ${id} is '${old.status}', expected 'running' (call markSourceRunning first)`, {
      method: where,
      sourceId: id,
      status: old.status,
    });
  }
  const now = core.clock();
  core.db.prepare("UPDATE sources SET status = 'done', error = NULL, finished_at_ms = ?, updated_at_ms = ? WHERE id = ?").run(now, now, id);
  return toSourceRow(sourceRaw(core, where, id));
}

export function markSourceFailed(core: StoreCore, sourceId: number, reason: string): SourceRow {
  const where = 'markSourceFailed';
  const a: ArgCheck = new ArgCheck(where);
  const id = a.id('sourceId', sourceId);
  const why = a.string('reason', reason, 16384);
  return core.guard(where, () =>
    core.write(() => {
      const old = sourceRaw(core, where, id);
      if (old.status !== 'running' && old.status !== 'pending') {
        throw new StoreError(`${where}: source ${id} is '${old.status}', expected 'pending' or 'running'`, {
          method: where,
          sourceId: id,
          status: old.status,
        });
      }
      const now = core.clock();
      core.db.prepare("UPDATE sources SET status = 'failed', error = ?, finished_at_ms = ?, updated_at_ms = ? WHERE id = ?").run(why, now, now, id);
      return toSourceRow(sourceRaw(core, where, id));
    }),
  );
}

export function deleteSource(core: StoreCore, sourceId: number): void {
  const where = 'deleteSource';
  const id = new ArgCheck(where).id('sourceId', sourceId);
  core.guard(where, () =>
    core.write(() => {
      sourceRaw(core, where, id);
      core.db.prepare('DELETE FROM sources WHERE id = ?').run(id);
    }),
  );
}
