import * as path from 'node:path';
import { openStore } from '../../../src/store';
import { makeTempDir, makeTrack } from './store-fixtures';

describe('store: queries of the review UI (getTrackItem, getCrop, listDetectionCrops, listRuns, listJobs, countJobsByStatus)', () => {
  it('reads single rows and keyset pages, and names missing ids', () => {
    const tmp = makeTempDir();
    const store = openStore(path.join(tmp.dir, 'ui.sqlite'));
    try {
      const src = store.upsertSource({ path: '/v/a.mp4', sizeBytes: 1, mtimeMs: 1, camera: 'c', recordedAtMs: 1000 });
      store.markSourceRunning(src.id);
      const { trackIds } = store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 3), makeTrack(2, 2, 10)] }, { markDone: true });
      const detail = store.getTrack(trackIds[0]!);
      expect(store.getTrackItem(trackIds[0]!)).toEqual(detail.track);
      const crop = detail.crops[2]!;
      expect(store.getCrop(crop.id)).toEqual(crop);
      expect(store.listDetectionCrops(crop.detectionId)).toEqual(detail.crops.filter((c) => c.detectionId === crop.detectionId));
      expect(() => store.getTrackItem(999)).toThrow('getTrackItem: no track with id 999');
      expect(() => store.getCrop(999)).toThrow('getCrop: no crop with id 999');
      expect(() => store.listDetectionCrops(999)).toThrow('listDetectionCrops: no detection with id 999');
      expect(() => store.getCrop(0)).toThrow(/^getCrop\.cropId: expected /);

      const runs = [1, 2, 3].map((i) => store.startRun({ command: `run ${i}`, config: {}, versions: {} }));
      store.finishRun(runs[1]!.id, { status: 'done' });
      expect(store.listRuns({ status: 'running' }).items.map((r) => r.command)).toEqual(['run 1', 'run 3']);
      const p1 = store.listRuns({ limit: 2 });
      expect(p1.items.map((r) => r.id)).toEqual([runs[0]!.id, runs[1]!.id]);
      expect(store.listRuns({ afterId: p1.nextAfterId!, limit: 2 })).toEqual({ items: [store.getRun(runs[2]!.id)], nextAfterId: null });
      expect(() => store.listRuns({ status: 'ok' as never })).toThrow(`listRuns.query.status: expected one of "running", "done", "failed", received "ok"`);

      const [, b] = ['a', 'b', 'c'].map((k) => store.enqueueJob({ kind: k === 'c' ? 'export' : 'sr', idempotencyKey: k, payload: { k } }).job);
      const claimed = store.claimJob({ kinds: ['sr'], workerId: 'w', leaseMs: 60000 })!;
      expect(store.countJobsByStatus()).toEqual({ queued: 2, running: 1, done: 0, failed: 0 });
      expect(store.listJobs({ status: 'queued' }).items.map((j) => j.idempotencyKey)).toEqual(['b', 'c']);
      expect(store.listJobs({ kind: 'sr' }).items.map((j) => j.id)).toEqual([claimed.id, b!.id]);
      expect(() => store.listJobs({ kinds: 'sr' } as never)).toThrow(/^listJobs\.query: unknown/);
    } finally {
      store.close();
      tmp.cleanup();
    }
  });
});
