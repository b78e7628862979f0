import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/runtime/backend';
import type { ScoreNetwork } from '../../../src/sr/score-fn';
import { makeScoreFn } from '../../../src/sr/score-fn';
import { VeSde } from '../../../src/sr/sde';

beforeAll(async () => {
  await initBackend('cpu');
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
    const score = makeScoreFn(fake, new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: 4 }).sigma);
    const x = tf.ones([2, 4, 4, 3]) as tf.Tensor4D;
    expect(() => score(x, x, tf.tensor1d([0.5]), tf.zeros([2, 8]) as tf.Tensor2D)).toThrow('score function: t must be [2], received [1]');
  });
});
