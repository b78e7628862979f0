/**
 * The model card's conditioning ablation (bicubic / true F_M / shuffled F_M / zero F_M) with the
 * tiny reference checkpoint (32x32, featDim 64) on wasm and the authors' fasr-samples probes, and
 * the held-out face loaders. Each SR condition must equal a direct enhanceFaces call with the F_M
 * that condition names and the same seeds, bit for bit; bicubic must be the LR input's own figures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../../src/contracts';
import { loadFasrSampleSrFaces, runConditioningAblation, shuffledFeatureOrder } from '../../../src/eval';
import type { HeldOutSrFace } from '../../../src/eval';
import { createFaceEmbedder, cosineSimilarity, fuseMean } from '../../../src/fuse';
import type { FaceEmbedder } from '../../../src/fuse';
import { degradeLikeAuthors, floatToUint8, psnr, readImageRgb, ssim, uint8ToFloat } from '../../../src/image';
import { initBackend } from '../../../src/runtime/backend';
import { enhanceFaces, loadSrModel } from '../../../src/sr/enhance';
import type { SrModel } from '../../../src/sr/enhance';

const SHARED = path.resolve(__dirname, '../../../../shared');
const TINY = path.join(SHARED, 'fixtures/fasr-reference/tiny');
const SAMPLES = path.join(SHARED, 'data/faces/fasr-samples');
const SAMPLING = { sampler: 'heun', steps: 3 } as const;

let model: SrModel;
let idEmbedder: FaceEmbedder;
let faces: HeldOutSrFace[];

beforeAll(async () => {
  await initBackend('wasm');
  model = await loadSrModel({ model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json') });
  idEmbedder = await createFaceEmbedder('dlib-resnet');
  const set = await loadFasrSampleSrFaces(SAMPLES, { sizePx: 32, featDim: 64, embedder: null, count: 3 });
  // The tiny model's featDim (64) fits no shipped embedder: give each face its own distinct F_M.
  faces = set.faces.map((f, i) => ({ ...f, featureVector: Float32Array.from({ length: 64 }, (_, k) => Math.sin(1 + k * (i + 1)) * 3) }));
}, 120_000);

afterAll(async () => {
  await model.dispose();
  await idEmbedder.close();
});

describe('loadFasrSampleSrFaces', () => {
  it('loads probes in name order at the model size, with zero F_M when no embedder is given', async () => {
    const set = await loadFasrSampleSrFaces(SAMPLES, { sizePx: 32, featDim: 64, embedder: null, count: 3 });
    expect(set.faces.map((f) => f.name)).toEqual(['000001.jpg', '000002.jpg', '000003.jpg']);
    for (const f of set.faces) {
      expect(f.hrHWC.length).toBe(32 * 32 * 3);
      expect(f.lrHWC.length).toBe(32 * 32 * 3);
      expect(f.featureVector.every((v) => v === 0)).toBe(true);
      expect(Math.min(...f.hrHWC)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...f.hrHWC)).toBeLessThanOrEqual(1);
    }
    expect(set.conditioning).toBe('zero F_M');
  });

  it("makes LR_0 by the evaluation's one rule: the authors' degradation of probe_HR, quantised once (not probe_LR)", async () => {
    const set = await loadFasrSampleSrFaces(SAMPLES, { sizePx: 128, featDim: 64, embedder: null, count: 2 });
    for (const f of set.faces) {
      const hr = await readImageRgb(path.join(SAMPLES, 'probe_HR', f.name));
      expect(f.hrHWC).toEqual(uint8ToFloat(hr.rgb));
      expect(f.lrHWC).toEqual(uint8ToFloat(floatToUint8(degradeLikeAuthors(f.hrHWC, 128, { scale: 8 }))));
      const probeLr = await readImageRgb(path.join(SAMPLES, 'probe_LR', f.name));
      expect(psnr(f.lrHWC, uint8ToFloat(probeLr.rgb), 1)).toBeLessThan(60);
    }
  });

  it('fuses the identity LR_imgs with the embedder, and rejects an embedder of the wrong length', async () => {
    const set = await loadFasrSampleSrFaces(SAMPLES, { sizePx: 32, featDim: 128, embedder: idEmbedder, count: 2 });
    const [a, b] = set.faces as [HeldOutSrFace, HeldOutSrFace];
    const dir001 = path.join(SAMPLES, 'LR_imgs/001');
    // The probe's own LR image (probe_LR/000001.jpg) sits in LR_imgs/001 under another name: it must not be fused.
    const probeLr = fs.readFileSync(path.join(SAMPLES, 'probe_LR/000001.jpg'));
    const all = fs.readdirSync(dir001).sort();
    const others = all.filter((f) => !fs.readFileSync(path.join(dir001, f)).equals(probeLr));
    expect(others.length).toBe(all.length - 1);
    const imgs = await Promise.all(others.map((f) => readImageRgb(path.join(dir001, f))));
    expect(a.featureVector).toEqual(fuseMean(await idEmbedder.embed(imgs), idEmbedder.id).featureVector);
    expect(set.conditioning).toMatch(/without the probe's own image \(2 file\(s\) with the bytes of probe_LR\/probe_HR left out\)/);
    expect(cosineSimilarity(a.featureVector, b.featureVector)).toBeLessThan(0.99);
    await expect(loadFasrSampleSrFaces(SAMPLES, { sizePx: 32, featDim: 64, embedder: idEmbedder })).rejects.toThrow(
      new InputError(`fasr-samples ${SAMPLES}: the embedder ${idEmbedder.id} gives 128 values, the model expects 64`),
    );
    await expect(loadFasrSampleSrFaces(path.join(SAMPLES, 'gallery'), { sizePx: 32, featDim: 64, embedder: null })).rejects.toThrow(/no probe_HR folder/);
  }, 60_000);
});

describe('runConditioningAblation', () => {
  it('shuffles by a rotation that leaves no face its own F_M', () => {
    expect(shuffledFeatureOrder(2)).toEqual([1, 0]);
    expect(shuffledFeatureOrder(5)).toEqual([1, 2, 3, 4, 0]);
    expect(() => shuffledFeatureOrder(1)).toThrow('shuffledFeatureOrder: need at least 2 faces to give each another\'s F_M, received 1');
  });

  it('runs each condition with the F_M it names and the same seeds, and measures against HR', async () => {
    const results = await runConditioningAblation(faces, { model, sampling: SAMPLING, identityEmbedder: idEmbedder, seed: 7 });
    expect(results.map((r) => r.condition)).toEqual(['bicubic', 'fm', 'shuffled', 'zero']);
    const byCondition = Object.fromEntries(results.map((r) => [r.condition, r]));

    const bicubic = byCondition.bicubic!;
    faces.forEach((f, i) => {
      expect(bicubic.perFace[i]!.psnrDb).toBeCloseTo(psnr(f.lrHWC, f.hrHWC, 1), 10);
      expect(bicubic.perFace[i]!.ssim).toBeCloseTo(ssim(f.lrHWC, f.hrHWC, { width: 32, height: 32, channels: 3, dataRange: 1 }), 10);
    });
    expect(bicubic.elapsedMs).toBe(0);

    const direct = async (feature: (i: number) => Float32Array | null): Promise<Float32Array[]> =>
      (await enhanceFaces(faces.map((f, i) => ({ lrImageHWC: f.lrHWC, size: 32, featureVector: feature(i), seed: 7 + i })), { ...SAMPLING, model })).map((e) => e.imageHWC);
    const expected = {
      fm: await direct((i) => faces[i]!.featureVector),
      shuffled: await direct((i) => faces[(i + 1) % faces.length]!.featureVector),
      zero: await direct(() => null),
    };
    for (const condition of ['fm', 'shuffled', 'zero'] as const) {
      const r = byCondition[condition]!;
      faces.forEach((f, i) => expect(r.perFace[i]!.psnrDb).toBe(psnr(expected[condition][i]!, f.hrHWC, 1)));
      const ids = await idEmbedder.embed(expected[condition].map((img) => ({ width: 32, height: 32, rgb: floatToUint8(img) })));
      const hrIds = await idEmbedder.embed(faces.map((f) => ({ width: 32, height: 32, rgb: floatToUint8(f.hrHWC) })));
      faces.forEach((_, i) => expect(r.perFace[i]!.identityCosine).toBeCloseTo(cosineSimilarity(ids[i]!, hrIds[i]!), 6));
      expect(r.psnrDb).toBeCloseTo(r.perFace.reduce((a, p) => a + p.psnrDb, 0) / faces.length, 10);
      expect(r.elapsedMs).toBeGreaterThan(0);
    }
    // F_M reaches the network: the three SR conditions give different images.
    expect(byCondition.fm!.perFace[0]!.psnrDb).not.toBe(byCondition.shuffled!.perFace[0]!.psnrDb);
    expect(byCondition.fm!.perFace[0]!.psnrDb).not.toBe(byCondition.zero!.perFace[0]!.psnrDb);
  }, 300_000);
});
