import * as path from 'node:path';
import { StoreError } from '../../../src/contracts';
import { openStore, type Store } from '../../../src/store';
import { fakeClock, makeTempDir } from './store-fixtures';

const SHA_A = 'a'.repeat(64);
const SHA_B = '0123456789abcdef'.repeat(4);

describe('sources', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  beforeEach(() => {
    tmp = makeTempDir();
    store = openStore(path.join(tmp.dir, 'store.db'), { now: fakeClock(1000) });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('round-trips every column, probe JSON included', () => {
    const probe = { format: { format_name: 'mov,mp4', duration: '12.5' }, streams: [{ codec_name: 'h264', r_frame_rate: '25/1' }] };
    const row = store.upsertSource({
      path: '/nvr/cam-3/2026/01/02/10-00.mp4', sizeBytes: 123_456_789_012, mtimeMs: 1_767_348_000_123.4567, sha256: SHA_B, camera: 'cam-3',
      recordedAtMs: 1_767_348_000_000,
      probe: { probe, durationMs: 12_500, codec: 'h264', widthPx: 1920, heightPx: 1080, fps: 25, rotationDeg: 90 },
    });
    expect(row).toEqual({
      id: 1, path: '/nvr/cam-3/2026/01/02/10-00.mp4', sizeBytes: 123_456_789_012, mtimeMs: 1_767_348_000_123.4567, sha256: SHA_B, camera: 'cam-3',
      recordedAtMs: 1_767_348_000_000, probe, durationMs: 12_500, codec: 'h264', widthPx: 1920, heightPx: 1080, fps: 25, rotationDeg: 90,
      status: 'pending', error: null, attempts: 0, lastRunId: null, createdAtMs: 1000, updatedAtMs: 1000, startedAtMs: null, finishedAtMs: null,
    });
    expect(store.getSource(1)).toEqual(row);
    expect(store.findSourceByPath(row.path)).toEqual(row);
    expect(store.findSourceByPath('/nope')).toBeUndefined();
    expect(store.findSourcesBySha256(SHA_B)).toEqual([row]);
    expect(Object.isFrozen(row)).toBe(true);
  });

  it('upsert keeps omitted fields, clears null ones, and resets a changed file to pending', () => {
    const first = store.upsertSource({ path: '/a.mp4', sizeBytes: 10, mtimeMs: 5, sha256: SHA_A, camera: 'door' });
    store.markSourceRunning(first.id);
    store.markSourceDone(first.id);
    // Same file, no hash given: hash, camera and status are kept.
    const same = store.upsertSource({ path: '/a.mp4', sizeBytes: 10, mtimeMs: 5 });
    expect(same).toMatchObject({ id: first.id, sha256: SHA_A, camera: 'door', status: 'done' });
    // null clears.
    expect(store.upsertSource({ path: '/a.mp4', sizeBytes: 10, mtimeMs: 5, camera: null }).camera).toBeNull();
    // Changed mtime: results stale, old hash dropped.
    const touched = store.upsertSource({ path: '/a.mp4', sizeBytes: 10, mtimeMs: 6 });
    expect(touched).toMatchObject({ status: 'pending', sha256: null, error: null });
    // Same size/mtime but a different content hash: stale as well.
    store.upsertSource({ path: '/a.mp4', sizeBytes: 10, mtimeMs: 6, sha256: SHA_A });
    store.markSourceRunning(first.id);
    store.markSourceDone(first.id);
    expect(store.upsertSource({ path: '/a.mp4', sizeBytes: 10, mtimeMs: 6, sha256: SHA_B }).status).toBe('pending');
    expect(store.listSources().items).toHaveLength(1);
  });

  it('status transitions: running counts attempts, done and failed are guarded', () => {
    const run = store.startRun({ command: 'fasr batch /nvr', config: {}, versions: {} });
    const s = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    expect(() => store.markSourceDone(s.id)).toThrow(
      new StoreError("markSourceDone: source 1 is 'pending', expected 'running' (call markSourceRunning first)"),
    );
    const running = store.markSourceRunning(s.id, { runId: run.id });
    expect(running).toMatchObject({ status: 'running', attempts: 1, lastRunId: run.id, finishedAtMs: null });
    const failed = store.markSourceFailed(s.id, 'ffprobe: moov atom not found');
    expect(failed).toMatchObject({ status: 'failed', error: 'ffprobe: moov atom not found' });
    expect(failed.finishedAtMs).not.toBeNull();
    expect(() => store.markSourceFailed(s.id, 'again')).toThrow("markSourceFailed: source 1 is 'failed', expected 'pending' or 'running'");
    // A crashed or failed source is taken over by the next run; the error is cleared.
    const retry = store.markSourceRunning(s.id);
    expect(retry).toMatchObject({ status: 'running', attempts: 2, error: null, lastRunId: run.id });
    expect(store.markSourceDone(s.id).status).toBe('done');
    // --force: done → running again.
    expect(store.markSourceRunning(s.id).attempts).toBe(3);
    expect(store.countSourcesByStatus()).toEqual({ pending: 0, running: 1, done: 0, failed: 0 });
    expect(() => store.markSourceRunning(s.id, { runId: 77 })).toThrow('markSourceRunning: no run with id 77');
    expect(() => store.markSourceFailed(s.id, '')).toThrow(
      'markSourceFailed.reason: expected a non-empty string of at most 16384 characters, received an empty string',
    );
  });

  it('lists with filters and keyset pages', () => {
    for (let i = 0; i < 25; i++) store.upsertSource({ path: `/v/${i}.mp4`, sizeBytes: i, mtimeMs: 1, camera: i % 2 === 0 ? 'even' : 'odd' });
    store.markSourceRunning(3);
    const seen: number[] = [];
    let afterId: number | undefined;
    for (;;) {
      const page = store.listSources({ camera: 'even', limit: 5, ...(afterId === undefined ? {} : { afterId }) });
      seen.push(...page.items.map((s) => s.sizeBytes));
      if (page.nextAfterId === null) break;
      afterId = page.nextAfterId;
    }
    expect(seen).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(store.listSources({ status: 'running' }).items.map((s) => s.id)).toEqual([3]);
    expect(() => store.listSources({ status: 'complete' as never })).toThrow(
      'listSources.query.status: expected one of "pending", "running", "done", "failed", received "complete"',
    );
    expect(() => store.listSources({ limit: 5000 })).toThrow('listSources.query.limit: expected an integer in [1, 1000], received 5000');
  });

  it('rejects bad source input with clear messages', () => {
    expect(() => store.upsertSource({ path: '/a', sizeBytes: 1.5, mtimeMs: 1 })).toThrow(
      'upsertSource.input.sizeBytes: expected an integer >= 0, received 1.5',
    );
    expect(() => store.upsertSource({ path: '/a', sizeBytes: 1, mtimeMs: NaN })).toThrow(
      'upsertSource.input.mtimeMs: expected a finite number, received NaN',
    );
    expect(() => store.upsertSource({ path: '/a', sizeBytes: 1, mtimeMs: 1, sha256: 'ABC' })).toThrow(
      'upsertSource.input.sha256: expected a SHA-256 as 64 lower-case hex digits, received "ABC"',
    );
    expect(() => store.upsertSource({ path: '/a', size: 1, mtimeMs: 1 } as never)).toThrow(
      'upsertSource.input: unknown key "size"; valid keys: path, sizeBytes, mtimeMs, sha256, camera, recordedAtMs, probe',
    );
    expect(() =>
      store.upsertSource({
        path: '/a', sizeBytes: 1, mtimeMs: 1,
        probe: { probe: {}, durationMs: null, codec: null, widthPx: null, heightPx: null, fps: null, rotationDeg: 45 },
      }),
    ).toThrow('upsertSource.input.probe.rotationDeg: expected one of 0, 90, 180, 270, received 45');
    expect(() =>
      store.upsertSource({
        path: '/a', sizeBytes: 1, mtimeMs: 1,
        probe: { probe: { d: Infinity }, durationMs: null, codec: null, widthPx: null, heightPx: null, fps: null, rotationDeg: null },
      }),
    ).toThrow('upsertSource.input.probe.probe.d: expected JSON (finite numbers only), received Infinity');
    expect(() => store.getSource(0)).toThrow('getSource.sourceId: expected a positive integer id, received 0');
    expect(store.listSources().items).toEqual([]);
  });
});
