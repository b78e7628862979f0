import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { downsampleFir2d, upsampleFir2d } from '../../../../src/sr/models';
import { upsampleFir2dDirect } from '../../../../src/sr/models/fir-resample';

const K = [1, 3, 3, 1];

/** [H,W] plane -> [1,H,W,1]. */
const plane = (rows: number[][]): tf.Tensor4D => tf.tensor4d(rows.flat(), [1, rows.length, rows[0]?.length ?? 0, 1]);
const outer = (a: number[], b: number[]): number[][] => a.map((u) => b.map((v) => u * v));

beforeAll(async () => {
  await initBackend('cpu');
});

describe('downsampleFir2d (upfirdn2d_native, down=2, pad (1,1))', () => {
  it('maps an impulse to the kernel taps, 1-D rule out[i] = (x[2i-1] + 3x[2i] + 3x[2i+1] + x[2i+2]) / 8', () => {
    // Impulse 64 at (1,1): out[0] weights x[1] by 3/8, out[1] weights x[1] by 1/8.
    const x = plane([
      [0, 0, 0, 0],
      [0, 64, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const y = downsampleFir2d(x, K);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.dataSync())).toEqual([9, 3, 3, 1]);
  });

  it('pads with zeros at the borders (a constant map loses 1/8 per side)', () => {
    const y = downsampleFir2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, K);
    for (const v of y.dataSync()) expect(v).toBeCloseTo(49 / 64, 7);
  });

  it('filters every channel and batch element independently', () => {
    const a = [
      [0, 0, 0, 0],
      [0, 64, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ];
    // [2,4,4,2]: batch 0 channel 0 = impulse, channel 1 = 0; batch 1 channel 1 = impulse * 2.
    const data: number[] = [];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) data.push(b === 0 ? (a[i]?.[j] ?? 0) : 0, b === 1 ? 2 * (a[i]?.[j] ?? 0) : 0);
    const y = downsampleFir2d(tf.tensor4d(data, [2, 4, 4, 2]), K);
    expect(Array.from(y.dataSync())).toEqual([9, 0, 3, 0, 3, 0, 1, 0, 0, 18, 0, 6, 0, 6, 0, 2]);
  });

  it('flips an asymmetric kernel like upfirdn2d (true convolution)', () => {
    // k = [1,2,3,4]/10; pad (1,1); out[j] = sum_t p[2j+t] k[3-t]; an impulse at x[1] = p[2]
    // gives out[0] = k[1] = 0.2 and out[1] = k[3] = 0.4 per axis.
    const x = plane([
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const y = Array.from(downsampleFir2d(x, [1, 2, 3, 4]).dataSync());
    outer([0.2, 0.4], [0.2, 0.4])
      .flat()
      .forEach((v, i) => expect(y[i]).toBeCloseTo(v, 7));
  });
});

describe('upsampleFir2d (upfirdn2d_native, up=2, kernel*4, pad (2,1))', () => {
  it.each([
    ['fast', upsampleFir2d],
    ['direct', upsampleFir2dDirect],
  ])('1-D rule out[2i] = (x[i-1] + 3x[i]) / 4, out[2i+1] = (3x[i] + x[i+1]) / 4 (%s path)', (_path, up) => {
    const y = up(plane([[16, 0], [0, 0]]), K);
    expect(y.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(y.dataSync())).toEqual(outer([3, 3, 1, 0], [3, 3, 1, 0]).flat());
  });

  it('pads with zeros at the borders', () => {
    const y = upsampleFir2d(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, K);
    const expected = outer([0.75, 1, 1, 0.75], [0.75, 1, 1, 0.75]).flat();
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 7));
  });

  it('handles a non-square batch of several channels', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 3, 2]); // H=1, W=3, C=2
    const y = upsampleFir2d(x, K);
    expect(y.shape).toEqual([1, 2, 6, 2]);
    // Along W, channel 0 = [1,3,5]: [3/4, (3+3)/4, (1+9)/4, (9+5)/4, (3+15)/4, 15/4]; along H the single row
    // gives [3/4, 3/4] weights.
    const w0 = [0.75, 1.5, 2.5, 3.5, 4.5, 3.75];
    const w1 = [1.5, 2.5, 3.5, 4.5, 5.5, 4.5];
    const got = y.arraySync()[0] as number[][][];
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < 6; j++) {
        expect(got[r]?.[j]?.[0]).toBeCloseTo(0.75 * (w0[j] ?? NaN), 6);
        expect(got[r]?.[j]?.[1]).toBeCloseTo(0.75 * (w1[j] ?? NaN), 6);
      }
    }
  });

  it('takes the direct path for other kernels, flipping an asymmetric one like upfirdn2d', () => {
    // k = [1,2,3,4]/10 * 2 per axis, pad (2,1): out[j] = sum_t z[j+t-2] k[3-t]; an impulse at
    // x[0] (= z[0]) gives [k[1], k[2], k[3], 0] = [0.4, 0.6, 0.8, 0] per axis.
    const y = Array.from(upsampleFir2d(plane([[1, 0], [0, 0]]), [1, 2, 3, 4]).dataSync());
    outer([0.4, 0.6, 0.8, 0], [0.4, 0.6, 0.8, 0])
      .flat()
      .forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it('the [1,3,3,1] fast path (bilinear + border mask) equals the literal zero-stuff + convolution', () => {
    const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const fast = upsampleFir2d(x, [2, 6, 6, 2]).dataSync();
    const direct = upsampleFir2dDirect(x, K).dataSync();
    expect(direct.length).toBe(2 * 10 * 12 * 3);
    fast.forEach((v, i) => expect(Math.abs(v - (direct[i] ?? NaN))).toBeLessThan(1e-6));
  });

  it('the fast path has the gradient of the direct path (tfjs ResizeBilinearGrad ignores halfPixelCenters)', () => {
    const x = tf.randomNormal([2, 5, 6, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
    const w = tf.randomNormal([2, 10, 12, 3], 0, 1, 'float32', 13);
    const gFast = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(upsampleFir2d(v as tf.Tensor4D, K), w)))(x).dataSync();
    const gDirect = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(upsampleFir2dDirect(v as tf.Tensor4D, K), w)))(x).dataSync();
    // Without the custom gradient the resize's gradient differs by O(1) here.
    gFast.forEach((v, i) => expect(Math.abs(v - (gDirect[i] ?? NaN))).toBeLessThan(1e-5));
  });

  it('creates no lasting tensors', () => {
    const x = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    tf.dispose([upsampleFir2d(x, K), downsampleFir2d(x, K)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
