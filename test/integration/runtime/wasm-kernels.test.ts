/**
 * The training kernels registered for wasm (src/runtime/wasm-kernels) against the cpu backend's
 * own kernels: gradients of conv2d (filter and input), depthwise conv2d (input) and average
 * pooling, for the configurations NCSN++ uses (3x3 'same', 1x1, FIR 4x4 stride 2 down / stride 1
 * up) and a few others, then the whole DSM-loss gradient of a small NCSN++.
 *
 * Tolerance: max |wasm − cpu| ≤ 1e-5 · max |cpu| per tensor (1e-4 for the whole model). Both sides
 * are float32 sums of up to B·H·W products in different orders (XNNPACK vs naive loops); their
 * rounding differences grow like sqrt(n)·2^-24 ≈ 1e-5 relative for n ≈ 10^4 terms, while any
 * indexing mistake (a wrong tap, pad or flip) gives errors of order 1.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/runtime/backend';
import { registerWasmTrainingKernels } from '../../../src/runtime/wasm-kernels';
import { denoisingScoreMatchingLoss } from '../../../src/sr/losses';
import { parseNcsnppConfig } from '../../../src/sr/model-config';
import { NcsnppModel } from '../../../src/sr/models';
import { SeededNoiseSource } from '../../../src/sr/noise';
import { makeScoreFn } from '../../../src/sr/score-fn';
import { VeSde } from '../../../src/sr/sde';

type GradCase = (inputs: tf.Tensor[]) => tf.Tensor;

function seeded(shape: number[], seed: number): Float32Array {
  return new SeededNoiseSource(seed).normalArray(shape.reduce((a, b) => a * b, 1));
}

/** Gradients of sum(f(inputs) * w) with respect to every input, on the given backend. */
async function gradsOn(backend: 'cpu' | 'wasm', shapes: number[][], f: GradCase, outSeed: number): Promise<Float32Array[]> {
  await initBackend(backend);
  const inputs = shapes.map((s, i) => tf.tensor(seeded(s, 100 + i), s, 'float32'));
  const g = tf.grads((...xs: tf.Tensor[]) => {
    const y = f(xs);
    return tf.sum(tf.mul(y, tf.tensor(seeded(y.shape, outSeed), y.shape, 'float32')));
  });
  const out = g(inputs);
  const data = out.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose([...inputs, ...out]);
  return data;
}

function relErr(expected: Float32Array, actual: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((expected[i] ?? 0) - (actual[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return scale === 0 ? diff : diff / scale;
}

describe('registerWasmTrainingKernels', () => {
  beforeAll(() => {
    registerWasmTrainingKernels();
  });

  it('is idempotent: a second call finds every kernel in place and changes nothing', async () => {
    const again = registerWasmTrainingKernels();
    expect(again.registered).toEqual([]);
    expect(again.replaced).toEqual([]);
    expect([...again.alreadyPresent].sort()).toEqual(['AvgPoolGrad', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropInput']);
    await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  const conv = (strides: number | [number, number], pad: 'same' | 'valid' | tf.backend_util.ExplicitPadding): GradCase => ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad);
  const convCases: [string, number[], number[], GradCase][] = [
    ['3x3 stride 1 same (NCSN++ Conv_0/Conv_1)', [2, 12, 12, 5], [3, 3, 5, 7], conv(1, 'same')],
    ['1x1 (NIN skip Conv_2, Combine Conv_0)', [2, 8, 8, 6], [1, 1, 6, 4], conv(1, 'valid')],
    ['3x3 stride 1 explicit pads (2,0)/(1,1)', [1, 9, 10, 3], [3, 3, 3, 2], conv(1, [[0, 0], [2, 0], [1, 1], [0, 0]])],
    ['3x3 stride 2 same', [2, 11, 12, 3], [3, 3, 3, 4], conv(2, 'same')],
    ['5x4 stride (2,3) valid', [1, 13, 14, 2], [5, 4, 2, 3], conv([2, 3], 'valid')],
  ];
  it.each(convCases)('conv2d gradients match cpu: %s', async (_label, xShape, wShape, f) => {
    const cpu = await gradsOn('cpu', [xShape, wShape], f, 7);
    const wasm = await gradsOn('wasm', [xShape, wShape], f, 7);
    expect(relErr(cpu[0] as Float32Array, wasm[0] as Float32Array)).toBeLessThan(1e-5); // input
    expect(relErr(cpu[1] as Float32Array, wasm[1] as Float32Array)).toBeLessThan(1e-5); // filter
  });

  // Depthwise with a constant filter, as the FIR resampling uses it (gradient to the input only).
  const fir = [1, 3, 3, 1];
  const firFilter = (c: number, m = 1): tf.Tensor4D =>
    tf.tile(tf.tensor4d(fir.flatMap((a) => fir.map((b) => (a * b) / 64)), [4, 4, 1, 1]), [1, 1, c, m]) as tf.Tensor4D;
  const dwCases: [string, number[], GradCase][] = [
    ['FIR down: 4x4 stride 2 pads (1,1)', [2, 16, 16, 6], ([x]) => tf.depthwiseConv2d(x as tf.Tensor4D, firFilter(6), 2, [[0, 0], [1, 1], [1, 1], [0, 0]])],
    ['FIR up: 4x4 stride 1 pads (2,1)', [2, 8, 8, 3], ([x]) => tf.depthwiseConv2d(x as tf.Tensor4D, firFilter(3), 1, [[0, 0], [2, 1], [2, 1], [0, 0]])],
    ['3x3 stride 2 same, channel multiplier 2', [1, 9, 10, 3], ([x]) => tf.depthwiseConv2d(x as tf.Tensor4D, tf.tensor4d(seeded([3, 3, 3, 2], 5), [3, 3, 3, 2]), 2, 'same')],
    ['5x5 stride 1 valid', [2, 9, 9, 2], ([x]) => tf.depthwiseConv2d(x as tf.Tensor4D, tf.tensor4d(seeded([5, 5, 2, 1], 6), [5, 5, 2, 1]), 1, 'valid')],
  ];
  it.each(dwCases)('depthwise conv2d input gradient matches cpu: %s', async (_label, xShape, f) => {
    const cpu = await gradsOn('cpu', [xShape], f, 8);
    const wasm = await gradsOn('wasm', [xShape], f, 8);
    expect(relErr(cpu[0] as Float32Array, wasm[0] as Float32Array)).toBeLessThan(1e-5);
  });

  const poolCases: [string, number[], GradCase][] = [
    ['whole map (GroupNorm, ≤ 16x16)', [2, 16, 16, 4], ([x]) => tf.avgPool(x as tf.Tensor4D, [16, 16], 1, 'valid')],
    ['tiling 4x4 windows (GroupNorm first stage)', [1, 64, 64, 2], ([x]) => tf.avgPool(x as tf.Tensor4D, [4, 4], [4, 4], 'valid')],
    ['overlapping 3x3 stride 1 same (original wasm kernel)', [1, 8, 8, 2], ([x]) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same')],
  ];
  it.each(poolCases)('avgPool gradient matches cpu: %s', async (_label, xShape, f) => {
    const cpu = await gradsOn('cpu', [xShape], f, 9);
    const wasm = await gradsOn('wasm', [xShape], f, 9);
    expect(relErr(cpu[0] as Float32Array, wasm[0] as Float32Array)).toBeLessThan(1e-5);
  });

  it('the DSM loss gradient of a small NCSN++ on wasm equals cpu, every variable, without leaking tensors', async () => {
    // Two levels (FIR down and up blocks), attention at 8x8, feature projection: every layer type, small enough for the cpu backend.
    const config = parseNcsnppConfig({
      imageSize: 16, numChannels: 6, nf: 8, chMult: [1, 2], numResBlocks: 1, attnResolutions: [8], firKernel: [1, 3, 3, 1], fourierScale: 16,
      progressiveInput: 'input_skip', progressiveCombine: 'sum', skipRescale: true, scaleBySigma: true, conditional: true, centered: false,
      sigmaMin: 0.001, sigmaMax: 50, numScales: 10, featDim: 12, dropout: 0, initScale: 0,
    });
    const run = async (backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Map<string, Float32Array>; leaked: number }> => {
      await initBackend(backend);
      const before = tf.memory().numTensors;
      const model = NcsnppModel.random(config, 1);
      const vars = model.trainableVariables();
      const sde = new VeSde({ sigmaMin: 0.001, sigmaMax: 50, N: 10 });
      const scoreFn = makeScoreFn(model, (t) => sde.sigma(t));
      const src = new SeededNoiseSource(9);
      const x0 = src.uniform([2, 16, 16, 3]) as tf.Tensor4D;
      const y = src.uniform([2, 16, 16, 3]) as tf.Tensor4D;
      const feat = src.uniform([2, 12]) as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(
        () => denoisingScoreMatchingLoss(scoreFn, { x0NHWC: x0, yNHWC: y, feat }, { sde, noise: new SeededNoiseSource(3) }),
        [...vars.values()],
      );
      const out = new Map<string, Float32Array>();
      for (const [name, v] of vars) out.set(name, Float32Array.from((grads[v.name] as tf.Tensor).dataSync() as Float32Array));
      const loss = (value.dataSync() as Float32Array)[0] ?? NaN;
      tf.dispose([value, ...Object.values(grads), x0, y, feat]);
      model.dispose();
      return { loss, grads: out, leaked: tf.memory().numTensors - before };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm.leaked).toBe(0);
    expect(cpu.leaked).toBe(0);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
    expect(wasm.grads.size).toBe(cpu.grads.size);
    expect(cpu.grads.size).toBeGreaterThan(50);
    for (const [name, g] of cpu.grads) {
      const err = relErr(g, wasm.grads.get(name) as Float32Array);
      if (!(err < 1e-4)) throw new Error(`gradient of ${name}: relative error ${err}`);
    }
  });
});
