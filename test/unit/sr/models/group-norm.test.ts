import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { groupNorm } from '../../../../src/sr/models';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Reference GroupNorm on host data in float64, NHWC. */
function reference(x: Float32Array, [b, h, w, c]: [number, number, number, number], gamma: number[], beta: number[], groups: number, eps: number): number[] {
  const out = new Array<number>(x.length);
  const cg = c / groups;
  for (let n = 0; n < b; n++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < h * w; p++) for (let k = 0; k < cg; k++) idx.push((n * h * w + p) * c + g * cg + k);
      const mean = idx.reduce((s, i) => s + (x[i] ?? 0), 0) / idx.length;
      const variance = idx.reduce((s, i) => s + ((x[i] ?? 0) - mean) ** 2, 0) / idx.length;
      for (const i of idx) {
        const ch = i % c;
        out[i] = (((x[i] ?? 0) - mean) / Math.sqrt(variance + eps)) * (gamma[ch] ?? 0) + (beta[ch] ?? 0);
      }
    }
  }
  return out;
}

describe('groupNorm', () => {
  // 4x5 (small window), 32x32 (two-stage pooling), 20x20 (fallback mean)
  it.each([
    [[2, 4, 5, 8], 2],
    [[1, 32, 32, 16], 4],
    [[2, 20, 20, 12], 3],
  ])('matches torch.nn.GroupNorm semantics for %j with %d groups', (shape, groups) => {
    const [b, h, w, c] = shape as [number, number, number, number];
    const x = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([b, h, w, c], 0, 1, 'float32', 7), 3), 5)) as tf.Tensor4D;
    const gamma = Array.from({ length: c }, (_, i) => 0.5 + i / c);
    const beta = Array.from({ length: c }, (_, i) => (i % 3) - 1);
    const y = groupNorm(x, tf.tensor1d(gamma), tf.tensor1d(beta), groups, 1e-6);
    const ref = reference(x.dataSync() as Float32Array, [b, h, w, c], gamma, beta, groups, 1e-6);
    const got = y.dataSync();
    let maxErr = 0;
    ref.forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs((got[i] ?? NaN) - v))));
    // float32 arithmetic on O(1) values: a few ulps
    expect(maxErr).toBeLessThan(2e-5);
  });
});
