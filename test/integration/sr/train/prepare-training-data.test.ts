/**
 * Training-data preparation on real UTKFace faces (../shared/data/faces/utkface-aligned) plus one
 * image without a face: the project's detector (Human, wasm) and canonical alignment, LR exactly
 * degradeLikeAuthors(HR) quantised once, descriptors of HR and mirrored HR with the configured
 * embedder (LBP here: deterministic and quick), the skipped image reported with its reason, a
 * seeded split that partitions the faces, and the cache reused on a second call.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../../../src/runtime/backend';
import { createFaceEmbedder } from '../../../../src/fuse/embedders';
import { degradeLikeAuthors, floatToUint8, uint8ToFloat, writePng } from '../../../../src/image';
import { flipHorizontalHWC, loadTrainingData, prepareTrainingData } from '../../../../src/sr/train';

const UTK = path.resolve(__dirname, '../../../../../shared/data/faces/utkface-aligned/images');

let tmp: string;
let sourceDir: string;

beforeAll(async () => {
  await initBackend('wasm');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-prep-'));
  sourceDir = path.join(tmp, 'faces');
  fs.mkdirSync(sourceDir);
  const names = fs.readdirSync(UTK).sort().slice(0, 5);
  for (const n of names) fs.copyFileSync(path.join(UTK, n), path.join(sourceDir, n));
  // A flat grey image: no face in it.
  await writePng(path.join(sourceDir, 'zz-no-face.png'), { width: 64, height: 64, rgb: new Uint8Array(64 * 64 * 3).fill(128) });
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('prepareTrainingData', () => {
  it('detects, aligns to 128 px, degrades like the authors, embeds HR and mirrored HR, reports the face-less image, splits and caches', async () => {
    const outDir = path.join(tmp, 'prepared');
    const progress: number[] = [];
    const cfg = { sourceDir, outDir, embedder: 'lbp', validationFraction: 0.25, splitSeed: 3 };
    const res = await prepareTrainingData(cfg, (p) => progress.push(p.done));
    expect(res.reused).toBe(false);
    const m = res.manifest;
    expect(m.inputCount).toBe(6);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.skipped).toEqual([{ file: 'zz-no-face.png', reason: 'no face detected' }]);
    expect(m.files.length + m.skipped.length).toBe(6);
    expect(m.files.length).toBeGreaterThanOrEqual(4); // UTKFace crops are aligned faces; Human finds nearly all
    expect(m.hrSizePx).toBe(128);
    expect(m.embedder.name).toBe('lbp');
    expect(m.detectorId).toMatch(/human/i);
    const n = m.files.length;
    expect(m.split.validation).toHaveLength(Math.round(0.25 * n));
    expect([...m.split.train, ...m.split.validation].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);

    const data = loadTrainingData(outDir);
    const row = 128 * 128 * 3;
    expect(data.hr.length).toBe(n * row);
    const embedder = await createFaceEmbedder('lbp');
    try {
      for (let i = 0; i < n; i++) {
        const hr = data.hr.subarray(i * row, (i + 1) * row);
        // LR is exactly the authors' degradation of the stored HR, quantised once.
        const lr = floatToUint8(degradeLikeAuthors(uint8ToFloat(hr), 128, { scale: 8 }));
        expect(Buffer.compare(Buffer.from(lr), Buffer.from(data.lr.subarray(i * row, (i + 1) * row)))).toBe(0);
        const [f, ff] = await embedder.embed([
          { width: 128, height: 128, rgb: hr },
          { width: 128, height: 128, rgb: flipHorizontalHWC(hr, 128, 128, 3) },
        ]);
        const d = m.embedder.dim;
        expect(Array.from(data.features.subarray(i * d, (i + 1) * d))).toEqual(Array.from(f as Float32Array));
        expect(Array.from(data.featuresFlipped.subarray(i * d, (i + 1) * d))).toEqual(Array.from(ff as Float32Array));
      }
    } finally {
      await embedder.close();
    }
    // An aligned face is not a blank image, and not the 200x200 source merely resized (the crop re-frames it).
    expect(new Set(data.hr.subarray(0, row)).size).toBeGreaterThan(100);

    const again = await prepareTrainingData(cfg);
    expect(again.reused).toBe(true);
    expect(again.manifest.createdAt).toBe(m.createdAt);
  });

  it('fails clearly on a folder without images', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    await expect(prepareTrainingData({ sourceDir: empty, outDir: path.join(tmp, 'o') })).rejects.toThrow(/no images \(.jpg, .jpeg, .png, .webp\) in/);
  });
});
