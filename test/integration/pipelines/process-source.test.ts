import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, CROP_KINDS, parseProcessConfig, processSource, processSources, type CreatedProcessDeps } from '../../../pipelines';
import { cosineSimilarity } from '../../../src/fuse';
import { decodeImageRgb, degradeLikeAuthors, floatToUint8, readImageRgb, uint8ToFloat } from '../../../src/image';
import { openStore, type Store, type TrackDetail } from '../../../src/store';
import { plantedCorner, writeSyntheticClip, type SyntheticClipSpec } from './synthetic-clip';

const FACES = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples/gallery');
const FACE_A = path.join(FACES, '000001.jpg');
const FACE_B = path.join(FACES, '000004.jpg');

/**
 * Two identities crossing: A left → right on top, B right → left 80 px lower, drawn over A
 * where they overlap (B hides A's chin at the crossing). 10 fps, 4 s; analysed at 5 fps (video
 * frames 0, 2, 4, …). Each face is blurred (sigma 3) except in one sampled frame: A at video
 * frame 8 (800 ms), B at 30 (3000 ms), so LR_0 of each track is unambiguous.
 */
const CROSSING: SyntheticClipSpec = {
  width: 640,
  height: 360,
  fps: 10,
  frameCount: 40,
  faceSizePx: 112,
  blurSigma: 3,
  paths: [
    { file: FACE_A, from: [20, 60], to: [508, 60], sharpFrame: 8 },
    { file: FACE_B, from: [508, 140], to: [20, 140], sharpFrame: 30 },
  ],
};

/** One face drifting right for 1 s: a small good input. */
const SINGLE: SyntheticClipSpec = {
  width: 320,
  height: 240,
  fps: 10,
  frameCount: 10,
  faceSizePx: 112,
  blurSigma: 1,
  paths: [{ file: FACE_B, from: [60, 60], to: [120, 60], sharpFrame: 4 }],
};

function centre(b: readonly [number, number, number, number]): [number, number] {
  return [b[0] + b[2] / 2, b[1] + b[3] / 2];
}

function allTracks(store: Store, sourceId?: number): TrackDetail[] {
  return store.listTracks({ ...(sourceId !== undefined ? { sourceId } : {}), limit: 1000 }).items.map((t) => store.getTrack(t.id));
}

describe('processSource: footage to stored tracks', () => {
  let deps: CreatedProcessDeps;
  let dir = '';
  let crossingFile = '';
  let singleFile = '';
  const config = parseProcessConfig({});

  beforeAll(async () => {
    deps = await createProcessDeps(config, 'wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-pipeline-'));
    crossingFile = path.join(dir, 'crossing.mp4');
    singleFile = path.join(dir, 'single.mp4');
    await writeSyntheticClip(deps.binaries, crossingFile, CROSSING);
    await writeSyntheticClip(deps.binaries, singleFile, SINGLE);
  }, 120000);

  afterAll(async () => {
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two identities crossing: exactly 2 tracks, no swap, LR_0 = the planted sharp frame, F_M nearer its own identity', async () => {
    const store = openStore(path.join(dir, 'crossing.sqlite'));
    try {
      const outcome = await processSource(store, crossingFile, config, deps);
      expect(outcome).toMatchObject({ status: 'done', reason: null, resultsStored: true, frames: 20, tracks: 2 });
      const source = store.getSource(outcome.sourceId ?? -1);
      expect(source).toMatchObject({ status: 'done', path: path.resolve(crossingFile), widthPx: 640, heightPx: 360, codec: 'h264', error: null });
      expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(source.sizeBytes).toBe(fs.statSync(crossingFile).size);

      const tracks = allTracks(store);
      expect(tracks).toHaveLength(2);
      const [embA, embB] = await deps.embedder.embed([await readImageRgb(FACE_A), await readImageRgb(FACE_B)]);
      if (embA === undefined || embB === undefined) throw new Error('two embeddings expected');
      const seen = new Set<number>();
      for (const t of tracks) {
        // Which path the track follows: the one nearest its first detection; then every detection must stay on it.
        const nearest = (d: (typeof t.detections)[number]): number => {
          const video = Math.round((d.ptsMs / 1000) * CROSSING.fps);
          const [cx, cy] = centre(d.bboxXYWH);
          const dist = CROSSING.paths.map((p) => {
            const [x, y] = plantedCorner(CROSSING, p, video);
            return Math.hypot(cx - (x + CROSSING.faceSizePx / 2), cy - (y + CROSSING.faceSizePx / 2));
          });
          expect(Math.min(...dist)).toBeLessThan(30); // detections lie on a planted path (box centre within 30 px of the patch centre)
          return dist[0]! < dist[1]! ? 0 : 1;
        };
        const pathIndex = nearest(t.detections[0]!);
        for (const d of t.detections) expect(nearest(d)).toBe(pathIndex); // no identity swap
        seen.add(pathIndex);
        // Both faces are seen on both sides of the crossing (at x < 200 and x > 400).
        const xs = t.detections.map((d) => centre(d.bboxXYWH)[0]);
        expect(Math.min(...xs)).toBeLessThan(200);
        expect(Math.max(...xs)).toBeGreaterThan(400);

        // LR_0 is the sharp planted frame, by far the sharpest detection of the track.
        const p = CROSSING.paths[pathIndex]!;
        const lr0 = t.detections.find((d) => d.id === t.track.lr0DetectionId)!;
        expect(lr0.ptsMs).toBeCloseTo((p.sharpFrame / CROSSING.fps) * 1000, 3);
        // (The others are blurred, but at the crossing the other face's edge inside the crop adds detail: compare to the median.)
        const others = t.detections.filter((d) => d !== lr0).map((d) => d.sharpness).sort((a, b) => a - b);
        expect(lr0.sharpness).toBeGreaterThan(Math.max(...others));
        expect(lr0.sharpness).toBeGreaterThan(2 * others[Math.floor(others.length / 2)]!);

        // LR_0's crops: the aligned 128 crop, the full-resolution one, and the model's LR_0 = the authors' 8x down-up of the aligned crop.
        const kinds = t.crops.filter((c) => c.detectionId === lr0.id).map((c) => c.kind).sort();
        expect(kinds).toEqual([CROP_KINDS.native, CROP_KINDS.aligned(128), CROP_KINDS.lr0Model].sort());
        const aligned = await decodeImageRgb(t.crops.find((c) => c.detectionId === lr0.id && c.kind === 'aligned128')!.image);
        const lrModel = await decodeImageRgb(t.crops.find((c) => c.detectionId === lr0.id && c.kind === 'lr0-model')!.image);
        expect([lrModel.width, lrModel.height]).toEqual([128, 128]);
        expect(Buffer.from(lrModel.rgb).equals(Buffer.from(floatToUint8(degradeLikeAuthors(uint8ToFloat(aligned.rgb), 128, { scale: 8 }))))).toBe(true);
        // Crops are capped at cropsPerTrack detections (8), each with aligned + full crops, plus lr0-model.
        expect(t.crops.length).toBe(2 * Math.min(8, t.detections.length) + 1);

        // Embeddings (embed.topK 8): the track's 8 best detections by quality (earliest on ties) all have
        // one, and F_M is fused from exactly those; F_M (mean-3sigma) is nearer its own identity's gallery photo than the other's.
        const embedded = new Set(t.embeddings.map((e) => e.detectionId));
        const best = [...t.detections].sort((x, y) => y.quality - x.quality || x.frameIndex - y.frameIndex).slice(0, 8);
        expect(best.every((d) => embedded.has(d.id))).toBe(true);
        const fm = t.fused[0]!;
        const memberDetections = t.embeddings.filter((e) => fm.memberEmbeddingIds.includes(e.id)).map((e) => e.detectionId);
        expect(memberDetections.sort((x, y) => x - y)).toEqual(best.map((d) => d.id).sort((x, y) => x - y));
        expect(fm).toMatchObject({ method: 'mean-3sigma', embedderId: deps.embedder.id, dim: 1024 });
        const own = pathIndex === 0 ? embA : embB;
        const other = pathIndex === 0 ? embB : embA;
        expect(cosineSimilarity(fm.featureVector, own)).toBeGreaterThan(cosineSimilarity(fm.featureVector, other));
      }
      expect([...seen].sort()).toEqual([0, 1]);
    } finally {
      store.close();
    }
  });

  it('bad inputs fail with a clear reason, the next input is still processed, earlier results stay', async () => {
    const store = openStore(path.join(dir, 'batch.sqlite'));
    try {
      const first = await processSources(store, [singleFile], config, deps);
      expect(first).toMatchObject({ ok: 1, failed: 0 });
      const firstId = first.outcomes[0]!.sourceId!;
      const before = allTracks(store, firstId);
      expect(before.length).toBeGreaterThanOrEqual(1);

      const notVideo = path.join(dir, 'notes.mp4');
      fs.writeFileSync(notVideo, 'this is not a video\n'.repeat(50));
      const empty = path.join(dir, 'empty.mp4');
      fs.writeFileSync(empty, '');
      const missing = path.join(dir, 'missing.mp4');
      const folder = path.join(dir, 'folder.mp4');
      fs.mkdirSync(folder);
      const second = path.join(dir, 'single-copy.mp4');
      fs.copyFileSync(singleFile, second);

      const run = await processSources(store, [notVideo, empty, missing, folder, second], config, deps);
      expect(run).toMatchObject({ ok: 1, failed: 4 });
      const [o1, o2, o3, o4, o5] = run.outcomes;
      expect(o1).toMatchObject({ status: 'failed', resultsStored: false });
      expect(o1!.reason).toMatch(/notes\.mp4/);
      expect(o2!.reason).toBe(`${empty}: the file is empty (0 bytes)`);
      expect(o3!.reason).toBe(`${missing}: no such file`);
      expect(o4!.reason).toBe(`${folder}: not a regular file (a video file was expected)`);
      expect(o5).toMatchObject({ status: 'done', resultsStored: true });
      expect(o5!.tracks).toBeGreaterThanOrEqual(1);

      for (const o of [o1, o2, o3, o4]) {
        const s = store.getSource(o!.sourceId!);
        expect(s.status).toBe('failed');
        expect(s.error).toBe(o!.reason);
        expect(store.listTracks({ sourceId: s.id }).items).toHaveLength(0);
      }
      expect(store.getSource(o3!.sourceId!)).toMatchObject({ sizeBytes: 0, mtimeMs: 0, sha256: null }); // never readable (docs/pipeline.md)
      expect(store.getRun(run.runId)).toMatchObject({ status: 'failed' });
      expect(store.getRun(run.runId).error).toMatch(/^4 of 5 sources failed/);

      // The first run's results are untouched.
      const after = allTracks(store, firstId);
      expect(after.map((t) => [t.track.id, t.detections.length, t.track.lr0DetectionId])).toEqual(before.map((t) => [t.track.id, t.detections.length, t.track.lr0DetectionId]));
      expect(after.map((t) => Array.from(t.fused[0]!.featureVector))).toEqual(before.map((t) => Array.from(t.fused[0]!.featureVector)));
      expect(store.getSource(firstId).status).toBe('done');
    } finally {
      store.close();
    }
  });

  it('rejects invalid arguments before touching the store', async () => {
    const store = openStore(path.join(dir, 'args.sqlite'));
    try {
      await expect(processSource(store, '', config, deps)).rejects.toThrow('processSource: path must be a non-empty string, received ""');
      await expect(processSource(store, singleFile, { ...config }, deps)).rejects.toThrow('processSource: config must be a parsed ProcessConfig (parseProcessConfig)');
      await expect(processSource(store, singleFile, config, deps, { onProgres: () => undefined } as never)).rejects.toThrow(
        'processSource: unknown option "onProgres"; valid options: onProgress, runId',
      );
      expect(store.listSources().items).toHaveLength(0);
    } finally {
      store.close();
    }
  });
});
