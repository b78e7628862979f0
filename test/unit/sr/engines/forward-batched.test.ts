import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { forwardBatched } from '../../../../src/sr/engines';
import type { ScoreRequest } from '../../../../src/sr/engines';
import type { ScoreNetwork } from '../../../../src/sr/score-fn';

/** A per-sample fake network: score = x * sigma + y + mean(feat), recording each call's batch size. */
function fakeNetwork(): ScoreNetwork & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    forward: (x, y, sigmas, feat) => {
      batches.push(x.shape[0]);
      return tf.tidy(() => tf.add(tf.add(tf.mul(x, sigmas.reshape([-1, 1, 1, 1])), y), tf.mean(feat, 1).reshape([-1, 1, 1, 1])) as tf.Tensor4D);
    },
  };
}

function request(b: number, seed: number): ScoreRequest {
  return {
    xNHWC: tf.randomNormal([b, 4, 4, 3], 0, 1, 'float32', seed) as tf.Tensor4D,
    yNHWC: tf.randomNormal([b, 4, 4, 3], 0, 1, 'float32', seed + 1) as tf.Tensor4D,
    sigmas: tf.randomUniform([b], 0.1, 10, 'float32', seed + 2) as tf.Tensor1D,
    feat: tf.randomNormal([b, 8], 0, 1, 'float32', seed + 3) as tf.Tensor2D,
  };
}

const disposeRequest = (r: ScoreRequest): void => tf.dispose([r.xNHWC, r.yNHWC, r.sigmas, r.feat]);

describe('forwardBatched', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('evaluates all requests in one call and slices each request its own rows', () => {
    const reqs = [request(1, 1), request(2, 10), request(1, 20)];
    const net = fakeNetwork();
    const before = tf.memory().numTensors;
    const out = forwardBatched(net, reqs);
    expect(net.batches).toEqual([4]);
    expect(out.map((t) => t.shape[0])).toEqual([1, 2, 1]);
    reqs.forEach((r, i) => {
      const single = net.forward(r.xNHWC, r.yNHWC, r.sigmas, r.feat);
      expect(Array.from((out[i] as tf.Tensor4D).dataSync())).toEqual(Array.from(single.dataSync()));
      single.dispose();
    });
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before);
    reqs.forEach(disposeRequest);
  });

  it('never exceeds maxBatch and never splits a request', () => {
    const reqs = [request(2, 1), request(1, 10), request(2, 20), request(1, 30)];
    const net = fakeNetwork();
    const out = forwardBatched(net, reqs, 3);
    expect(net.batches).toEqual([3, 3]);
    expect(out.map((t) => t.shape[0])).toEqual([2, 1, 2, 1]);
    tf.dispose(out);
    const one = fakeNetwork();
    tf.dispose(forwardBatched(one, reqs, 1 + 1));
    expect(one.batches).toEqual([2, 1, 2, 1]);
    expect(() => forwardBatched(net, reqs, 1)).toThrow(new InputError('forwardBatched: request 0 has batch 2, more than maxBatch 1'));
    expect(() => forwardBatched(net, reqs, 0)).toThrow(/maxBatch must be an integer >= 1, received 0/);
    expect(forwardBatched(net, [])).toEqual([]);
    reqs.forEach(disposeRequest);
  });
});
