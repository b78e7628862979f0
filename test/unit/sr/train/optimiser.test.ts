import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { InputError } from '../../../../src/contracts';
import { AdamOptimizer, ExponentialMovingAverage, clipGradsByGlobalNorm, emaDecayAt, scheduledLr, warmupLr } from '../../../../src/sr/train';

beforeAll(async () => {
  await initBackend('cpu');
});

const f32 = Math.fround;

describe('AdamOptimizer', () => {
  it('two steps equal torch.optim.Adam computed by hand (lerp first moment, bias corrections, eps outside the sqrt)', () => {
    const p = tf.variable(tf.tensor1d([0.5, -1.25, 2]));
    const vars = new Map([['w', p]]);
    const adam = new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const g1 = [0.1, -2, 0];
    const g2 = [-0.3, 1, 1e-3];
    const lr = 0.01;
    // Hand computation in float64 (torch's arithmetic is float32; agreement to ~1e-7 relative).
    let m = [0, 0, 0];
    let v = [0, 0, 0];
    let w = [0.5, -1.25, 2];
    [g1, g2].forEach((g, k) => {
      const t = k + 1;
      m = m.map((mi, i) => mi + ((g[i] ?? 0) - mi) * (1 - 0.9));
      v = v.map((vi, i) => 0.999 * vi + 0.001 * (g[i] ?? 0) ** 2);
      const stepSize = lr / (1 - 0.9 ** t);
      const bc2 = Math.sqrt(1 - 0.999 ** t);
      w = w.map((wi, i) => wi - (stepSize * (m[i] ?? 0)) / (Math.sqrt(v[i] ?? 0) / bc2 + 1e-8));
      const grad = tf.tensor1d(g);
      adam.apply(vars, new Map([['w', grad]]), lr);
      grad.dispose();
    });
    const got = Array.from(p.dataSync());
    w.forEach((wi, i) => expect(Math.abs((got[i] ?? NaN) - wi)).toBeLessThan(2e-7 * Math.max(1, Math.abs(wi))));
    // First step moves each coordinate by lr·sign(g) (m̂/sqrt(v̂) = ±1): here w0 after 2 steps is 0.5 − 0.01 − ...
    expect(got[0]).not.toBeCloseTo(0.5, 4);
    expect(got[2]).toBeLessThan(2); // a zero gradient then a positive one
    expect(adam.updates).toBe(2);
    const { m: mm, v: vv } = adam.moments();
    const mGot = Array.from((mm.get('w') as tf.Tensor).dataSync());
    m.forEach((mi, i) => expect(Math.abs((mGot[i] ?? NaN) - mi)).toBeLessThan(1e-7));
    expect(Math.abs(((vv.get('w') as tf.Tensor).dataSync()[1] ?? 0) - (v[1] ?? 0))).toBeLessThan(1e-8);
    adam.dispose();
    p.dispose();
  });

  it('rejects a missing or misshapen gradient before changing anything', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const adam = new AdamOptimizer({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(() => adam.apply(new Map([['w', p]]), new Map(), 0.1)).toThrow(/no gradient for variable "w"/);
    const bad = tf.tensor1d([1, 2, 3]);
    expect(() => adam.apply(new Map([['w', p]]), new Map([['w', bad]]), 0.1)).toThrow(InputError);
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
    expect(adam.updates).toBe(0);
    expect(() => new AdamOptimizer({ beta1: 1, beta2: 0.999, eps: 1e-8 })).toThrow(/beta1, beta2 in \[0, 1\)/);
    tf.dispose([p, bad]);
  });
});

describe('ExponentialMovingAverage', () => {
  it('uses decay min(rate, (1+n)/(10+n)) with n counted from 1, as score_sde', () => {
    expect(emaDecayAt(0.999, 1)).toBeCloseTo(2 / 11, 15);
    expect(emaDecayAt(0.999, 2)).toBeCloseTo(3 / 12, 15);
    expect(emaDecayAt(0.999, 100000)).toBe(0.999);
    const p = tf.variable(tf.tensor1d([0, 10]));
    const vars = new Map([['w', p]]);
    const ema = new ExponentialMovingAverage(vars, 0.999);
    p.assign(tf.tensor1d([1, 20]));
    ema.update(vars); // s = s − (1 − 2/11)(s − p)
    const d1 = 2 / 11;
    const s1 = [0 - (1 - d1) * (0 - 1), 10 - (1 - d1) * (10 - 20)];
    expect(Array.from((ema.shadow.get('w') as tf.Tensor).dataSync())).toEqual(s1.map(f32));
    p.assign(tf.tensor1d([3, -4]));
    ema.update(vars);
    const d2 = 3 / 12;
    const s2 = s1.map((s, i) => s - (1 - d2) * (s - ([3, -4][i] ?? 0)));
    const got = Array.from((ema.shadow.get('w') as tf.Tensor).dataSync());
    s2.forEach((s, i) => expect(Math.abs((got[i] ?? NaN) - s)).toBeLessThan(1e-6));
    expect(ema.numUpdates).toBe(2);
    // The shadow is a copy: the variable is not changed by the average.
    expect(Array.from(p.dataSync())).toEqual([3, -4]);
    ema.dispose();
    p.dispose();
  });
});

describe('clipGradsByGlobalNorm', () => {
  it('scales every gradient by maxNorm/(norm+1e-6) when the global norm exceeds maxNorm, and leaves small ones alone', () => {
    const before = tf.memory().numTensors;
    const grads = new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor2d([[0, 4]])],
    ]);
    const big = clipGradsByGlobalNorm(grads, 1);
    expect(big.norm).toBeCloseTo(5, 6);
    expect(big.scale).toBeCloseTo(1 / (5 + 1e-6), 12);
    expect(Array.from((big.grads.get('a') as tf.Tensor).dataSync())[0]).toBeCloseTo(3 / 5, 6);
    expect(Array.from((big.grads.get('b') as tf.Tensor).dataSync())[1]).toBeCloseTo(4 / 5, 6);
    const small = clipGradsByGlobalNorm(grads, 10);
    expect(small.scale).toBe(1);
    expect(Array.from((small.grads.get('b') as tf.Tensor).dataSync())).toEqual([0, 4]);
    tf.dispose([...grads.values(), ...big.grads.values(), ...small.grads.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses NaN gradients and a non-positive maxNorm', () => {
    const g = new Map([['a', tf.tensor1d([NaN, 1])]]);
    expect(() => clipGradsByGlobalNorm(g, 1)).toThrow(/gradient norm is NaN/);
    expect(() => clipGradsByGlobalNorm(g, 0)).toThrow(/maxNorm must be > 0/);
    tf.dispose([...g.values()]);
  });
});

describe('warmupLr', () => {
  it('is lr·min(step/warmup, 1) at the 0-based step about to be taken (the first update has lr 0)', () => {
    expect(warmupLr(2e-4, 5000, 0)).toBe(0);
    expect(warmupLr(2e-4, 5000, 1)).toBeCloseTo(4e-8, 20);
    expect(warmupLr(2e-4, 5000, 2500)).toBeCloseTo(1e-4, 15);
    expect(warmupLr(2e-4, 5000, 9000)).toBe(2e-4);
    expect(warmupLr(2e-4, 0, 0)).toBe(2e-4);
  });
});

describe('scheduledLr', () => {
  const decay = { startStep: 1000, steps: 200, finalLr: 2e-5 };
  it('is the warmup lr with no anneal, and up to the anneal\'s start', () => {
    for (const step of [0, 100, 500, 1000]) expect(scheduledLr(2e-4, 500, decay, step)).toBe(warmupLr(2e-4, 500, step));
    expect(scheduledLr(2e-4, 500, null, 5000)).toBe(2e-4);
  });
  it('falls along a half cosine to finalLr and stays there', () => {
    expect(scheduledLr(2e-4, 500, decay, 1100)).toBeCloseTo(1.1e-4, 15); // half way: the mean of lr and finalLr
    expect(scheduledLr(2e-4, 500, decay, 1050)).toBeCloseTo(2e-5 + 1.8e-4 * (1 + Math.cos(Math.PI / 4)) / 2, 15);
    expect(scheduledLr(2e-4, 500, decay, 1200)).toBeCloseTo(2e-5, 15);
    expect(scheduledLr(2e-4, 500, decay, 99999)).toBeCloseTo(2e-5, 15);
    const lrs = [...Array(201).keys()].map((k) => scheduledLr(2e-4, 500, decay, 1000 + k));
    expect(lrs.every((v, i) => i === 0 || v <= (lrs[i - 1] as number))).toBe(true);
  });
  it('never exceeds the warmup lr when the anneal starts inside the warmup', () => {
    expect(scheduledLr(2e-4, 500, { startStep: 0, steps: 1000, finalLr: 1e-5 }, 10)).toBe(warmupLr(2e-4, 500, 10));
  });
});
