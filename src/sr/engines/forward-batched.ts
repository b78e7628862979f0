import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import type { ScoreNetwork } from '../score-fn';

/** One network evaluation to batch with others (e.g. one track's faces at its current noise level). */
export interface ScoreRequest {
  /** [b,S,S,3] NHWC */
  readonly xNHWC: tf.Tensor4D;
  /** [b,S,S,3] NHWC */
  readonly yNHWC: tf.Tensor4D;
  /** [b] */
  readonly sigmas: tf.Tensor1D;
  /** [b,featDim] */
  readonly feat: tf.Tensor2D;
}

/**
 * Evaluates several requests (several tracks' faces, each with its own sigma and descriptor) in
 * as few network calls as possible: requests are concatenated along the batch dimension, at most
 * `maxBatch` rows per call (a request is never split), and the scores are sliced back per
 * request. The network is per-sample (GroupNorm, attention and the min-max of F_M all act within
 * one sample), so the result equals one call per request up to float32 rounding.
 *
 * @param maxBatch largest batch per call (integer >= 1; default: everything in one call)
 * @returns one score tensor per request, in order, owned by the caller
 * @throws InputError for a bad maxBatch or a request larger than maxBatch
 */
export function forwardBatched(network: ScoreNetwork, requests: readonly ScoreRequest[], maxBatch = Number.POSITIVE_INFINITY): tf.Tensor4D[] {
  if (!(maxBatch === Number.POSITIVE_INFINITY || (Number.isInteger(maxBatch) && maxBatch >= 1))) {
    throw new InputError(`forwardBatched: maxBatch must be an integer >= 1, received ${String(maxBatch)}`, { option: 'maxBatch' });
  }
  const groups: ScoreRequest[][] = [];
  let current: ScoreRequest[] = [];
  let rows = 0;
  requests.forEach((r, i) => {
    const b = r.xNHWC.shape[0];
    if (b > maxBatch) throw new InputError(`forwardBatched: request ${i} has batch ${b}, more than maxBatch ${maxBatch}`, { option: 'maxBatch' });
    if (rows + b > maxBatch && current.length > 0) {
      groups.push(current);
      current = [];
      rows = 0;
    }
    current.push(r);
    rows += b;
  });
  if (current.length > 0) groups.push(current);
  const out: tf.Tensor4D[] = [];
  for (const group of groups) {
    if (group.length === 1) {
      const only = group[0] as ScoreRequest;
      out.push(network.forward(only.xNHWC, only.yNHWC, only.sigmas, only.feat));
      continue;
    }
    const scores = tf.tidy(() => {
      const joined = network.forward(
        tf.concat(group.map((r) => r.xNHWC)),
        tf.concat(group.map((r) => r.yNHWC)),
        tf.concat(group.map((r) => r.sigmas)),
        tf.concat(group.map((r) => r.feat)),
      );
      return tf.split(joined, group.map((r) => r.xNHWC.shape[0]), 0);
    });
    out.push(...(scores as tf.Tensor4D[]));
  }
  return out;
}
