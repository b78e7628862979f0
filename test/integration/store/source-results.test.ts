import * as path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../../src/contracts';
import { openStore, type Store, type TrackResultInput } from '../../../src/store';
import { fakeClock, makePng, makeTempDir, makeTrack, makeVector } from './store-fixtures';

/** Bit patterns of a Float32Array, for bit-exact comparison (NaN-safe). */
function bits(v: Float32Array): number[] {
  return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
}

function tableCounts(file: string): Record<string, number> {
  const raw = new Database(file, { readonly: true });
  const out: Record<string, number> = {};
  for (const t of ['tracks', 'detections', 'crops', 'embeddings', 'fused_identities', 'sr_outputs']) {
    out[t] = (raw.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
  }
  raw.close();
  return out;
}

describe('replaceSourceResults and getTrack', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let file: string;
  let store: Store;
  beforeEach(() => {
    tmp = makeTempDir();
    file = path.join(tmp.dir, 'store.db');
    store = openStore(file, { now: fakeClock() });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('round-trips tracks, detections, crops, embeddings (bit-exact) and F_M', () => {
    const run = store.startRun({ command: 'fasr batch', config: { fps: 5 }, versions: { fasr: '0.1.0' } });
    const src = store.upsertSource({ path: '/cams/door/2026-01-01T10-00-00.mp4', sizeBytes: 100, mtimeMs: 5, camera: 'door', recordedAtMs: 1_767_261_600_000 });
    const input = [makeTrack(3, 4, 10), makeTrack(9, 1, 50)];
    // Awkward float values survive: -0, subnormal, max float32.
    const weird = new Float32Array([-0, 1.4e-45, 3.4028234663852886e38, -1.5, 0.1]);
    const t0 = input[0] as TrackResultInput;
    const withWeird: TrackResultInput = {
      ...t0,
      detections: t0.detections.map((d, i) => (i === 0 ? { ...d, embeddings: [{ modelId: 'emb-b', vector: weird }] } : d)),
      // emb-a now exists on detections 1..3 only: positions 0..2.
      fused: [{ ...(t0.fused?.[0] as NonNullable<TrackResultInput['fused']>[number]), memberIndices: [0, 1], rejectedIndices: [2] }],
    };
    const report = store.replaceSourceResults(src.id, { tracks: [withWeird, input[1] as TrackResultInput], runId: run.id });
    expect(report).toEqual({ trackIds: [1, 2], deletedTrackCount: 0, detectionCount: 5, cropCount: 10, embeddingCount: 5, fusedCount: 2 });

    const detail = store.getTrack(report.trackIds[0] as number);
    expect(detail.track).toMatchObject({
      sourceId: src.id, runId: run.id, trackKey: 3, firstFrameIndex: 10, lastFrameIndex: 13, firstPtsMs: 400, lastPtsMs: 520,
      detectionCount: 4, cropCount: 8, embeddingCount: 4, bestQuality: 0.513, status: 'ok', rejectReason: null,
      sourcePath: src.path, camera: 'door', startAtMs: 1_767_261_600_400, endAtMs: 1_767_261_600_520,
    });
    // Detections read back equal to the contracts' ScoredDetection that went in.
    expect(detail.detections.map(({ id: _id, trackId: _t, ...d }) => d)).toEqual(withWeird.detections.map((d) => d.detection));
    expect(detail.track.lr0DetectionId).toBe(detail.detections[3]?.id);
    // Crops: bytes equal, in detection order.
    const wantCrops = withWeird.detections.flatMap((d) => d.crops ?? []);
    expect(detail.crops.map((c) => [c.kind, c.format, c.widthPx, c.heightPx, Buffer.from(c.image).toString('hex')])).toEqual(
      wantCrops.map((c) => [c.kind, c.format, c.widthPx, c.heightPx, Buffer.from(c.image).toString('hex')]),
    );
    expect(detail.crops[0]?.image).toBeInstanceOf(Uint8Array);
    // Embeddings: bit-exact vectors; the crop link resolves to the crop of the same detection.
    const wantEmb = withWeird.detections.flatMap((d) => d.embeddings ?? []);
    expect(detail.embeddings.map((e) => [e.modelId, e.dim, bits(e.vector)])).toEqual(wantEmb.map((e) => [e.modelId, e.vector.length, bits(e.vector)]));
    expect(Object.is(detail.embeddings[0]?.vector[0], -0)).toBe(true);
    expect(detail.embeddings[0]?.cropId).toBeNull();
    const e1 = detail.embeddings[1];
    expect(detail.crops.find((c) => c.id === e1?.cropId)).toMatchObject({ detectionId: e1?.detectionId, kind: 'aligned128' });
    // F_M: vector bit-exact; member indices (into the track's emb-a embeddings) became embedding ids.
    expect(detail.fused).toHaveLength(1);
    const f = detail.fused[0];
    const fIn = withWeird.fused?.[0];
    expect(f?.embedderId).toBe('emb-a');
    expect(f?.method).toBe('mean-3sigma');
    expect(bits(f?.featureVector ?? new Float32Array())).toEqual(bits(fIn?.featureVector ?? new Float32Array(1)));
    const embA = detail.embeddings.filter((e) => e.modelId === 'emb-a').map((e) => e.id);
    expect(embA).toHaveLength(3);
    expect(f?.memberEmbeddingIds).toEqual([embA[0], embA[1]]);
    expect(f?.rejectedEmbeddingIds).toEqual([embA[2]]);

    const single = store.getTrack(report.trackIds[1] as number);
    expect(single.detections).toHaveLength(1);
    expect(single.fused[0]?.rejectedEmbeddingIds).toEqual([]);
    expect(single.srOutputs).toEqual([]);
  });

  it('replaces the previous results of the source and leaves other sources alone', () => {
    const a = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    const b = store.upsertSource({ path: '/b.mp4', sizeBytes: 1, mtimeMs: 1 });
    store.replaceSourceResults(a.id, { tracks: [makeTrack(1, 3), makeTrack(2, 2)] });
    store.replaceSourceResults(b.id, { tracks: [makeTrack(1, 2)] });
    const again = store.replaceSourceResults(a.id, { tracks: [makeTrack(7, 1)] });
    expect(again.deletedTrackCount).toBe(2);
    expect(store.listTracks({ sourceId: a.id }).items.map((t) => t.trackKey)).toEqual([7]);
    expect(store.listTracks({ sourceId: b.id }).items.map((t) => t.trackKey)).toEqual([1]);
    // Nothing orphaned: 1 + 2 detections, 2 crops and 1 embedding each.
    expect(tableCounts(file)).toEqual({ tracks: 2, detections: 3, crops: 6, embeddings: 3, fused_identities: 2, sr_outputs: 0 });
    // Ids are never reused: the replaced tracks' ids (the highest so far) are not handed out again.
    const maxOld = Math.max(...store.listTracks().items.map((t) => t.id));
    expect(store.listTracks({ sourceId: a.id }).items[0]?.id).toBe(maxOld); // a holds the highest id
    const replaced = store.replaceSourceResults(a.id, { tracks: [makeTrack(7, 1)] });
    expect(replaced.trackIds[0]).toBe(maxOld + 1);
    // An empty result set is valid (a clip with no faces) and clears the source.
    expect(store.replaceSourceResults(a.id, { tracks: [] }).deletedTrackCount).toBe(1);
    expect(store.listTracks({ sourceId: a.id }).items).toEqual([]);
  });

  it('a failure in the middle of the write leaves the previous results intact and nothing new', () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    store.markSourceRunning(src.id);
    store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 3), makeTrack(2, 2)] });
    const before = tableCounts(file);
    const oldTracks = store.listTracks({ sourceId: src.id }).items;
    // Inject a constraint failure deep inside the transaction: at the 2nd track's 3rd detection,
    // after the old tracks were deleted and the 1st new track was fully written.
    const raw = new Database(file);
    raw.exec(`CREATE TRIGGER inject_failure BEFORE INSERT ON detections WHEN NEW.frame_index = 777
              BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    raw.close();
    const bad = makeTrack(6, 3, 775);
    expect(() => store.replaceSourceResults(src.id, { tracks: [makeTrack(5, 4), bad] }, { markDone: true })).toThrow(
      new StoreError('replaceSourceResults: SQLite SQLITE_CONSTRAINT_TRIGGER: injected failure'),
    );
    expect(tableCounts(file)).toEqual(before);
    expect(store.listTracks({ sourceId: src.id }).items).toEqual(oldTracks);
    expect(store.getSource(src.id).status).toBe('running'); // markDone rolled back with the rest
  });

  it('markDone marks the source done in the same transaction', () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    expect(() => store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 1)] }, { markDone: true })).toThrow(
      "replaceSourceResults: source 1 is 'pending', expected 'running' (call markSourceRunning first)",
    );
    expect(store.listTracks({ sourceId: src.id }).items).toEqual([]);
    store.markSourceRunning(src.id);
    store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 1)] }, { markDone: true });
    expect(store.getSource(src.id).status).toBe('done');
  });

  it("keeps a joined track's parts (tracks.parts_json) and refuses parts that do not match its detections", () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    // makeTrack(4, 5, 10): frames 10..14 at 40 ms a frame; as a track joined from keys 4 (frames 10–11) and 7 (12–14).
    const t = makeTrack(4, 5, 10);
    const parts = [
      { trackKey: 4, firstFrameIndex: 10, lastFrameIndex: 11, firstPtsMs: 400, lastPtsMs: 440, detectionCount: 2 },
      { trackKey: 7, firstFrameIndex: 12, lastFrameIndex: 14, firstPtsMs: 480, lastPtsMs: 560, detectionCount: 3 },
    ];
    const { trackIds } = store.replaceSourceResults(src.id, { tracks: [{ ...t, parts }, makeTrack(9, 1, 50)] });
    expect(store.getTrack(trackIds[0] as number).track.parts).toEqual(parts);
    expect(store.getTrack(trackIds[1] as number).track.parts).toBeNull();
    const before = tableCounts(file);
    const bad = (p: unknown): TrackResultInput => ({ ...t, parts: p as never });
    expect(() => store.replaceSourceResults(src.id, { tracks: [bad(parts.slice(0, 1))] })).toThrow(/tracks\[0\]\.parts: expected at least two parts/);
    expect(() => store.replaceSourceResults(src.id, { tracks: [bad([{ ...parts[0], trackKey: 5 }, parts[1]])] })).toThrow(/tracks\[0\]\.parts\[0\]\.trackKey: expected the track's own key \(4\)/);
    expect(() => store.replaceSourceResults(src.id, { tracks: [bad([parts[0], { ...parts[1], detectionCount: 2, lastFrameIndex: 13, lastPtsMs: 520 }])] })).toThrow(/tracks\[0\]\.parts: expected parts whose detectionCounts add up to the track's 5 detections/);
    expect(() => store.replaceSourceResults(src.id, { tracks: [bad([parts[0], { ...parts[1], firstPtsMs: 470 }])] })).toThrow(/tracks\[0\]\.parts\[1\]: expected the frame and time range of the track's detections 2\.\.4/);
    expect(tableCounts(file)).toEqual(before);
  });

  it('rejects bad results before writing anything, naming the field', () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 2)] });
    const before = tableCounts(file);
    const t = makeTrack(2, 3);
    const badScore: TrackResultInput = {
      ...t,
      detections: t.detections.map((d, i) => (i === 2 ? { ...d, detection: { ...d.detection, score: 1.5 } } : d)),
    };
    expect(() => store.replaceSourceResults(src.id, { tracks: [makeTrack(3, 1), badScore] })).toThrow(
      'replaceSourceResults.results.tracks[1].detections[2].detection.score: expected a finite number in [0, 1], received 1.5',
    );
    expect(() => store.replaceSourceResults(src.id, { tracks: [makeTrack(3, 1), makeTrack(3, 1)] })).toThrow(
      'replaceSourceResults.results.tracks[1].trackKey: expected a key unique among the tracks of the source, received 3',
    );
    const nanVec: TrackResultInput = { ...t, fused: [{ ...(t.fused?.[0] as NonNullable<TrackResultInput['fused']>[number]), featureVector: new Float32Array([0, NaN]) }] };
    expect(() => store.replaceSourceResults(src.id, { tracks: [nanVec] })).toThrow(
      'replaceSourceResults.results.tracks[0].fused[0].featureVector[1]: expected a finite number, received NaN',
    );
    expect(() => store.replaceSourceResults(99, { tracks: [] })).toThrow(new StoreError('replaceSourceResults: no source with id 99'));
    expect(() => store.replaceSourceResults(src.id, { tracks: [], runId: 5 })).toThrow('replaceSourceResults: no run with id 5');
    expect(() => store.replaceSourceResults(src.id, { tracks: [] }, { markdone: true } as never)).toThrow(
      'replaceSourceResults.opts: unknown key "markdone"; valid keys: markDone',
    );
    expect(tableCounts(file)).toEqual(before);
    expect(() => store.getTrack(999)).toThrow('getTrack: no track with id 999');
  });

  it('cascades: deleting a source removes its tracks and everything under them, SR outputs included', () => {
    const a = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    const b = store.upsertSource({ path: '/b.mp4', sizeBytes: 1, mtimeMs: 1 });
    const ra = store.replaceSourceResults(a.id, { tracks: [makeTrack(1, 3), makeTrack(2, 2)] });
    store.replaceSourceResults(b.id, { tracks: [makeTrack(1, 2)] });
    store.insertSrOutput({
      trackId: ra.trackIds[0] as number, modelId: 'fasr-ncsnpp', modelSha256: 'a'.repeat(64), sampler: 'pc', steps: 10,
      networkEvaluations: 20, seed: 1, engine: 'tfjs', backend: 'wasm', png: makePng(8, 8), widthPx: 8, heightPx: 8, timingsMs: { totalMs: 5 },
    });
    expect(tableCounts(file).sr_outputs).toBe(1);
    store.deleteSource(a.id);
    expect(tableCounts(file)).toEqual({ tracks: 1, detections: 2, crops: 4, embeddings: 2, fused_identities: 1, sr_outputs: 0 });
    expect(() => store.getSource(a.id)).toThrow('getSource: no source with id 1');
    expect(() => store.deleteSource(a.id)).toThrow('deleteSource: no source with id 1');
    // Re-running a source (replace) also drops its SR outputs: they belonged to the old tracks.
    const rb = store.listTracks({ sourceId: b.id }).items[0];
    store.insertSrOutput({
      trackId: rb?.id as number, modelId: 'm', modelSha256: 'b'.repeat(64), sampler: 'pc', steps: 1, networkEvaluations: 1, seed: 0,
      engine: 'tfjs', backend: 'cpu', png: makePng(2, 2), widthPx: 2, heightPx: 2, timingsMs: {},
    });
    store.replaceSourceResults(b.id, { tracks: [makeTrack(1, 2)] });
    expect(tableCounts(file).sr_outputs).toBe(0);
  });

  it('finds tracks by F_M cosine similarity, best first', () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1, camera: 'door' });
    const other = store.upsertSource({ path: '/b.mp4', sizeBytes: 1, mtimeMs: 1, camera: 'yard' });
    const dim = 16;
    const q = makeVector(dim, 42);
    const mk = (key: number, fm: Float32Array): TrackResultInput => {
      const t = makeTrack(key, 1, 0, dim);
      return { ...t, fused: [{ featureVector: fm, embedderId: 'emb-a', method: 'mean', memberIndices: [0], rejectedIndices: [] }] };
    };
    const near = Float32Array.from(q, (x, i) => x + (i === 0 ? 0.05 : 0));
    const far = makeVector(dim, 7);
    const opposite = Float32Array.from(q, (x) => -2 * x);
    const r = store.replaceSourceResults(src.id, { tracks: [mk(1, far), mk(2, near), mk(3, opposite), mk(4, q)] });
    store.replaceSourceResults(other.id, { tracks: [mk(1, q)] });
    const ids = r.trackIds;
    const res = store.findSimilarTracks(q, { modelId: 'emb-a', camera: 'door' });
    expect(res.map((s) => s.trackId)).toEqual([ids[3], ids[1], ids[0], ids[2]]);
    expect(res[0]?.cosine).toBeCloseTo(1, 6);
    expect(res[3]?.cosine).toBeCloseTo(-1, 6);
    expect(store.findSimilarTracks(q, { modelId: 'emb-a', limit: 2, excludeTrackId: ids[3] as number, camera: 'door' }).map((s) => s.trackId)).toEqual([
      ids[1],
      ids[0],
    ]);
    expect(store.findSimilarTracks(q, { modelId: 'emb-a', minCosine: 0.9 })).toHaveLength(3); // 2 exact + near, both cameras
    expect(store.findSimilarTracks(q, { modelId: 'other-model' })).toEqual([]);
    expect(() => store.findSimilarTracks(new Float32Array(dim), { modelId: 'emb-a' })).toThrow(
      'findSimilarTracks.vector: expected a vector with a non-zero norm, received a Float32Array of length 16',
    );
  });
});
