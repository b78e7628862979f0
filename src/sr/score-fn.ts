import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contracts';

/** Noise level of the SDE at times t: sigma(t), [B] -> [B] (e.g. `VeSde.sigma` of src/sr/sde). */
export type SigmaFn = (t: tf.Tensor1D) => tf.Tensor1D;

/**
 * The score network as the score function sees it: `forward(x, y, sigma, feat)` returning the
 * score for x (NHWC). {@link NcsnppModel} implements it.
 */
export interface ScoreNetwork {
  forward(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D): tf.Tensor4D;
}

/**
 * Score s_theta(x, t | y, F_M) at continuous times t: x, y [B,H,W,3] NHWC, t [B] in [0,1] (or
 * [eps,1]), feat [B, featDim]. Returns [B,H,W,3]; the caller owns (and disposes) the result.
 */
export type ScoreFn = (xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, t: tf.Tensor1D, feat: tf.Tensor2D) => tf.Tensor4D;

/**
 * VE SDE noise level sigma(t) = sigmaMin * (sigmaMax / sigmaMin)^t (Song et al. 2021, Eq. 31),
 * evaluated in float32 exactly as the authors' `VESDE.marginal_prob` does it in torch:
 * `0.001 * 348000.0f ** t` (the ratio rounded to float32 first, then pow, then the product).
 * Used until src/sr/sde's `VeSde.sigma` is plugged in; both must agree with fixtures'
 * sigma_labels.npy.
 *
 * @throws InputError unless 0 < sigmaMin < sigmaMax (finite).
 */
export function veSigmaFloat32(sigmaMin: number, sigmaMax: number): SigmaFn {
  if (!(Number.isFinite(sigmaMin) && Number.isFinite(sigmaMax) && sigmaMin > 0 && sigmaMin < sigmaMax)) {
    throw new InputError(`veSigmaFloat32: expected 0 < sigmaMin < sigmaMax, received sigmaMin=${sigmaMin}, sigmaMax=${sigmaMax}`, {
      option: 'sigmaMin/sigmaMax',
    });
  }
  const ratio = Math.fround(sigmaMax / sigmaMin);
  return (t: tf.Tensor1D): tf.Tensor1D => tf.tidy(() => tf.mul(tf.pow(tf.scalar(ratio, 'float32'), t), Math.fround(sigmaMin)));
}

/**
 * Where model and SDE meet (authors' `mutils.get_score_fn(VESDE, model, continuous=True)`):
 * labels = sigma(t), score = model(merge_xy(x, y), sigma, feat). The data scaling 2x-1 of all
 * six channels (centered = false) and the division by sigma (scale_by_sigma) happen inside the
 * model, and for the VE SDE nothing else is applied (no sign flip, no further division).
 *
 * @param model the score network (e.g. `NcsnppModel`)
 * @param sigmaOf sigma(t) of the SDE, e.g. `veSigmaFloat32(0.001, 348)` or `VeSde.sigma`
 */
export function makeScoreFn(model: ScoreNetwork, sigmaOf: SigmaFn): ScoreFn {
  return (xNHWC, yNHWC, t, feat) =>
    tf.tidy(() => {
      if (t.rank !== 1 || t.shape[0] !== xNHWC.shape[0]) {
        throw new InputError(`score function: t must be [${xNHWC.shape[0]}], received [${t.shape.join(',')}]`, { option: 't' });
      }
      return model.forward(xNHWC, yNHWC, sigmaOf(t), feat);
    });
}
