import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../contracts';
import { VeSde, perSample } from '../sde';
import { checkChoice, checkNumber, checkOptionKeys, checkTensorShape } from '../../validate';
import type { ScoreFn } from '../sde';
import { checkUpdateContext, countingScoreFn } from './update-fn';
import type { UpdateContext, UpdateResult } from './update-fn';

/** How the Langevin step size is shared across the batch. */
export const LANGEVIN_STEP_SIZES = ['batch-mean', 'per-sample'] as const;
export type LangevinStepSize = (typeof LANGEVIN_STEP_SIZES)[number];

/** Options of {@link langevinCorrector}. */
export interface LangevinOptions extends UpdateContext {
  /** Target signal-to-noise ratio r of Algorithm 4/5. Finite, > 0. Default 0.16 (FASR). */
  readonly snr?: number;
  /** Langevin steps M per noise level. Integer ≥ 1. Default 1. */
  readonly nSteps?: number;
  /**
   * 'batch-mean' (score_sde, the default): ε = 2 (r ‖z‖/‖s‖)², with ‖·‖ the per-sample L2 norms
   * averaged over the batch, so one ε is shared by the batch and samples are coupled.
   * 'per-sample': each sample uses its own norms, so a sample's result does not depend on the
   * others in its batch.
   */
  readonly stepSize?: LangevinStepSize;
}

const KEYS = ['sde', 'noise', 'snr', 'nSteps', 'stepSize'] as const;

/**
 * Langevin corrector (Song et al. 2021, Algorithm 4 (VE) / Algorithm 5; score_sde
 * `LangevinCorrector`), M times: g = s(x, t); z ~ N(0, I);
 * ε = 2 α (r ‖z‖ / ‖g‖)² (α = 1 for the VE SDE); x_mean = x + ε g; x ← x_mean + √(2ε) z.
 * Per step: one score evaluation, then one `noise.normal` draw (as in score_sde).
 * @throws ConfigError for an SDE other than VeSde (VP SDEs need α from their discretisation).
 */
export function langevinCorrector(scoreFn: ScoreFn, xNHWC: tf.Tensor4D, t: tf.Tensor1D, opts: LangevinOptions): UpdateResult {
  const where = 'langevinCorrector';
  const raw = checkOptionKeys(where, opts, KEYS);
  const { sde, noise } = checkUpdateContext(where, raw);
  const snr = checkNumber(where, 'snr', raw.snr ?? 0.16, { above: 0 });
  const nSteps = checkNumber(where, 'nSteps', raw.nSteps ?? 1, { integer: true, min: 1 });
  const stepSize = checkChoice(where, 'stepSize', raw.stepSize ?? 'batch-mean', LANGEVIN_STEP_SIZES);
  if (!(sde instanceof VeSde)) {
    throw new ConfigError(`${where}.sde: only the VE SDE is supported (alpha = 1), received ${sde.constructor.name}`, { option: 'sde' });
  }
  checkTensorShape(where, 'x', xNHWC, 'BHWC', [null, null, null, null]);
  checkTensorShape(where, 't', t, 'B', [xNHWC.shape[0]]);
  const counted = countingScoreFn(where, scoreFn);
  const out = tf.tidy(() => {
    const alpha = tf.onesLike(t);
    let x = xNHWC;
    let xMean = xNHWC;
    for (let i = 0; i < nSteps; i++) {
      const grad = counted.fn(x, t);
      const z = noise.normal(x.shape);
      let gradNorm: tf.Tensor = tf.norm(tf.reshape(grad, [grad.shape[0], -1]), 'euclidean', -1);
      let noiseNorm: tf.Tensor = tf.norm(tf.reshape(z, [z.shape[0], -1]), 'euclidean', -1);
      if (stepSize === 'batch-mean') {
        gradNorm = tf.mean(gradNorm);
        noiseNorm = tf.mean(noiseNorm);
      }
      // ε = (r ‖z‖ / ‖g‖)² · 2 · α, same float32 operation order as score_sde.
      const eps = tf.mul(tf.mul(tf.square(tf.div(tf.mul(noiseNorm, snr), gradNorm)), 2), alpha) as tf.Tensor1D;
      xMean = tf.add(x, tf.mul(perSample(eps), grad)) as tf.Tensor4D;
      x = tf.add(xMean, tf.mul(perSample(tf.sqrt(tf.mul(eps, 2)) as tf.Tensor1D), z)) as tf.Tensor4D;
    }
    return { x, xMean };
  });
  return { ...out, nfe: counted.calls() };
}
