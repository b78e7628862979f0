import * as tf from '@tensorflow/tfjs';
import { perSample } from '../sde';
import { checkPredictorCall } from './check-predictor-call';
import type { ScoreFn } from '../sde';
import { countingScoreFn } from './update-fn';
import type { PredictorOptions, UpdateResult } from './update-fn';

/**
 * Reverse-diffusion predictor (Song et al. 2021, Eq. 46; score_sde `ReverseDiffusionPredictor`):
 * with the SDE's own discretisation (for the VE SDE, SMLD's f = 0, G_i = √(σ_i² − σ_{i−1}²)),
 * x_mean = x − f + G² s(x, t), x ← x_mean + G z, z ~ N(0, I). One score evaluation, then one
 * `noise.normal` draw (in this order, as in score_sde).
 */
export function reverseDiffusionPredictor(scoreFn: ScoreFn, xNHWC: tf.Tensor4D, t: tf.Tensor1D, opts: PredictorOptions): UpdateResult {
  const where = 'reverseDiffusionPredictor';
  const { sde, noise, probabilityFlow } = checkPredictorCall(where, opts, xNHWC, t);
  const counted = countingScoreFn(where, scoreFn);
  const out = tf.tidy(() => {
    const { f, G } = sde.reverse(counted.fn, probabilityFlow).discretize(xNHWC, t);
    const z = noise.normal(xNHWC.shape);
    const xMean = tf.sub(xNHWC, f) as tf.Tensor4D;
    const x = tf.add(xMean, tf.mul(perSample(G), z)) as tf.Tensor4D;
    return { x, xMean };
  });
  return { ...out, nfe: counted.calls() };
}
