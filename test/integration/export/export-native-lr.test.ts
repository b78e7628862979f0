/**
 * A native-LR model (the bundled residual-EDM model) takes a track's aligned crop at the face's own
 * size as LR_0, not the ×8-degraded `lr0-model` crop: the SR output records which crop of the LR_0
 * detection (fasr:lr0-crop, its kind: no row id, so the image does not depend on the store), and the export shows that crop as the model input and re-runs from it, bit for
 * bit. Real SQLite store, a real face crop of fasr-samples at 40 px, onnx engine.
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
import { enhanceTrack } from '../../../pipelines';

const HR = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples/probe_HR/000001.jpg');

const detection: ScoredDetection = {
  frameIndex: 3,
  ptsMs: 600,
  bboxXYWH: [10, 10, 40, 40],
  score: 0.9,
  landmarks: { leftEye: [20, 22], rightEye: [34, 22], nose: [27, 30], mouthLeft: [21, 38], mouthRight: [33, 38] },
  yawDeg: 0,
  pitchDeg: 0,
  rollDeg: 0,
  quality: 0.8,
  sharpness: 100,
  frontalness: 0.9,
};

async function png(size: number): Promise<Uint8Array> {
  return sharp(HR).removeAlpha().resize(size, size, { fit: 'fill' }).png().toBuffer();
}

async function writeTrack(store: Store, sourcePath: string, nativePng: Uint8Array, modelPng: Uint8Array | null): Promise<number> {
  const src = store.upsertSource({ path: sourcePath, sizeBytes: 1, mtimeMs: 1 });
  const crops = [
    { kind: 'aligned-full', format: 'png' as const, widthPx: 40, heightPx: 40, image: nativePng },
    ...(modelPng === null ? [] : [{ kind: 'lr0-model', format: 'png' as const, widthPx: 128, heightPx: 128, image: modelPng }]),
  ];
  const [id] = store.replaceSourceResults(src.id, { tracks: [{ trackKey: 1, lr0Index: 0, detections: [{ detection, crops, embeddings: [] }], fused: [] }] }).trackIds;
  return id as number;
}

let dir: string;
let model: SrModel;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-export-native-'));
  model = await loadSrModel({ engine: 'onnx' });
}, 120_000);

afterAll(async () => {
  await model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('export of an SR output made by a native-LR model', () => {
  it('shows and re-runs from the crop the model actually took (aligned-full at 40 px), not lr0-model', async () => {
    expect(model.formulation).toMatchObject({ kind: 'residual-edm', lrInput: 'native' });
    const store = openStore(path.join(dir, 'a.sqlite'));
    try {
      const trackId = await writeTrack(store, '/footage/cam.mp4', await png(40), await png(128));
      const sr = await enhanceTrack(store, trackId, { model, seed: 3, conditioning: 'zero' });
      const text = readPngText(sr.output.png);
      expect(text['fasr:lr0-crop']).toBe('aligned-full');
      expect(text['fasr:lr0-input']).toBe('aligned-full, 40 px native');

      const report = await exportTracks(store, parseExportOptions({ outDir: path.join(dir, 'out'), trackIds: [trackId] }));
      const trackDir = report.tracks[0]?.dir as string;
      const m = JSON.parse(fs.readFileSync(path.join(trackDir, 'manifest.json'), 'utf8')) as {
        lr0: { modelInputFile: string; modelInputCropKind: string };
        enhanced: { file: string; rerun: { lr0File: string; enhanceTrackOptions: Record<string, unknown> } }[];
      };
      expect(m.lr0).toMatchObject({ modelInputFile: 'lr0-input-aligned-full.png', modelInputCropKind: 'aligned-full' });
      const e = m.enhanced[0];
      expect(e?.rerun.lr0File).toBe('lr0-input-aligned-full.png');
      const input = await decodeImageRgb(fs.readFileSync(path.join(trackDir, e?.rerun.lr0File as string)));
      expect([input.width, input.height]).toEqual([40, 40]);

      // Re-run from the export alone (the input crop, the options): the same pixels.
      const fresh = openStore(path.join(dir, 'rerun.sqlite'));
      try {
        const again = await writeTrack(fresh, '/elsewhere/copy.mp4', fs.readFileSync(path.join(trackDir, e?.rerun.lr0File as string)), null);
        const out = await enhanceTrack(fresh, again, { model, ...e?.rerun.enhanceTrackOptions });
        const a = await decodeImageRgb(fs.readFileSync(path.join(trackDir, e?.file as string)));
        const b = await decodeImageRgb(out.output.png);
        expect(Buffer.from(b.rgb).equals(Buffer.from(a.rgb))).toBe(true);
      } finally {
        fresh.close();
      }
    } finally {
      store.close();
    }
  }, 120_000);
});
