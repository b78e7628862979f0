/**
 * The keep-native rule end to end (issue 16): a track whose LR_0 native crop is already ≥ 128 px
 * is not synthesized; its SR output is that crop, stored as 'kept-native' with the reason and the
 * native side; a track with a small LR_0 is enhanced by the bundled model. Re-runs neither
 * duplicate nor lose outputs; turning the rule off (keepNativeMinSidePx null) synthesizes; the
 * export shows the native crop with its reason; the queue's coordinator applies the same rule
 * (no SR job for a kept-native track) and stores the same outputs as an in-process run.
 *
 * Real parts: a SQLite file per test run, real face photos from ../shared/data/faces (a UTKFace
 * aligned face at 161 px, a FASR sample probe at 52 px: the demo's LR_0 sides include both), the
 * bundled model on onnx, a real redis-server with an in-process SR worker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ScoredDetection } from '../../../src/contracts';
import { exportTracks, parseExportOptions } from '../../../src/export';
import { decodeImageRgb, readPngText } from '../../../src/image';
import { loadSrModel, type SrModel } from '../../../src/sr';
import { openStore, type Store } from '../../../src/store';
import { enhanceTracks } from '../../../pipelines';
import { QueueClient, enhanceTrackViaQueue, parseQueueSettings, queuedSrSpec, startQueueWorker, type QueueWorkerHandle } from '../../../pipelines/queue';
import { startRedis, type TestRedis } from '../queue/queue-test-helpers';

const FACES = path.resolve(__dirname, '../../../../shared/data/faces');
const LARGE_FACE = path.join(FACES, 'utkface-aligned/images/100_1_0_20170110183726390.jpg.chip.jpg');
const SMALL_FACE = path.join(FACES, 'fasr-samples/probe_HR/000001.jpg');
const LARGE_PX = 161;
const SMALL_PX = 52;

function detection(frameIndex: number, sidePx: number): ScoredDetection {
  return {
    frameIndex,
    ptsMs: frameIndex * 200,
    bboxXYWH: [10, 10, sidePx, sidePx],
    score: 0.9,
    landmarks: { leftEye: [20, 22], rightEye: [34, 22], nose: [27, 30], mouthLeft: [21, 38], mouthRight: [33, 38] },
    yawDeg: 0,
    pitchDeg: 0,
    rollDeg: 0,
    quality: 0.8,
    sharpness: 100,
    frontalness: 0.9,
  };
}

/** A real face photo as the pipeline's native crop of `sidePx` (PNG). */
async function facePng(file: string, sidePx: number): Promise<Uint8Array> {
  return sharp(file).removeAlpha().resize(sidePx, sidePx, { fit: 'fill' }).png().toBuffer();
}

/** One source with two tracks: LR_0 native crops of 161 px (large) and 52 px (small). */
async function writeTracks(store: Store, sourcePath: string): Promise<{ large: number; small: number }> {
  const src = store.upsertSource({ path: sourcePath, sizeBytes: 1, mtimeMs: 1 });
  const track = async (trackKey: number, file: string, sidePx: number) => ({
    trackKey,
    lr0Index: 0,
    detections: [{ detection: detection(trackKey, sidePx), crops: [{ kind: 'aligned-full', format: 'png' as const, widthPx: sidePx, heightPx: sidePx, image: await facePng(file, sidePx) }], embeddings: [] }],
    fused: [],
  });
  const ids = store.replaceSourceResults(src.id, { tracks: [await track(1, LARGE_FACE, LARGE_PX), await track(2, SMALL_FACE, SMALL_PX)] }).trackIds;
  return { large: ids[0] as number, small: ids[1] as number };
}

let dir: string;
let model: SrModel;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-keep-native-'));
  model = await loadSrModel({ engine: 'onnx' });
}, 120_000);

afterAll(async () => {
  await model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('keep-native: faces already ≥ 128 px are not synthesized', () => {
  const opts = { seed: 3, conditioning: 'zero' as const };

  it('stores the large track\'s native crop as kept-native with its reason, enhances the small one, and re-runs idempotently', async () => {
    const store = openStore(path.join(dir, 'run.sqlite'));
    try {
      const { large, small } = await writeTracks(store, '/footage/cam1.mp4');
      const [kept, enhanced] = await enhanceTracks(store, [large, small], { model, ...opts });
      if (kept === undefined || enhanced === undefined) throw new Error('two results expected');

      expect(kept.inserted).toBe(true);
      expect(kept.face).toBeNull();
      expect(kept.output).toMatchObject({
        method: 'kept-native',
        keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: LARGE_PX },
        steps: 0,
        networkEvaluations: 0,
        backend: 'none',
        engine: 'onnx',
        modelSha256: model.sha256,
        seed: 3,
        conditioning: 'zero',
        widthPx: LARGE_PX,
        heightPx: LARGE_PX,
      });
      // The stored image is the native crop itself, pixel for pixel (not resized, not synthesized).
      const native = store.getTrack(large).crops.find((c) => c.kind === 'aligned-full');
      const a = await decodeImageRgb(kept.output.png);
      const b = await decodeImageRgb(native?.image as Uint8Array);
      expect([a.width, a.height]).toEqual([LARGE_PX, LARGE_PX]);
      expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
      const text = readPngText(kept.output.png);
      expect(text).toMatchObject({ 'fasr:synthesized': 'false', 'fasr:method': 'kept-native', 'fasr:kept-native-reason': 'native-crop-at-least-128px', 'fasr:native-side-px': '161', 'fasr:lr0-crop': 'aligned-full' });
      expect(text.Description).toMatch(/NOT synthesized/);

      expect(enhanced.inserted).toBe(true);
      expect(enhanced.face).not.toBeNull();
      expect(enhanced.output).toMatchObject({ method: 'synthesized', keptNative: null, widthPx: model.config.imageSize });
      expect(enhanced.output.networkEvaluations).toBeGreaterThan(0);
      expect(readPngText(enhanced.output.png)['fasr:synthesized']).toBe('true');

      // Re-running the same request: nothing computed, nothing duplicated, nothing lost.
      const again = await enhanceTracks(store, [large, small], { model, ...opts });
      expect(again.map((r) => [r.srOutputId, r.inserted])).toEqual([
        [kept.srOutputId, false],
        [enhanced.srOutputId, false],
      ]);
      expect(store.listSrOutputs(large)).toHaveLength(1);
      expect(store.listSrOutputs(small)).toHaveLength(1);

      // The option acts: off, the large face is synthesized (a second, synthesized output); on again, the kept one is found.
      const [off] = await enhanceTracks(store, [large], { model, ...opts, keepNativeMinSidePx: null });
      expect(off?.inserted).toBe(true);
      expect(off?.output.method).toBe('synthesized');
      const [on] = await enhanceTracks(store, [large], { model, ...opts });
      expect([on?.srOutputId, on?.inserted]).toEqual([kept.srOutputId, false]);
      // A higher threshold than the face: synthesized, the output made just above is found.
      const [higher] = await enhanceTracks(store, [large], { model, ...opts, keepNativeMinSidePx: 200 });
      expect([higher?.srOutputId, higher?.inserted]).toEqual([off?.srOutputId, false]);
      expect(store.listSrOutputs(large).map((o) => o.method)).toEqual(['kept-native', 'synthesized']);
      await expect(enhanceTracks(store, [large], { model, ...opts, keepNativeMinSidePx: -5 })).rejects.toThrow('enhanceTracks.keepNativeMinSidePx: expected an integer in [1, 4096], received -5');

      // The export: the native crop, labelled not synthesized, with its reason and native size in the manifest.
      const report = await exportTracks(store, parseExportOptions({ outDir: path.join(dir, 'export'), trackIds: [large, small] }));
      const largeDir = report.tracks.find((t) => t.trackId === large)?.dir as string;
      const m = JSON.parse(fs.readFileSync(path.join(largeDir, 'manifest.json'), 'utf8')) as {
        keptNative: Record<string, unknown>[];
        enhanced: { srOutputId: number }[];
        files: { file: string; kind: string; synthesized: boolean }[];
      };
      expect(m.keptNative).toHaveLength(1);
      expect(m.keptNative[0]).toMatchObject({
        file: `native-sr${kept.srOutputId}-kept-native.png`,
        synthesized: false,
        method: 'kept-native',
        reason: 'native-crop-at-least-128px',
        nativeSidePx: LARGE_PX,
        nativeCropKind: 'aligned-full',
        nativeCropFile: 'lr0.png',
        widthPx: LARGE_PX,
        steps: 0,
        networkEvaluations: 0,
        srOutputId: kept.srOutputId,
      });
      expect(m.enhanced.map((e) => e.srOutputId)).toEqual([off?.srOutputId]);
      expect(m.files.find((f) => f.kind === 'kept-native')).toMatchObject({ file: `native-sr${kept.srOutputId}-kept-native.png`, synthesized: false });
      const exported = fs.readFileSync(path.join(largeDir, `native-sr${kept.srOutputId}-kept-native.png`));
      expect(readPngText(exported)['fasr:synthesized']).toBe('false');
      expect(readPngText(exported).Synthesized).toBeUndefined();
      const lr0 = await decodeImageRgb(fs.readFileSync(path.join(largeDir, 'lr0.png')));
      expect(Buffer.from((await decodeImageRgb(exported)).rgb).equals(Buffer.from(lr0.rgb))).toBe(true);
      expect(readPngText(fs.readFileSync(path.join(largeDir, 'contact-sheet.png'))).Description).toBe(
        `fasr track ${large}: crops, LR_0 and 1 SYNTHESIZED enhanced face(s) (red frame); native crop kept, not synthesized (native-crop-at-least-128px)`,
      );
      const csv = fs.readFileSync(path.join(largeDir, 'manifest.csv'), 'utf8');
      expect(csv).toContain(`native-sr${kept.srOutputId}-kept-native.png,kept-native,false,`);
      expect(csv).toMatch(/,kept-native,native-crop-at-least-128px,161\r\n/);
      const index = JSON.parse(fs.readFileSync(path.join(dir, 'export', 'index.json'), 'utf8')) as { tracks: { trackId: number; enhanced: number; keptNative: number }[] };
      expect(index.tracks.map((t) => [t.trackId, t.enhanced, t.keptNative])).toEqual([
        [large, 1, 1],
        [small, 1, 0],
      ]);
    } finally {
      store.close();
    }
  }, 300_000);

  describe('through the queue', () => {
    let redis: TestRedis;
    let worker: QueueWorkerHandle | null = null;
    beforeAll(async () => {
      redis = await startRedis(dir);
    }, 30_000);
    afterAll(async () => {
      await worker?.close();
      await redis.stop();
    });

    it('the coordinator keeps the large track native without a job, a worker enhances the small one; the store equals an in-process run', async () => {
      const settings = parseQueueSettings({ redisUrl: redis.url });
      worker = await startQueueWorker(settings, { role: 'sr', backend: 'cpu' });
      const client = await QueueClient.open(settings);
      const queued = openStore(path.join(dir, 'queued.sqlite'));
      const local = openStore(path.join(dir, 'local.sqlite'));
      try {
        const q = await writeTracks(queued, '/footage/cam2.mp4');
        const l = await writeTracks(local, '/footage/cam2.mp4');
        const spec = queuedSrSpec({ model: null, config: null, engine: 'onnx' }, model, opts);
        expect(spec.keepNativeMinSidePx).toBe(128);
        const kept = await enhanceTrackViaQueue(queued, client, q.large, spec, null);
        expect(kept.receipt).toBeNull();
        expect(kept.inserted).toBe(true);
        const synth = await enhanceTrackViaQueue(queued, client, q.small, spec, null);
        expect(synth.receipt).not.toBeNull();
        // Again: both found in the store, nothing sent.
        expect(await enhanceTrackViaQueue(queued, client, q.large, spec, null)).toMatchObject({ srOutputId: kept.srOutputId, inserted: false, receipt: null });
        expect(await enhanceTrackViaQueue(queued, client, q.small, spec, null)).toMatchObject({ srOutputId: synth.srOutputId, inserted: false, receipt: null });

        const inProcess = await enhanceTracks(local, [l.large, l.small], { model, ...opts });
        const strip = (o: { png: Uint8Array; method: string; keptNative: unknown; steps: number; networkEvaluations: number; sampler: string; widthPx: number }) => ({
          method: o.method,
          keptNative: o.keptNative,
          steps: o.steps,
          networkEvaluations: o.networkEvaluations,
          sampler: o.sampler,
          widthPx: o.widthPx,
        });
        const queuedLarge = queued.getSrOutput(kept.srOutputId);
        expect(strip(queuedLarge)).toEqual(strip(inProcess[0]?.output as never));
        expect(strip(queued.getSrOutput(synth.srOutputId))).toEqual(strip(inProcess[1]?.output as never));
        // The kept-native image: the same pixels (and the same PNG: its text records no store id but the track's).
        expect(Buffer.from((await decodeImageRgb(queuedLarge.png)).rgb).equals(Buffer.from((await decodeImageRgb(inProcess[0]?.output.png as Uint8Array)).rgb))).toBe(true);
      } finally {
        queued.close();
        local.close();
        await client.close();
      }
    }, 300_000);
  });
});
