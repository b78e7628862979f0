/**
 * The residual-EDM formulation (src/sr/formulation.ts) on a real NCSN++ (tiny config, random
 * weights, scaleBySigma false): the preconditioning identities, the score the samplers see, the
 * final image = up(LR_0) + r, the model file round trip, and the refusal of a score-scaled network.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/runtime/backend';
import { DEFAULT_RESIDUAL_SR_SAMPLER, enhanceFaces, loadSrModel, NcsnppModel, NCSNPP_PRESETS, saveModelFile } from '../../../src/sr';
import { edmPreconditioning, formulationOutput, formulationScoreNetwork, guidedNetwork, parseSrFormulation, residualEdmDenoise } from '../../../src/sr/formulation';
import { modelLrFromCrop, nativeModelLr } from '../../../src/sr/enhance/model-lr-from-crop';
import { upsampleLrFace } from '../../../src/image';

const config = { ...NCSNPP_PRESETS.tiny, scaleBySigma: false, sigmaMin: 0.002, sigmaMax: 1 };
const formulation = { kind: 'residual-edm', sigmaData: 0.1, lrInput: 'native' } as const;
let tmp: string;

beforeAll(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-formulation-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const card = (name: string) => ({
  name,
  description: 'test',
  architecture: 'NCSN++ tiny',
  source: 'random',
  data: { datasets: ['none'], licence: 'none' },
  licence: 'MIT',
  intendedUse: 'tests',
  limitations: 'random weights',
  steps: 0,
  metrics: {},
  createdAt: new Date().toISOString(),
});

describe('residual-EDM formulation', () => {
  it('parses with defaults, refuses unknown kinds and keys', () => {
    expect(parseSrFormulation(undefined)).toEqual({ kind: 'vesde-score' });
    expect(parseSrFormulation(formulation)).toEqual(formulation);
    expect(() => parseSrFormulation({ kind: 'x0' })).toThrow(/formulation/);
    expect(() => parseSrFormulation({ ...formulation, extra: 1 })).toThrow(/extra/);
    expect(() => parseSrFormulation({ ...formulation, sigmaData: -1 })).toThrow(/sigmaData/);
  });

  it('EDM coefficients: c_skip → 1 and c_out → 0 as σ → 0; D is unit-variance-preserving (c_skip² σ_d² + c_out² = σ_d²) ', () => {
    const small = edmPreconditioning(1e-6, 0.1);
    expect(small.cSkip).toBeCloseTo(1, 6);
    expect(small.cOut).toBeCloseTo(0, 5);
    for (const s of [0.002, 0.05, 0.1, 1]) {
      const p = edmPreconditioning(s, 0.1);
      // Var of c_skip (r + σn) − r for r ~ σ_d: (c_skip − 1)² σ_d² + c_skip² σ² = c_out².
      expect((p.cSkip - 1) ** 2 * 0.01 + p.cSkip ** 2 * s * s).toBeCloseTo(p.cOut ** 2, 10);
      expect(p.cIn).toBeCloseTo(1 / Math.sqrt(s * s + 0.01), 12);
    }
  });

  it('the samplers see the score (D − r)/σ² of a real network; the enhanced face is up(LR_0) + r', () => {
    const net = NcsnppModel.random(config, 3);
    try {
      const b = 2;
      const s = config.imageSize;
      const r = tf.randomNormal([b, s, s, 3], 0, 0.1, 'float32', 1) as tf.Tensor4D;
      const y = tf.randomUniform([b, s, s, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const sig = tf.tensor1d([0.05, 0.7]);
      const feat = tf.randomNormal([b, config.featDim], 0, 1, 'float32', 4) as tf.Tensor2D;
      const d = residualEdmDenoise(net, 0.1, r, y, sig, feat);
      const score = formulationScoreNetwork(net, formulation).forward(r, y, sig, feat);
      const back = tf.add(r, tf.mul(score, tf.reshape(tf.square(sig), [b, 1, 1, 1])));
      expect(tf.max(tf.abs(tf.sub(back, d))).dataSync()[0]).toBeLessThan(1e-5);
      // The network is really called with c_in r: doubling σ_d changes D.
      const d2 = residualEdmDenoise(net, 0.2, r, y, sig, feat);
      expect(tf.max(tf.abs(tf.sub(d2, d))).dataSync()[0]).toBeGreaterThan(1e-4);
      const out = formulationOutput(formulation, r, y);
      expect(tf.max(tf.abs(tf.sub(out, tf.add(r, y)))).dataSync()[0]).toBe(0);
      expect(formulationScoreNetwork(net, { kind: 'vesde-score' })).toBe(net);
      tf.dispose([r, y, sig, feat, d, d2, score, back, out]);
    } finally {
      net.dispose();
    }
  });

  it('a model file carries its formulation to loadSrModel and enhanceFaces; one-step Heun returns up(LR_0) + D at σ_max', async () => {
    const net = NcsnppModel.random(config, 5);
    const dir = path.join(tmp, 'residual');
    await saveModelFile(dir, net.toStateDict(), config as never, card('tiny-residual'), { formulation });
    net.dispose();
    const model = await loadSrModel({ model: dir, engine: 'tfjs' });
    try {
      expect(model.formulation).toEqual(formulation);
      const s = config.imageSize;
      const lr = new Float32Array(s * s * 3).map((_, i) => (i % 97) / 97);
      const [face] = await enhanceFaces([{ lrImageHWC: lr, size: s, featureVector: new Float32Array(config.featDim), seed: 0 }], { model, sampler: 'heun', steps: 1 });
      expect(face?.networkEvaluations).toBe(1);
      // Untrained, D is small near σ_max: the face stays near up(LR_0), far from the noise it started from.
      let err = 0;
      face?.imageHWC.forEach((v, i) => (err += Math.abs(v - (lr[i] ?? 0))));
      expect(err / lr.length).toBeLessThan(0.2);
      // No sampler named: the residual formulation's measured default (Heun, DEFAULT_RESIDUAL_SR_SAMPLER), not the paper models' adaptive solver.
      const [byDefault] = await enhanceFaces([{ lrImageHWC: lr, size: s, featureVector: null, seed: 0 }], { model });
      expect(byDefault?.samplerName).toBe(DEFAULT_RESIDUAL_SR_SAMPLER.sampler);
      expect(byDefault?.networkEvaluations).toBe(2 * Number(DEFAULT_RESIDUAL_SR_SAMPLER.steps) - 1);
    } finally {
      await model.dispose();
    }
  });

  it('guidance: w = 1 is the conditional network, w = 0 the null descriptor, and w = 2 extrapolates', () => {
    // initScale 1: the blocks' last convolutions are not ~0, so F_M reaches the output.
    const net = NcsnppModel.random({ ...config, initScale: 1 }, 9);
    try {
      const s = config.imageSize;
      const x = tf.randomNormal([2, s, s, 3], 0, 0.1, 'float32', 1) as tf.Tensor4D;
      const y = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
      const sig = tf.tensor1d([0.1, 0.5]);
      const feat = tf.randomNormal([2, config.featDim], 0, 3, 'float32', 4) as tf.Tensor2D;
      const cond = net.forward(x, y, sig, feat);
      const nul = net.forward(x, y, sig, tf.zerosLike(feat));
      const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? NaN;
      expect(maxDiff(cond, nul)).toBeGreaterThan(1e-4);
      expect(maxDiff(guidedNetwork(net, 1).forward(x, y, sig, feat), cond)).toBeLessThan(1e-4);
      expect(maxDiff(guidedNetwork(net, 0).forward(x, y, sig, feat), nul)).toBeLessThan(1e-4);
      expect(maxDiff(guidedNetwork(net, 2).forward(x, y, sig, feat), tf.sub(tf.mul(cond, 2), nul))).toBeLessThan(1e-4);
    } finally {
      net.dispose();
    }
  });

  it('native LR_0: a small crop is upsampled once (no ×8 degradation), a large one resized down', () => {
    const small = { width: 16, height: 16, rgb: new Uint8Array(16 * 16 * 3).map((_, i) => 60 + Math.round(40 * Math.sin(i / 50))) };
    const lr = nativeModelLr(small, 32);
    const up = upsampleLrFace(small.rgb, 16, 32);
    lr.forEach((v, i) => expect(Math.abs(v - (up[i] ?? 0))).toBeLessThanOrEqual(0.5 / 255 + 1e-7));
    expect(modelLrFromCrop(small, 32, 8, formulation)).toEqual(lr);
    // The paper's rule degrades the same crop further (to 4 px): a different, blurrier input.
    expect(modelLrFromCrop(small, 32, 8)).not.toEqual(lr);
    const big = { width: 64, height: 64, rgb: new Uint8Array(64 * 64 * 3).fill(200) };
    expect(nativeModelLr(big, 32).every((v) => Math.abs(v - 200 / 255) < 1e-6)).toBe(true);
  });

  it('refuses guidance for a paper-recipe model (it never saw the null F_M)', async () => {
    const net = NcsnppModel.random(NCSNPP_PRESETS.tiny, 5);
    const dir = path.join(tmp, 'paper');
    await saveModelFile(dir, net.toStateDict(), NCSNPP_PRESETS.tiny as never, card('tiny-paper'));
    net.dispose();
    const model = await loadSrModel({ model: dir, engine: 'tfjs' });
    try {
      const s = NCSNPP_PRESETS.tiny.imageSize;
      await expect(enhanceFaces([{ lrImageHWC: new Float32Array(s * s * 3), size: s, featureVector: null, seed: 0 }], { model, sampler: 'heun', steps: 1, guidance: 2 })).rejects.toThrow(/guidance/);
    } finally {
      await model.dispose();
    }
  });

  it('refuses a residual-edm model whose network divides by σ', async () => {
    const bad = { ...config, scaleBySigma: true };
    const net = NcsnppModel.random(bad, 5);
    const dir = path.join(tmp, 'bad');
    await saveModelFile(dir, net.toStateDict(), bad as never, card('tiny-bad'), { formulation });
    net.dispose();
    await expect(loadSrModel({ model: dir, engine: 'tfjs' })).rejects.toThrow(/scaleBySigma false/);
  });
});
