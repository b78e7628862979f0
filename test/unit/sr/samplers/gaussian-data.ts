import * as tf from '@tensorflow/tfjs';
import type { ScoreFn, VeSde } from '../../../../src/sr/sde';

/**
 * Test data x0 ~ N(MU, S^2) per pixel. Under the VE perturbation kernel N(x0, sigma^2) the noisy
 * marginal is N(MU, S^2 + sigma^2), whose exact score is -(x - MU) / (S^2 + sigma^2).
 */
export const MU = 0.5;
export const S = 0.2;

/** The exact score of the Gaussian data at time t (sigma = sde.sigma(t)). */
export function gaussianScore(sde: VeSde): ScoreFn {
  return (x, t) =>
    tf.tidy(() => {
      const v = tf.reshape(tf.add(tf.square(sde.sigma(t)), S * S), [-1, 1, 1, 1]);
      return tf.neg(tf.div(tf.sub(x, MU), v)) as tf.Tensor4D;
    });
}

/**
 * The exact probability-flow ODE solution from x(sigma_max) = sigma_max z to sigma = 0:
 * x - MU scales with sqrt(S^2 + sigma^2), so x(0) = MU + (sigma_max z - MU) S / sqrt(S^2 + sigma_max^2).
 */
export function exactOdeEndpoint(z: Float32Array, sigmaMax: number): Float64Array {
  return Float64Array.from(z, (v) => MU + ((sigmaMax * v - MU) * S) / Math.sqrt(S * S + sigmaMax * sigmaMax));
}

/** Largest absolute difference. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return m;
}

/** Mean and standard deviation of a sample tensor (not disposed). */
export function moments(x: tf.Tensor): { mean: number; std: number } {
  const m = tf.moments(x);
  const out = { mean: m.mean.dataSync()[0] ?? NaN, std: Math.sqrt(m.variance.dataSync()[0] ?? NaN) };
  tf.dispose([m.mean, m.variance]);
  return out;
}
