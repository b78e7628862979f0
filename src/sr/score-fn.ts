import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contracts';
import type { ConditionalScoreFn } from './sde';

/**
 * Noise level of the SDE at times t: sigma(t), [B] -> [B]. For FASR pass `VeSde.sigma`
 * (src/sr/sde), which computes sigma_min * (sigma_max/sigma_min)^t in float32 exactly as the
 * authors' torch code (`0.001 * 348000.0f ** t`).
 */
export type SigmaFn = (t: tf.Tensor1D) => tf.Tensor1D;

/**
 * The score network as the score function sees it: `forward(x, y, sigma, feat)` returning the
 * score for x (NHWC). `NcsnppModel` (src/sr/models) implements it.
 */
export interface ScoreNetwork {
  forward(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D): tf.Tensor4D;
}

/**
 * Where model and SDE meet (authors' `mutils.get_score_fn(VESDE, model, continuous=True)`):
 * labels = sigma(t), score = model(merge_xy(x, y), sigma(t), feat). The data scaling 2x-1 of all
 * six channels (centered = false) and the division by sigma (scale_by_sigma) happen inside the
 * model; for the VE SDE nothing else is applied (no sign flip, no further division).
 *
 * The result has the samplers' {@link ConditionalScoreFn} signature: x, y [B,H,W,3] NHWC, t [B]
 * in [eps, 1], feat [B, featDim] -> score [B,H,W,3], owned by the caller; inputs are not disposed.
 *
 * @param model the score network (e.g. `NcsnppModel`)
 * @param sigmaOf sigma(t) of the SDE, e.g. `new VeSde({ sigmaMin: 0.001, sigmaMax: 348 }).sigma`
 * @throws InputError (when called) if t is not [B].
 */
export function makeScoreFn(model: ScoreNetwork, sigmaOf: SigmaFn): ConditionalScoreFn {
  return (xNHWC, yNHWC, t, feat) =>
    tf.tidy(() => {
      if (t.rank !== 1 || t.shape[0] !== xNHWC.shape[0]) {
        throw new InputError(`score function: t must be [${xNHWC.shape[0]}], received [${t.shape.join(',')}]`, { option: 't' });
      }
      return model.forward(xNHWC, yNHWC, sigmaOf(t), feat);
    });
}
