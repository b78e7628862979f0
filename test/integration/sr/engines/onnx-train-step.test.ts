/**
 * The onnx training step (forward + generic regression loss + reverse-mode gradients in one ONNX
 * graph, src/sr/engines/onnx) against tfjs autodiff of the same loss on the tfjs model (wasm
 * backend with the project's training kernels), for every parameter tensor: the tiny reference
 * checkpoint (weights as trained), an nf 16 and an nf 32 model (attention, feature_proj since
 * featDim != 4 nf, initScale 1 so that every layer carries gradient) at 64 px and at 128 px.
 *
 * Tolerances: per tensor max|g_onnx - g_tfjs| / max|g_tfjs| <= 1e-4 (float32 sums in a different
 * order over up to 128*128*B terms; measured <= 3e-5), loss within 1e-5 relative. A weight
 * perturbed by 1e-2 of its scale must break the comparison (so it can fail), and the paper's DSM
 * loss expressed as an instance of the generic loss equals src/sr/losses/dsm-loss.ts within 1e-5.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { registerWasmTrainingKernels } from '../../../../src/runtime/wasm-kernels';
import { loadTorchStateDict } from '../../../../src/sr/checkpoint';
import { createOnnxTrainStep, detectNchwcBlockSize, exportNcsnppTrainOnnx, NCHWC_DOMAIN } from '../../../../src/sr/engines';
import type { NcsnppTrainGraphOptions, OnnxTrainStep } from '../../../../src/sr/engines';
import { denoisingScoreMatchingLoss } from '../../../../src/sr/losses';
import type { NcsnppConfig } from '../../../../src/sr/model-config';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { makeScoreFn } from '../../../../src/sr/score-fn';
import { VeSde } from '../../../../src/sr/sde';
import { DSM_LOSS, disposeRegressionLossInputs, onnxTrainInputs, regressionLossTf } from '../../../../src/sr/train';
import type { RegressionLossInputs } from '../../../../src/sr/train';
import { TINY } from '../models/golden-helpers';

const GRAD_TOL = 1e-4;
const LOSS_TOL = 1e-5;

/** Deterministic pseudo-random values (xorshift), independent of tfjs. */
function values(n: number, seed: number, scale = 1, offset = 0): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 2 ** 32) * scale + offset;
  }
  return out;
}

interface Case {
  readonly model: NcsnppModel;
  readonly batch: { x0NHWC: tf.Tensor4D; yNHWC: tf.Tensor4D; feat: tf.Tensor2D };
  readonly inputs: RegressionLossInputs;
}

function makeCase(model: NcsnppModel, batchSize: number, seed: number): Case {
  const c = model.config;
  const S = c.imageSize;
  const B = batchSize;
  const img = B * S * S * 3;
  const batch = {
    x0NHWC: tf.tensor4d(values(img, seed), [B, S, S, 3]),
    yNHWC: tf.tensor4d(values(img, seed + 1), [B, S, S, 3]),
    feat: tf.tensor2d(values(B * c.featDim, seed + 2, 2, -1), [B, c.featDim]),
  };
  const perB = (v: number[]): tf.Tensor1D => tf.tensor1d(v.slice(0, B));
  const inputs: RegressionLossInputs = {
    xNHWC: tf.tensor4d(values(img, seed + 3), [B, S, S, 3]),
    sigmas: perB([0.7, 4, 0.05, 20]),
    a: perB([0.3, 0.8, 0.1, 0.5]),
    c: perB([0.5, 2, 0.9, 1.5]),
    w: perB([0.25, 0.125, 0.5, 0.2]),
    skipNHWC: tf.tensor4d(values(img, seed + 4), [B, S, S, 3]),
    targetNHWC: tf.tensor4d(values(img, seed + 5, 2, -1), [B, S, S, 3]),
  };
  return { model, batch, inputs };
}

function disposeCase(k: Case): void {
  tf.dispose([k.batch.x0NHWC, k.batch.yNHWC, k.batch.feat]);
  disposeRegressionLossInputs(k.inputs);
  k.model.dispose();
}

/** Parameters as the onnx step takes them: trainable variables (tfjs layout) + the frozen Fourier W. */
function onnxParams(model: NcsnppModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.trainableVariables()) out.set(name, Float32Array.from(v.dataSync() as Float32Array));
  const w = model.toStateDict().get('all_modules.0.W');
  if (w === undefined) throw new Error('no Fourier W');
  out.set('all_modules.0.W', w.data as Float32Array);
  return out;
}

function tfjsGrads(k: Case): { loss: number; grads: Map<string, Float32Array> } {
  const vars = k.model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => regressionLossTf(k.model, k.batch, k.inputs).loss, [...vars.values()]);
  const out = new Map<string, Float32Array>();
  for (const [name, v] of vars) {
    const g = grads[v.name];
    if (g === undefined) throw new Error(`tfjs: no gradient for ${name}`);
    out.set(name, Float32Array.from(g.dataSync() as Float32Array));
  }
  const loss = (value.dataSync() as Float32Array)[0] ?? NaN;
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

/** Per tensor: max |a - b| / max |b|. */
function relErrors(onnx: ReadonlyMap<string, Float32Array>, ref: ReadonlyMap<string, Float32Array>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, r] of ref) {
    const o = onnx.get(name);
    if (o === undefined || o.length !== r.length) throw new Error(`onnx: gradient of ${name} missing or misshapen`);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < r.length; i++) {
      diff = Math.max(diff, Math.abs((o[i] ?? NaN) - (r[i] ?? NaN)));
      scale = Math.max(scale, Math.abs(r[i] ?? 0));
    }
    out.set(name, scale === 0 ? diff : diff / scale);
  }
  return out;
}

const attnConfig = (nf: number, imageSize: number): NcsnppConfig =>
  parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, nf, imageSize, chMult: [1, 2, 2, 2], numResBlocks: 1, attnResolutions: [16], featDim: 40, initScale: 1, numScales: 10 });

describe('onnx training step: gradients equal tfjs autodiff for every parameter', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    registerWasmTrainingKernels();
  });

  async function expectParity(model: NcsnppModel, batchSize: number, seed: number, graph: NcsnppTrainGraphOptions = {}): Promise<void> {
    const k = makeCase(model, batchSize, seed);
    let step: OnnxTrainStep | undefined;
    try {
      step = await createOnnxTrainStep(model.config, { batchSize, graph });
      const ref = tfjsGrads(k);
      const res = await step.run(onnxTrainInputs(k.batch, k.inputs), onnxParams(model));
      expect(Math.abs(res.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThanOrEqual(LOSS_TOL);
      expect([...res.grads.keys()].sort()).toEqual([...ref.grads.keys()].sort());
      const errors = relErrors(res.grads, ref.grads);
      const worst = [...errors].sort((a, b) => b[1] - a[1]).slice(0, 3);
      expect(worst[0]?.[1] ?? Infinity).toBeLessThanOrEqual(GRAD_TOL);
      // Every tensor carries gradient (a zero gradient would compare equal trivially).
      for (const [name, g] of ref.grads) expect([name, g.some((v) => v !== 0)]).toEqual([name, true]);
    } finally {
      await step?.release();
      disposeCase(k);
    }
  }

  it('tiny reference checkpoint (model weights), 32 px, batch 2', async () => {
    const sd = await loadTorchStateDict(path.join(TINY, 'checkpoint.pth'), { weights: 'model' });
    await expectParity(NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, sd), 2, 10);
  }, 120_000);

  it('nf 16 with attention and feature_proj, 64 px, batch 2', async () => {
    await expectParity(NcsnppModel.random(attnConfig(16, 64), 5), 2, 20);
  }, 120_000);

  it('nf 32 with attention and feature_proj, 64 px, batch 2', async () => {
    await expectParity(NcsnppModel.random(attnConfig(32, 64), 6), 2, 30);
  }, 180_000);

  it('nf 16 with attention and feature_proj, 128 px, batch 1', async () => {
    const c = parseNcsnppConfig({ ...attnConfig(16, 128), chMult: [1, 2, 2, 2, 2], attnResolutions: [16] });
    await expectParity(NcsnppModel.random(c, 7), 1, 40);
  }, 240_000);

  it('nf 32 with attention and feature_proj, 128 px, batch 1', async () => {
    const c = parseNcsnppConfig({ ...attnConfig(32, 128), chMult: [1, 2, 2, 2, 2], attnResolutions: [16] });
    await expectParity(NcsnppModel.random(c, 9), 1, 45);
  }, 300_000);

  it.each([
    { convWeightGradient: 'im2col-concat', siluGradient: 'ops', groupNorm: 'ops' },
    { convWeightGradient: 'batched-im2col', groupNorm: 'layer-norm' },
    { convWeightGradient: 'shifted-gemms' },
    { convWeightGradient: 'batched-shifts' },
    { nchwcConvBlock: 0 },
  ] as const)('the other graph forms (%j) give the same gradients, nf 16, 64 px, batch 2', async (graph) => {
    await expectParity(NcsnppModel.random(attnConfig(16, 64), 5), 2, 20, graph);
  }, 120_000);

  it.each([
    [16, 64, 2],
    [32, 64, 2],
  ])("the NCHWc form (3×3 convs in onnxruntime's blocked layout, this machine's block size) gives the same gradients, nf %d, %d px, batch %d", async (nf, px, batch) => {
    const block = await detectNchwcBlockSize();
    expect([8, 16]).toContain(block);
    const model = NcsnppModel.random(attnConfig(nf, px), 5);
    // The option acts: the graph holds blocked convolutions (every 3×3 conv but the 6-channel input and 3-channel output ones).
    const bytes = Buffer.from(exportNcsnppTrainOnnx(model.config, batch, { nchwcConvBlock: block }).bytes);
    expect(bytes.includes(NCHWC_DOMAIN)).toBe(true);
    expect(Buffer.from(exportNcsnppTrainOnnx(model.config, batch).bytes).includes(NCHWC_DOMAIN)).toBe(false);
    await expectParity(model, batch, 20, { nchwcConvBlock: block });
  }, 180_000);

  it('a wrong weight breaks the comparison (the check can fail)', async () => {
    const model = NcsnppModel.random(attnConfig(16, 64), 5);
    const k = makeCase(model, 2, 20);
    const step = await createOnnxTrainStep(model.config, { batchSize: 2 });
    try {
      const ref = tfjsGrads(k);
      const params = onnxParams(model);
      const w = params.get('all_modules.5.Conv_0.weight') as Float32Array;
      const scale = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      w[7] = (w[7] ?? 0) + 1e-2 * scale;
      const res = await step.run(onnxTrainInputs(k.batch, k.inputs), params);
      const errors = relErrors(res.grads, ref.grads);
      expect(Math.max(...errors.values())).toBeGreaterThan(GRAD_TOL);
    } finally {
      await step.release();
      disposeCase(k);
    }
  }, 120_000);

  it('the paper DSM loss as a generic-loss instance equals dsm-loss.ts (Eq. 3) within 1e-5', async () => {
    const config = attnConfig(16, 64);
    const model = NcsnppModel.random(config, 8);
    const sde = new VeSde({ sigmaMin: config.sigmaMin, sigmaMax: config.sigmaMax, N: config.numScales });
    const k = makeCase(model, 2, 50);
    const step = await createOnnxTrainStep(config, { batchSize: 2 });
    try {
      const reference = denoisingScoreMatchingLoss(makeScoreFn(model, (t) => sde.sigma(t)), k.batch, { sde, noise: new SeededNoiseSource(99), eps: 1e-5 });
      const ref = (reference.dataSync() as Float32Array)[0] ?? NaN;
      reference.dispose();
      const inputs = DSM_LOSS.prepare(k.batch, { sde, noise: new SeededNoiseSource(99), eps: 1e-5 });
      const tfLoss = regressionLossTf(model, k.batch, inputs);
      const res = await step.run(onnxTrainInputs(k.batch, inputs), onnxParams(model));
      expect(Math.abs(res.loss - ref) / ref).toBeLessThanOrEqual(LOSS_TOL);
      expect(Math.abs(((tfLoss.loss.dataSync() as Float32Array)[0] ?? NaN) - ref) / ref).toBeLessThanOrEqual(LOSS_TOL);
      tf.dispose([tfLoss.loss, tfLoss.perSample]);
      disposeRegressionLossInputs(inputs);
    } finally {
      await step.release();
      disposeCase(k);
    }
  }, 120_000);

  it('rejects inputs and parameters of the wrong size, naming them', async () => {
    const model = NcsnppModel.random(NCSNPP_PRESETS.tiny, 1);
    const k = makeCase(model, 1, 60);
    const step = await createOnnxTrainStep(model.config, { batchSize: 1 });
    try {
      const good = onnxTrainInputs(k.batch, k.inputs);
      await expect(step.run({ ...good, lossW: new Float32Array(2) }, onnxParams(model))).rejects.toThrow(/input lossW must be a Float32Array of 1 values \(\[1\]\), received 2 values/);
      const params = onnxParams(model);
      params.delete('all_modules.4.Conv_0.weight');
      await expect(step.run(good, params)).rejects.toThrow(InputError);
      await expect(step.run(good, params)).rejects.toThrow(/parameter all_modules.4.Conv_0.weight must be \d+ float32 values .* received nothing/);
    } finally {
      await step.release();
      disposeCase(k);
    }
    await expect(createOnnxTrainStep(NCSNPP_PRESETS.tiny, { batchSize: 0 })).rejects.toThrow(/batchSize must be an integer >= 1, received 0/);
    await expect(createOnnxTrainStep(NCSNPP_PRESETS.tiny, { batchSize: 1, imageSize: 30 })).rejects.toThrow(/imageSize must be a positive multiple of 4 \(2\^\(chMult.length-1\)\), received 30/);
    // A patch side keeps attention at the same level (8 px of 32 -> 4 px of 16).
    const patch = await createOnnxTrainStep(NCSNPP_PRESETS.tiny, { batchSize: 1, imageSize: 16 });
    expect(patch.config.attnResolutions).toEqual([4]);
    await patch.release();
  }, 60_000);
});
