import * as tf from '@tensorflow/tfjs';
import { perSample } from '../sde';
import { checkPredictorCall } from './check-predictor-call';
import type { ScoreFn } from '../sde';
import { countingScoreFn } from './update-fn';
import type { PredictorOptions, UpdateResult } from './update-fn';

/**
 * Euler–Maruyama predictor for the reverse-time SDE (Song et al. 2021, Eq. 6; score_sde
 * `EulerMaruyamaPredictor`): Δt = −1/N, x_mean = x + [f − g² s(x, t)] Δt, x ← x_mean + g √|Δt| z.
 * One `noise.normal` draw, then one score evaluation (in this order, as in score_sde).
 */
export function eulerMaruyamaPredictor(scoreFn: ScoreFn, xNHWC: tf.Tensor4D, t: tf.Tensor1D, opts: PredictorOptions): UpdateResult {
  const where = 'eulerMaruyamaPredictor';
  const { sde, noise, probabilityFlow } = checkPredictorCall(where, opts, xNHWC, t);
  const counted = countingScoreFn(where, scoreFn);
  const out = tf.tidy(() => {
    const dt = -1 / sde.N;
    const z = noise.normal(xNHWC.shape);
    const { drift, diffusion } = sde.reverse(counted.fn, probabilityFlow).sde(xNHWC, t);
    const xMean = tf.add(xNHWC, tf.mul(drift, dt)) as tf.Tensor4D;
    const x = tf.add(xMean, tf.mul(tf.mul(perSample(diffusion), Math.sqrt(-dt)), z)) as tf.Tensor4D;
    return { x, xMean };
  });
  return { ...out, nfe: counted.calls() };
}
