/**
 * The ONNX engine against the tfjs engine on the paper config (128x128, nf 128, 71M parameters)
 * with seeded random weights, batch 2 with noise levels at both ends of the VE schedule. The
 * model is built once for the file. The weights are not the authors' initialisation: with the
 * paper's init_scale 0 every residual branch's last convolution starts at ~1e-10, so the network
 * is nearly the identity on its skip paths and F_M barely matters (a weak test). Instead every
 * weight is N(0, 1/fan_in) (GroupNorm scales 1 + N(0, 0.1^2), biases N(0, 0.1^2)), which keeps
 * activations O(1) through all 65 modules and makes every path count.
 *
 * Tolerance 2e-5 per batch element (max-abs and L2 relative): both are float32 forwards of a
 * 65-module network whose convolutions accumulate up to 3x3x512 = 4608 products in different
 * orders (XNNPACK vs MLAS), so they differ by more than on the tiny model (~3e-7 there); measured
 * 2.2e-6 max-abs and 1.9e-6 L2 (wasm backend vs onnxruntime CPU), so 2e-5 leaves a 10x margin.
 * What it still catches: swapping the two descriptors moves the score by more than 100x the
 * tolerance (checked below).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import type { HostTensor, StateDict } from '../../../../src/sr/checkpoint';
import { OnnxSrEngine } from '../../../../src/sr/engines';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import type { NcsnppConfig } from '../../../../src/sr/model-config';
import { buildNcsnppSpec, ncsnppSigmasBuffer, NcsnppModel } from '../../../../src/sr/models';
import { batchErrors } from '../models/golden-helpers';

/**
 * mulberry32 uniform generator + Box-Muller: seeded N(0,1) draws. Math functions are bound to
 * locals: global lookups inside jest's vm context are slow enough to matter for 71M draws.
 */
function normalGenerator(seed: number): () => number {
  const { imul, sqrt, log, cos, PI } = Math;
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => sqrt(-2 * log(uniform())) * cos(2 * PI * uniform());
}

/** A full state dict for `config` with the O(1)-activation random weights described above. */
function randomStateDict(config: NcsnppConfig, seed: number): StateDict {
  const normal = normalGenerator(seed);
  const sd = new Map<string, HostTensor>();
  for (const p of buildNcsnppSpec(config).params) {
    if (p.buffer) {
      sd.set(p.name, { dtype: 'float64', shape: [...p.shape], data: ncsnppSigmasBuffer(config) });
      continue;
    }
    const n = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isGnScale = p.layout === 'vector' && /GroupNorm_?\d*\.weight$|^all_modules\.\d+\.weight$/.test(p.name);
    if (p.name === 'all_modules.0.W') for (let i = 0; i < n; i++) data[i] = normal() * config.fourierScale;
    else if (p.layout === 'vector') for (let i = 0; i < n; i++) data[i] = (isGnScale ? 1 : 0) + 0.1 * normal();
    else {
      // conv OIHW / linear (out,in): fan_in = n / out; NIN (in,out): fan_in = in.
      const fanIn = p.layout === 'nin' ? (p.shape[0] ?? 1) : n / (p.shape[0] ?? 1);
      const std = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) data[i] = normal() * std;
    }
    sd.set(p.name, { dtype: 'float32', shape: [...p.shape], data });
  }
  return sd;
}

const TOL = 2e-5;
const paper = NCSNPP_PRESETS.paper;

describe('ONNX engine vs tfjs on the paper config (random weights, seed 7)', () => {
  let model: NcsnppModel;
  let onnx: OnnxSrEngine;

  beforeAll(async () => {
    await initBackend('wasm');
    const t0 = performance.now();
    const weights = randomStateDict(paper, 7);
    const t1 = performance.now();
    model = NcsnppModel.fromStateDict(paper, weights);
    const t2 = performance.now();
    onnx = await OnnxSrEngine.fromStateDict(paper, weights);
    if (process.env.FASR_PRINT_ERRORS) process.stderr.write(`weights ${(t1 - t0).toFixed(0)} ms, tfjs model ${(t2 - t1).toFixed(0)} ms, onnx engine ${(performance.now() - t2).toFixed(0)} ms\n`);
  }, 240_000);

  afterAll(async () => {
    model.dispose();
    await onnx.dispose();
  });

  it('gives the tfjs forward within 2e-5 per sample at sigma 0.01 and 150', () => {
    const s = paper.imageSize;
    const x = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const y = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const sigmas = tf.tensor1d([0.01, 150]);
    const feat = tf.randomNormal([2, paper.featDim], 0, 1, 'float32', 13) as tf.Tensor2D;
    const fromTfjs = model.forward(x, y, sigmas, feat);
    const fromOnnx = onnx.forward(x, y, sigmas, feat);
    const ref = fromTfjs.dataSync();
    const err = batchErrors(fromOnnx.dataSync(), ref, 2);
    if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify(err));
    expect(err.maxAbsRel).toBeLessThanOrEqual(TOL);
    expect(err.l2Rel).toBeLessThanOrEqual(TOL);
    // The comparison is sensitive: swapped descriptors are far outside the tolerance.
    const swapped = tf.reverse(feat, 0) as tf.Tensor2D;
    const wrong = onnx.forward(x, y, sigmas, swapped);
    expect(batchErrors(wrong.dataSync(), ref, 2).maxAbsRel).toBeGreaterThan(100 * TOL);
    tf.dispose([x, y, sigmas, feat, fromTfjs, fromOnnx, swapped, wrong]);
  });
});
