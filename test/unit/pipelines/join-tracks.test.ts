import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTrackResult, CROP_KINDS, CropKeeper, parseProcessConfig, type DetectionCrops, type PipelineDetection } from '../../../pipelines';
import { joinSplitTracks, joinTrackPair, partsOf, type JoinDecision } from '../../../pipelines/join-tracks';
import type { FaceCrop } from '../../../src/contracts';
import { cosineSimilarity } from '../../../src/fuse';
import { openStore, type TrackResultInput } from '../../../src/store';
import type { FinishedTrack } from '../../../src/track';
import { pipelineDetection } from './pipeline-detection-fixture';

const EMB = 'emb@1';

function crop(seed: number, size = 32): FaceCrop {
  const rgb = new Uint8Array(size * size * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7 + seed * 31) & 0xff;
  return { width: size, height: size, rgb };
}

/** A person's embedding: a base direction per person plus a small per-detection wobble. */
function emb(person: number, i: number): Float32Array {
  const v = new Float32Array(8);
  v[person % 8] = 1;
  v[(person + 1 + (i % 3)) % 8] = 0.15;
  return v;
}

/** A finished track of `qualities.length` detections from `firstFrame`, built by the pipeline's buildTrackResult. */
async function track(trackKey: number, person: number, firstFrame: number, qualities: readonly number[], config = parseProcessConfig({})): Promise<TrackResultInput> {
  const detections = qualities.map((q, i) => pipelineDetection(trackKey * 1000 + i, firstFrame + i, q));
  const finished: FinishedTrack<PipelineDetection> = {
    trackKey,
    detections,
    embeddings: detections.map((_, i) => emb(person, i)),
    firstPtsMs: detections[0]!.ptsMs,
    lastPtsMs: detections[detections.length - 1]!.ptsMs,
    reentries: 0,
  };
  const keeper = new CropKeeper<DetectionCrops>(config.retention.cropsPerTrack, 10);
  detections.forEach((d) => keeper.addFrame(d.frameIndex, [{ detectionKey: d.detectionKey, frameIndex: d.frameIndex, quality: d.quality, crops: { aligned: crop(d.detectionKey, 128), native: crop(d.detectionKey) } }]));
  keeper.claim(trackKey, detections.map((d) => d.detectionKey));
  return buildTrackResult(finished, keeper.take(trackKey), 1, EMB, config);
}

const crops = (t: TrackResultInput, kind: string): number[] =>
  t.detections.flatMap((d, i) => ((d.crops ?? []).some((c) => c.kind === kind) ? [i] : []));

describe('joinTrackPair', () => {
  it('one track of both: detections in order, the better LR_0 (the other loses its model crop), crops of the K best, F_M re-fused from the K best, parts', async () => {
    const config = parseProcessConfig({ retention: { cropsPerTrack: 3 }, embed: { topK: 3 } });
    const a = await track(1, 0, 0, [0.4, 0.6, 0.5, 0.3], config);
    const b = await track(2, 0, 20, [0.7, 0.9, 0.2], config);
    expect(a.lr0Index).toBe(1);
    expect(b.lr0Index).toBe(1);
    const j = joinTrackPair(a, b, EMB, config);
    expect(j.trackKey).toBe(1);
    expect(j.detections.map((d) => d.detection.frameIndex)).toEqual([0, 1, 2, 3, 20, 21, 22]);
    expect(j.lr0Index).toBe(5); // b's 0.9
    expect(crops(j, CROP_KINDS.lr0Model)).toEqual([5]);
    // The 3 best of the union that had crops: 0.9 (5), 0.7 (4), 0.6 (1).
    expect(crops(j, CROP_KINDS.aligned(128))).toEqual([1, 4, 5]);
    expect(crops(j, CROP_KINDS.native)).toEqual([1, 4, 5]);
    // Every embedding kept; F_M's members are the union's 3 best, as indices into its stored embeddings (all 7 here).
    expect(j.detections.every((d) => (d.embeddings ?? []).length === 1)).toBe(true);
    // An embedding keeps its crop kind only where that crop is still stored.
    expect(j.detections.map((d) => d.embeddings?.[0]?.cropKind)).toEqual([null, 'aligned128', null, null, 'aligned128', 'aligned128', null]);
    const f = j.fused?.[0];
    expect(f?.embedderId).toBe(EMB);
    expect([...(f?.memberIndices ?? []), ...(f?.rejectedIndices ?? [])].sort()).toEqual([1, 4, 5]);
    expect(j.parts).toEqual([
      { trackKey: 1, firstFrameIndex: 0, lastFrameIndex: 3, firstPtsMs: 0, lastPtsMs: 600, detectionCount: 4 },
      { trackKey: 2, firstFrameIndex: 20, lastFrameIndex: 22, firstPtsMs: 4000, lastPtsMs: 4400, detectionCount: 3 },
    ]);
    // The store takes it as it is (its checks: crop kinds of embeddings, F_M indices, parts against the detections).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-join-'));
    const store = openStore(path.join(dir, 'join.sqlite'));
    try {
      const src = store.upsertSource({ path: '/v/a.mp4', sizeBytes: 1, mtimeMs: 1 });
      const [id] = store.replaceSourceResults(src.id, { tracks: [j] }).trackIds;
      expect(store.getTrack(id as number).track.parts).toEqual(j.parts);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // A third part appends to the parts of a joined track.
    const c = await track(3, 0, 30, [0.5], config);
    expect(partsOf(joinTrackPair(j, c, EMB, config)).map((p) => p.trackKey)).toEqual([1, 2, 3]);
  });
});

describe('joinSplitTracks', () => {
  const config = parseProcessConfig({});

  it('joins a person split by a short gap; keeps apart overlapping tracks, other people and gaps over maxGapMs', async () => {
    const q = [0.5, 0.6, 0.7];
    const a = await track(1, 0, 0, q); // person 0, 0–400 ms
    const other = await track(2, 4, 1, q); // person 4, overlaps a
    const b = await track(3, 0, 10, q); // person 0 again, 2000 ms: gap 1600 ms
    const late = await track(4, 0, 50, q); // person 0, 10 s: gap 9600 ms from b's end > 5000
    const stranger = await track(5, 2, 13, q); // person 2 after a gap: cosine ~0 with everyone
    const decisions: JoinDecision[] = [];
    const out = joinSplitTracks([a, other, b, late, stranger], EMB, config, (d) => decisions.push(d));
    expect(out.map((t) => t.trackKey)).toEqual([1, 2, 4, 5]);
    expect(out[0]?.parts?.map((p) => p.trackKey)).toEqual([1, 3]);
    expect(out[0]?.detections).toHaveLength(6);
    for (const t of out.slice(1)) expect(t.parts).toBeUndefined();
    const join = decisions.find((d) => d.laterKey === 3);
    expect(join).toMatchObject({ earlierKey: 1, joined: true, gapMs: 1600 });
    expect(join!.cosine).toBeGreaterThanOrEqual(config.join.minCosine);
    // The stranger's best candidate was refused on F_M.
    const refused = decisions.find((d) => d.laterKey === 5);
    expect(refused?.joined).toBe(false);
    expect(refused!.cosine).toBeLessThan(config.join.minCosine);
    expect(decisions.find((d) => d.laterKey === 4)).toBeUndefined(); // no candidate within maxGapMs
  });

  it('joins to the most similar earlier track, and a chain of three becomes one track', async () => {
    const q = [0.5, 0.6];
    const p0 = await track(1, 0, 0, q);
    const p0b = await track(2, 0, 10, q);
    const p0c = await track(3, 0, 20, q);
    const out = joinSplitTracks([p0c, p0, p0b], EMB, config); // any order in: time order decides
    expect(out).toHaveLength(1);
    expect(out[0]?.parts?.map((p) => p.trackKey)).toEqual([1, 2, 3]);
    expect(out[0]?.detections.map((d) => d.detection.frameIndex)).toEqual([0, 1, 10, 11, 20, 21]);
  });

  it('acts on its settings: off, a stricter cosine, a shorter gap', async () => {
    const q = [0.5, 0.6];
    const a = await track(1, 0, 0, q);
    const b = await track(2, 0, 10, [0.5, 0.6, 0.7]);
    const cos = cosineSimilarity(a.fused![0]!.featureVector, b.fused![0]!.featureVector);
    expect(cos).toBeLessThan(0.9999);
    expect(joinSplitTracks([a, b], EMB, config)).toHaveLength(1);
    expect(joinSplitTracks([a, b], EMB, parseProcessConfig({ join: { enabled: false } }))).toHaveLength(2);
    expect(joinSplitTracks([a, b], EMB, parseProcessConfig({ join: { minCosine: cos + 1e-6 } }))).toHaveLength(2);
    expect(joinSplitTracks([a, b], EMB, parseProcessConfig({ join: { maxGapMs: 1000 } }))).toHaveLength(2);
    // The fixture's faces are 30x40 px: joined from minFacePx 40 down, not above (faceres does not identify smaller faces).
    expect(joinSplitTracks([a, b], EMB, parseProcessConfig({ join: { minFacePx: 40 } }))).toHaveLength(1);
    expect(joinSplitTracks([a, b], EMB, parseProcessConfig({ join: { minFacePx: 41 } }))).toHaveLength(2);
    // Tracks without an F_M of the embedder are left alone.
    expect(joinSplitTracks([a, b], 'other-embedder', config)).toHaveLength(2);
  });

  it('refuses bad settings, naming the key', () => {
    expect(() => parseProcessConfig({ join: { minCosine: 2 } })).toThrow(/join\.minCosine/);
    expect(() => parseProcessConfig({ join: { maxGapMs: 0 } })).toThrow(/join\.maxGapMs/);
    expect(() => parseProcessConfig({ join: { minFacePx: -1 } })).toThrow(/join\.minFacePx/);
    expect(() => parseProcessConfig({ join: { enable: true } })).toThrow(/join: unknown key\(s\) "enable"/);
  });
});
