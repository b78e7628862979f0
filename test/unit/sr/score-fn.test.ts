import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../src/contracts';
import { initBackend } from '../../../src/runtime/backend';
import type { ScoreNetwork } from '../../../src/sr/score-fn';
import { makeScoreFn, veSigmaFloat32 } from '../../../src/sr/score-fn';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('veSigmaFloat32', () => {
  it('is sigma_min at t=0, sigma_max at t=1, geometric in between', () => {
    const sigma = veSigmaFloat32(0.001, 348);
    const v = Array.from(sigma(tf.tensor1d([0, 0.5, 1])).dataSync());
    expect(v[0]).toBeCloseTo(0.001, 9);
    expect(v[1]).toBeCloseTo(Math.sqrt(0.001 * 348), 5);
    expect(v[2]).toBeCloseTo(348, 3);
  });

  it('rounds the ratio to float32 first, as torch does (0.001 * 348000.0f ** t)', () => {
    const t = Math.fround(0.3);
    const expected = Math.fround(Math.fround(Math.fround(348000) ** t) * Math.fround(0.001));
    const got = veSigmaFloat32(0.001, 348)(tf.tensor1d([t])).dataSync()[0] ?? NaN;
    expect(Math.abs(got - expected) / expected).toBeLessThan(2.5e-7); // within 2 float32 ulps
  });

  it('rejects sigmaMin >= sigmaMax and non-positive values', () => {
    expect(() => veSigmaFloat32(1, 1)).toThrow(new InputError('veSigmaFloat32: expected 0 < sigmaMin < sigmaMax, received sigmaMin=1, sigmaMax=1'));
    expect(() => veSigmaFloat32(0, 1)).toThrow(InputError);
  });
});

describe('makeScoreFn', () => {
  it('passes sigma(t) to the network and returns its output untouched', () => {
    const seen: number[][] = [];
    const fake: ScoreNetwork = {
      forward: (x, _y, sigmas) => {
        seen.push(Array.from(sigmas.dataSync()));
        return tf.mul(x, sigmas.reshape([-1, 1, 1, 1])) as tf.Tensor4D;
      },
    };
    const score = makeScoreFn(fake, (t) => tf.mul(t, 10) as tf.Tensor1D);
    const x = tf.ones([2, 4, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = score(x, x, tf.tensor1d([0.5, 2]), tf.zeros([2, 8]) as tf.Tensor2D);
    expect(seen).toEqual([[5, 20]]);
    expect(Array.from(out.dataSync()).slice(0, 1)).toEqual([5]);
    expect(out.dataSync()[48]).toBe(20);
    out.dispose();
    // the t and feat tensors created in the call above are the only survivors
    expect(tf.memory().numTensors).toBe(before + 2);
  });

  it('rejects a t of the wrong length', () => {
    const fake: ScoreNetwork = { forward: (x) => x.clone() };
    const score = makeScoreFn(fake, veSigmaFloat32(0.001, 348));
    const x = tf.ones([2, 4, 4, 3]) as tf.Tensor4D;
    expect(() => score(x, x, tf.tensor1d([0.5]), tf.zeros([2, 8]) as tf.Tensor2D)).toThrow('score function: t must be [2], received [1]');
  });
});
