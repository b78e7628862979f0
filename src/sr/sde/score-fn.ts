import * as tf from '@tensorflow/tfjs';

/**
 * A score function s(x, t) ≈ ∇_x log p_t(x), with any conditioning already bound.
 * `xNHWC` is [B,H,W,C], `t` is [B] (diffusion time in [0, T]); returns [B,H,W,C]. Must not
 * dispose its inputs; the caller disposes the result.
 */
export type ScoreFn = (xNHWC: tf.Tensor4D, t: tf.Tensor1D) => tf.Tensor4D;

/**
 * The FASR conditional score function s(x, t | y, F): noisy HR estimate `xNHWC` [B,H,W,3],
 * LR conditioning `yNHWC` [B,H,W,3] (bicubic-upsampled to full size), time `t` [B] and identity
 * descriptor `feat` [B,F]; returns the score for x, [B,H,W,3] (src/sr/score-fn.ts builds one
 * from NCSN++ and `VeSde.sigma`).
 */
export type ConditionalScoreFn = (xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, t: tf.Tensor1D, feat: tf.Tensor2D) => tf.Tensor4D;

/**
 * Binds the conditioning (y, F) of a {@link ConditionalScoreFn}, giving the {@link ScoreFn} the
 * SDE and the samplers work with. The caller keeps ownership of `yNHWC` and `feat`.
 */
export function bindCondition(scoreFn: ConditionalScoreFn, yNHWC: tf.Tensor4D, feat: tf.Tensor2D): ScoreFn {
  return (xNHWC, t) => scoreFn(xNHWC, yNHWC, t, feat);
}
