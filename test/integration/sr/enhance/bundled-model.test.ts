/**
 * The bundled default model (models/<name>/, issue 10): it loads without --model, its card states
 * what the issue asks (data and licence, steps, wall time, backend, the measured metrics), an SR
 * run on one real face (fasr-samples probe 000001 with its faceres F_M) is deterministic under a
 * seed (bit for bit the same image twice, another image with another seed or another F_M), and its
 * score network has learned to denoise (what training gave it; its full samples are weak, see the card).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadFasrSampleSrFaces } from '../../../../src/eval';
import type { HeldOutSrFace } from '../../../../src/eval';
import { createFaceEmbedder } from '../../../../src/fuse';
import { psnr } from '../../../../src/image';
import { initBackend } from '../../../../src/runtime/backend';
import { BUNDLED_MODELS_DIR, enhanceFaces, listBundledModels, loadSrModel } from '../../../../src/sr/enhance';
import type { SrModel } from '../../../../src/sr/enhance';

const SAMPLES = path.resolve(__dirname, '../../../../../shared/data/faces/fasr-samples');
const SAMPLING = { sampler: 'heun', steps: 4 } as const;

let model: SrModel;
let face: HeldOutSrFace;

beforeAll(async () => {
  await initBackend('wasm');
  model = await loadSrModel();
  const embedder = await createFaceEmbedder('faceres');
  try {
    const set = await loadFasrSampleSrFaces(SAMPLES, { sizePx: model.config.imageSize, featDim: model.config.featDim, embedder, count: 1 });
    face = set.faces[0] as HeldOutSrFace;
  } finally {
    await embedder.close();
  }
}, 120_000);

afterAll(async () => {
  await model.dispose();
});

describe('the bundled model', () => {
  it('is the one model under models/, at most 25 MB, and loads by default with its card', () => {
    const bundled = listBundledModels();
    expect(bundled).toHaveLength(1);
    const dir = path.dirname(bundled[0] as string);
    expect(path.dirname(dir)).toBe(BUNDLED_MODELS_DIR);
    const bytes = fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(25 * 1024 * 1024);
    expect(model.format).toBe('fasr-model');
    expect(model.weightsPath).toBe(path.join(dir, 'model.safetensors'));
    expect(model.config.imageSize).toBe(128);
    expect(model.config.featDim).toBe(1024); // the default embedder (faceres)
    const card = model.card!;
    expect(card.name).toBe(model.id);
    expect(card.steps).toBeGreaterThan(0);
    expect(card.licence).toMatch(/demonstration only/);
    expect(card.data.licence).toMatch(/demonstration only/);
    expect(card.data.datasets.join(' ')).toMatch(/utkface/i);
    expect(card.source).toMatch(/steps, batch \d+, random 64x64 patches, .*backend wasm, [\d.]+ h wall/);
    for (const set of ['val', 'samples']) {
      for (const condition of ['bicubic', 'fm', 'shuffled', 'zero']) {
        for (const metric of ['psnrDb', 'ssim', 'identityCosine']) expect(Number.isFinite(card.metrics[`${set}.${condition}.${metric}`])).toBe(true);
      }
    }
  });

  it('enhances one real face deterministically under a seed', async () => {
    const run = async (seed: number, featureVector: Float32Array | null): Promise<Float32Array> =>
      (await enhanceFaces([{ lrImageHWC: face.lrHWC, size: 128, featureVector, seed }], { ...SAMPLING, model }))[0]!.imageHWC;
    const a = await run(11, face.featureVector);
    const b = await run(11, face.featureVector);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    const otherSeed = await run(12, face.featureVector);
    const zero = await run(11, null);
    expect(Buffer.from(a.buffer).equals(Buffer.from(otherSeed.buffer))).toBe(false);
    expect(Buffer.from(a.buffer).equals(Buffer.from(zero.buffer))).toBe(false);
  }, 300_000);

  it('has learned to denoise: one Tweedie step x + sigma^2 s(x) from the HR face plus noise (sigma 0.2) gains over 8 dB', () => {
    const sigma = 0.2;
    const hr = tf.tensor4d(face.hrHWC, [1, 128, 128, 3]);
    const noisy = tf.add(hr, tf.mul(tf.randomNormal([1, 128, 128, 3], 0, 1, 'float32', 7), sigma)) as tf.Tensor4D;
    const score = model.network.forward(noisy, tf.tensor4d(face.lrHWC, [1, 128, 128, 3]), tf.tensor1d([sigma]), tf.tensor2d(face.featureVector, [1, 1024]));
    const denoised = tf.add(noisy, tf.mul(score, sigma * sigma));
    const before = psnr(noisy.dataSync() as Float32Array, face.hrHWC, 1);
    const after = psnr(denoised.dataSync() as Float32Array, face.hrHWC, 1);
    // Random weights (or a score of the wrong sign or scale) do not gain; the bundled model gains about 15 dB here.
    expect(after - before).toBeGreaterThan(8);
    tf.dispose([hr, noisy, score, denoised]);
  });
});
