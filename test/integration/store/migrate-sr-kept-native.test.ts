/**
 * Schema v2 (sr-outputs-kept-native) on a real SQLite file written by the v1 schema: the file opens
 * and migrates, its SR outputs survive as 'synthesized' with their ids, ids are still never reused,
 * and the new table takes kept-native outputs (steps and NFE 0, with a reason) and refuses the
 * inconsistent ones, in insertSrOutput's checks and in the table's own CHECKs.
 */
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, openStore } from '../../../src/store';
import { applyMigrations } from '../../../src/store/migrations';
import { makePng, makeTempDir } from './store-fixtures';

const SHA = 'a'.repeat(64);

/** A v1 store file with one source, one track and two SR outputs, of which the second was deleted. */
function writeV1File(file: string): { trackId: number; keptOutputId: number; png: Uint8Array } {
  const raw = new Database(file);
  const v1 = MIGRATIONS.filter((m) => m.version === 1);
  expect(applyMigrations(raw, v1).toVersion).toBe(1);
  const now = 1_700_000_000_000;
  const sourceId = Number(raw.prepare('INSERT INTO sources (path, size_bytes, mtime_ms, created_at_ms, updated_at_ms) VALUES (?, 1, 1, ?, ?)').run('/v/a.mp4', now, now).lastInsertRowid);
  const trackId = Number(
    raw
      .prepare(
        `INSERT INTO tracks (source_id, track_key, first_frame_index, last_frame_index, first_pts_ms, last_pts_ms, detection_count, crop_count, embedding_count, best_quality, status, created_at_ms)
         VALUES (?, 1, 0, 4, 0, 800, 5, 0, 0, 0.9, 'ok', ?)`,
      )
      .run(sourceId, now).lastInsertRowid,
  );
  const png = makePng(16, 16, 3);
  const insert = raw.prepare(
    `INSERT INTO sr_outputs (track_id, model_id, model_sha256, sampler, steps, nfe, seed, conditioning, engine, backend, image, width_px, height_px, timings_json, created_at_ms)
     VALUES (?, 'm', ?, ?, 10, 20, 0, 'fm', 'tfjs', 'cpu', ?, 16, 16, '{"totalMs":5}', ?)`,
  );
  const keptOutputId = Number(insert.run(trackId, SHA, 'heun', png, now).lastInsertRowid);
  const gone = Number(insert.run(trackId, SHA, 'euler', png, now).lastInsertRowid);
  raw.prepare('DELETE FROM sr_outputs WHERE id = ?').run(gone);
  raw.close();
  return { trackId, keptOutputId, png };
}

describe('schema v2: sr_outputs can record a kept-native output', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('opens and migrates a v1 file: old outputs are synthesized with their ids; ids are never reused', () => {
    const file = path.join(tmp.dir, 'v1.sqlite');
    const { trackId, keptOutputId, png } = writeV1File(file);
    const store = openStore(file);
    try {
      expect(store.info().schemaVersion).toBe(SCHEMA_VERSION);
      const [old, ...rest] = store.listSrOutputs(trackId);
      expect(rest).toEqual([]);
      expect(old).toMatchObject({ id: keptOutputId, method: 'synthesized', keptNative: null, sampler: 'heun', steps: 10, networkEvaluations: 20, timingsMs: { totalMs: 5 } });
      expect(Buffer.from(old?.png ?? []).equals(Buffer.from(png))).toBe(true);
      // The deleted row's id (keptOutputId + 1) is not handed out again.
      const kept = store.insertSrOutput({
        trackId,
        method: 'kept-native',
        keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: 161 },
        modelId: 'm',
        modelSha256: SHA,
        sampler: 'heun',
        steps: 0,
        networkEvaluations: 0,
        seed: 0,
        conditioning: 'fm',
        engine: 'tfjs',
        backend: 'none',
        png: makePng(161, 161, 1),
        widthPx: 161,
        heightPx: 161,
        timingsMs: { encodeMs: 1 },
      });
      expect(kept).toEqual({ id: keptOutputId + 2, inserted: true });
      expect(store.getSrOutput(kept.id)).toMatchObject({ method: 'kept-native', keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: 161 }, steps: 0, networkEvaluations: 0, widthPx: 161 });
      // The same request again: the unique key answers it (no duplicate).
      const { id: _id, createdAtMs: _at, runId: _run, ...same } = store.getSrOutput(kept.id);
      const again = store.insertSrOutput({ ...same, png: makePng(161, 161, 2) });
      expect(again).toEqual({ id: kept.id, inserted: false });
      expect(store.listSrOutputs(trackId).map((o) => o.method)).toEqual(['synthesized', 'kept-native']);
    } finally {
      store.close();
    }
    // Re-opening applies nothing more.
    const raw = new Database(file);
    expect(applyMigrations(raw).applied).toEqual([]);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
  });

  it('refuses inconsistent outputs: kept-native with steps or without a reason, synthesized with 0 steps or a reason', () => {
    const file = path.join(tmp.dir, 'v1.sqlite');
    const { trackId } = writeV1File(file);
    const store = openStore(file);
    const base = {
      trackId,
      modelId: 'm',
      modelSha256: SHA,
      sampler: 'heun',
      seed: 1,
      engine: 'tfjs',
      backend: 'cpu',
      png: makePng(16, 16),
      widthPx: 16,
      heightPx: 16,
      timingsMs: {},
    };
    const reason = { reason: 'native-crop-at-least-128px', nativeSidePx: 130 };
    try {
      expect(() => store.insertSrOutput({ ...base, method: 'kept-native', keptNative: reason, steps: 3, networkEvaluations: 0 })).toThrow(
        'insertSrOutput.input.steps: expected an integer in [0, 0], received 3',
      );
      expect(() => store.insertSrOutput({ ...base, method: 'kept-native', steps: 0, networkEvaluations: 0 })).toThrow(/^insertSrOutput\.input\.keptNative: expected an object/);
      expect(() => store.insertSrOutput({ ...base, steps: 0, networkEvaluations: 0 })).toThrow('insertSrOutput.input.steps: expected an integer in [1, 1000000], received 0');
      expect(() => store.insertSrOutput({ ...base, keptNative: reason, steps: 2, networkEvaluations: 2 })).toThrow(/^insertSrOutput\.input\.keptNative: expected null or absent for method 'synthesized'/);
      expect(() => store.insertSrOutput({ ...base, method: 'native' as never, steps: 2, networkEvaluations: 2 })).toThrow(
        'insertSrOutput.input.method: expected one of "synthesized", "kept-native", received "native"',
      );
    } finally {
      store.close();
    }
    // The table's own CHECKs hold for any writer.
    const raw = new Database(file);
    const sql = `INSERT INTO sr_outputs (track_id, method, kept_native_reason, native_side_px, model_id, model_sha256, sampler, steps, nfe, seed, engine, backend, image, width_px, height_px, timings_json, created_at_ms)
                 VALUES (?, ?, ?, ?, 'm', ?, 'heun', ?, ?, 0, 'tfjs', 'cpu', ?, 16, 16, '{}', 1)`;
    const png = makePng(16, 16);
    expect(() => raw.prepare(sql).run(trackId, 'kept-native', 'r', 130, SHA, 0, 4, png)).toThrow(/CHECK constraint failed/);
    expect(() => raw.prepare(sql).run(trackId, 'kept-native', null, 130, SHA, 0, 0, png)).toThrow(/CHECK constraint failed/);
    expect(() => raw.prepare(sql).run(trackId, 'synthesized', null, null, SHA, 0, 0, png)).toThrow(/CHECK constraint failed/);
    expect(raw.prepare(sql).run(trackId, 'kept-native', 'r', 130, SHA, 0, 0, png).changes).toBe(1);
    raw.close();
  });
});
