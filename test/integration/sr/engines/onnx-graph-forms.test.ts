/**
 * The 'fast' exported graph form against the 'direct' one and the tfjs model: Winograd F(4x4,3x3)
 * on its own (one convolution, onnxruntime's Conv as the reference), and a whole small NCSN++
 * whose 32 and 64 px convolutions are wide enough to take it (nf 128), with the O(1)-activation
 * random weights of random-state-dict.ts so that every convolution shows in the output.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { exportNcsnppOnnx, OnnxSrEngine, WINOGRAD_MAP_SIZES, WINOGRAD_MIN_CHANNELS } from '../../../../src/sr/engines';
import { OnnxGraphBuilder } from '../../../../src/sr/engines/onnx/onnx-graph-builder';
import { OrtWorkerSession } from '../../../../src/sr/engines/onnx/ort-worker-session';
import { encodeOnnxModel } from '../../../../src/sr/engines/onnx/onnx-proto';
import { emitWinogradConv3x3, winogradFilters } from '../../../../src/sr/engines/onnx/winograd-conv3x3';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { batchErrors } from '../models/golden-helpers';
import { randomStateDict } from './random-state-dict';

/** Seeded uniform [-1, 1). */
function uniforms(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = a / 2 ** 31 - 1;
  }
  return out;
}

/** One 3x3 convolution (pads 1) as a graph: ONNX Conv, or the Winograd emitter. */
function convModel(c: number, o: number, s: number, w: Float32Array, bias: Float32Array, winograd: boolean): Uint8Array {
  const g = new OnnxGraphBuilder();
  let y: string;
  if (winograd) {
    y = emitWinogradConv3x3(g, { v: 'x', c, s }, o, w, bias, { weight: 'w', bias: 'b' });
  } else {
    y = g.op('Conv', ['x', g.floats('w', [o, c, 3, 3], w), g.floats('b', [o], bias)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  }
  g.op('Identity', [y]);
  g.renameLastOutput('y');
  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'test',
    producerVersion: '1',
    docString: '',
    metadata: {},
    graph: g.build('conv', [{ name: 'x', dtype: 'float32', shape: ['batch', c, s, s] }], [{ name: 'y', dtype: 'float32', shape: ['batch', o, s, s] }]),
  });
}

async function runConv(model: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const session = await OrtWorkerSession.create(model, { intraOpNumThreads: 1 });
  try {
    return session.runSync([{ name: 'x', data: x.slice(), dims }], 'y').data;
  } finally {
    await session.release();
  }
}

describe('Winograd F(4x4,3x3) as emitted into the graph', () => {
  it('transforms an identity filter (centre tap 1) to G e G^T, exactly', () => {
    const w = new Float32Array(9);
    w[4] = 1;
    const u = winogradFilters(w, 1, 1);
    // G's middle column is (0, -1/6, 1/6, 1/12, -1/12, 0): U = outer product of it with itself.
    const col = [0, -1 / 6, 1 / 6, 1 / 12, -1 / 12, 0];
    const expected = col.flatMap((a) => col.map((b) => Math.fround(a * b) + 0)); // +0: no negative zeros
    expect(Array.from(u, (v) => v + 0)).toEqual(expected);
  });

  it.each([
    [8, 5, 32, 2],
    [16, 16, 64, 1],
    [3, 7, 4, 3],
  ])('equals onnxruntime Conv (C %i -> O %i, %i px, batch %i) up to float32 rounding', async (c, o, s, b) => {
    const w = uniforms(o * c * 9, 1 + c);
    const bias = uniforms(o, 2 + o);
    const x = uniforms(b * c * s * s, 3 + s);
    const dims = [b, c, s, s];
    const direct = await runConv(convModel(c, o, s, w, bias, false), x, dims);
    const winograd = await runConv(convModel(c, o, s, w, bias, true), x, dims);
    const err = batchErrors(winograd, direct, b);
    expect(err.maxAbsRel).toBeLessThan(1e-5); // measured 2.7e-6 to 3.5e-6 (the ±2 interpolation points amplify rounding)
    // Sensitive: the same weights flipped (a correlation/convolution mix-up) are far off.
    const flipped = new Float32Array(w.length);
    for (let i = 0; i < w.length; i += 9) for (let k = 0; k < 9; k++) flipped[i + k] = w[i + 8 - k] ?? 0;
    const wrong = await runConv(convModel(c, o, s, flipped, bias, true), x, dims);
    expect(batchErrors(wrong, direct, b).maxAbsRel).toBeGreaterThan(1e-2);
  });

  it('rejects a map size that is not a multiple of the tile', () => {
    const g = new OnnxGraphBuilder();
    expect(() => emitWinogradConv3x3(g, { v: 'x', c: 1, s: 6 }, 1, new Float32Array(9), new Float32Array(1), { weight: 'w', bias: 'b' })).toThrow(/map size 6 is not a multiple of 4/);
  });
});

describe("the 'fast' NCSN++ graph", () => {
  // 64 px, nf 128: the 64 and 32 px convolutions have >= 128 channels and take Winograd; 16 px has attention.
  const config = parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, imageSize: 64, nf: 128, chMult: [1, 1, 1], numResBlocks: 1, attnResolutions: [16], featDim: 32 });
  const weights = randomStateDict(config, 3);

  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('uses Winograd, InstanceNormalization and Resize only in the fast form', () => {
    expect(WINOGRAD_MAP_SIZES).toEqual([32, 64]);
    expect(config.nf).toBeGreaterThanOrEqual(WINOGRAD_MIN_CHANNELS);
    const fast = Buffer.from(exportNcsnppOnnx(config, weights, 'fast'));
    const direct = Buffer.from(exportNcsnppOnnx(config, weights, 'direct'));
    for (const op of ['SpaceToDepth', 'DepthToSpace', 'InstanceNormalization', 'Resize']) {
      expect(fast.includes(op)).toBe(true);
      expect(direct.includes(op)).toBe(false);
    }
    expect(direct.includes('ConvTranspose')).toBe(true);
    expect(fast.includes('ConvTranspose')).toBe(false);
  });

  it('gives the tfjs forward within 1e-5 per sample in both forms, and the fast engine is the CPU default', async () => {
    const model = NcsnppModel.fromStateDict(config, weights);
    const byDefault = await OnnxSrEngine.fromStateDict(config, weights);
    const fast = await OnnxSrEngine.fromStateDict(config, weights, { graphForm: 'fast' });
    const direct = await OnnxSrEngine.fromStateDict(config, weights, { graphForm: 'direct' });
    try {
      const s = config.imageSize;
      const x = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
      const y = tf.randomUniform([2, s, s, 3], 0, 1, 'float32', 22) as tf.Tensor4D;
      const sigmas = tf.tensor1d([0.05, 40]);
      const feat = tf.randomNormal([2, config.featDim], 0, 1, 'float32', 23) as tf.Tensor2D;
      const ref = tf.tidy(() => model.forward(x, y, sigmas, feat).dataSync());
      const outs = [fast, direct, byDefault].map((e) => tf.tidy(() => e.forward(x, y, sigmas, feat).dataSync()));
      for (const out of outs) {
        const err = batchErrors(out, ref, 2);
        expect(err.maxAbsRel).toBeLessThanOrEqual(1e-5);
        expect(err.l2Rel).toBeLessThanOrEqual(1e-5);
      }
      // The default is the fast graph: bit-identical to it, and not to the direct one (different kernels).
      expect(outs[2]).toEqual(outs[0]);
      expect(outs[2]).not.toEqual(outs[1]);
      tf.dispose([x, y, sigmas, feat]);
    } finally {
      model.dispose();
      await Promise.all([byDefault.dispose(), fast.dispose(), direct.dispose()]);
    }
  }, 120_000);
});
