import * as path from 'node:path';
import { openStore, type TrackResultInput } from '../../../src/store';
import { makeTempDir, makeTrack, makeVector } from './store-fixtures';

/** A track whose F_M is `fm`. */
function withFm(key: number, fm: Float32Array): TrackResultInput {
  const t = makeTrack(key, 2, key * 10);
  return { ...t, fused: [{ ...t.fused![0]!, featureVector: fm }] };
}

describe('findSimilarTracks: in-memory F_M matrix', () => {
  it('gives the same ranking as the SQLite scan and follows inserts, deletes and writes of other connections', () => {
    const tmp = makeTempDir();
    const file = path.join(tmp.dir, 'sim.sqlite');
    const store = openStore(file);
    const other = openStore(file);
    try {
      const a = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1, camera: 'cam' });
      store.markSourceRunning(a.id);
      store.replaceSourceResults(a.id, { tracks: Array.from({ length: 30 }, (_, i) => withFm(i + 1, makeVector(16, 500 + i))) }, { markDone: true });
      const q = makeVector(16, 510);
      // Every track is on camera 'cam': the camera query takes the SQL scan, the plain one the matrix.
      const viaMatrix = store.findSimilarTracks(q, { modelId: 'emb-a', limit: 30 });
      const viaSql = store.findSimilarTracks(q, { modelId: 'emb-a', limit: 30, camera: 'cam' });
      expect(viaMatrix).toEqual(viaSql);
      expect(viaMatrix).toHaveLength(30);
      expect(viaMatrix[0]!.cosine).toBeCloseTo(1, 6);

      // Insert through another connection: a new, exact match shows up first.
      const b = other.upsertSource({ path: '/b.mp4', sizeBytes: 1, mtimeMs: 1 });
      other.markSourceRunning(b.id);
      const [newId] = other.replaceSourceResults(b.id, { tracks: [withFm(99, q.map((x) => x * 2))] }, { markDone: true }).trackIds;
      const after = store.findSimilarTracks(q, { modelId: 'emb-a', limit: 2 });
      expect(after.map((m) => m.trackId)).toContain(newId);
      expect(after).toHaveLength(2);

      // Delete (another connection): gone at once.
      other.deleteSource(b.id);
      expect(store.findSimilarTracks(q, { modelId: 'emb-a', limit: 30 })).toEqual(viaSql);

      // Replace with the same number of tracks (new ids, new vectors) on this connection.
      store.markSourceRunning(a.id);
      store.replaceSourceResults(a.id, { tracks: Array.from({ length: 30 }, (_, i) => withFm(i + 1, makeVector(16, 900 + i))) }, { markDone: true });
      const replaced = store.findSimilarTracks(q, { modelId: 'emb-a', limit: 30 });
      expect(replaced).toEqual(store.findSimilarTracks(q, { modelId: 'emb-a', limit: 30, camera: 'cam' }));
      expect(replaced.map((m) => m.trackId)).not.toEqual(viaSql.map((m) => m.trackId));
      // Exclusion and minCosine apply on the matrix path too.
      const top = replaced[0]!;
      expect(store.findSimilarTracks(q, { modelId: 'emb-a', excludeTrackId: top.trackId }).some((m) => m.trackId === top.trackId)).toBe(false);
      expect(store.findSimilarTracks(q, { modelId: 'emb-a', minCosine: top.cosine })).toEqual([top]);
      expect(store.findSimilarTracks(q, { modelId: 'other-model' })).toEqual([]);
    } finally {
      other.close();
      store.close();
      tmp.cleanup();
    }
  });
});
