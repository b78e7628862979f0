import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import type { OnnxTrainInputs } from '../engines';
import type { DsmBatch } from '../losses';
import type { NoiseSource } from '../noise';
import type { ScoreNetwork } from '../score-fn';
import type { Sde } from '../sde';

/**
 * Per-batch inputs of the generic regression loss both training engines compute
 * (docs/onnx-training.md):
 *
 *   F_b    = NCSNpp(merge_xy(x_b, y_b), sigma_b, feat_b)   (divided by sigma_b when model.scaleBySigma)
 *   pred_b = a_b * s_b + c_b * F_b
 *   loss   = sum_b w_b * sum_{h,w,ch} (pred_b - target_b)^2
 *
 * (no other normalisation: a mean over pixels or the batch goes into w_b). y_b and feat_b come
 * from the batch. The caller owns the tensors.
 */
export interface RegressionLossInputs {
  /** Network input x [B,S,S,3] (the noisy image, or c_in times it). */
  readonly xNHWC: tf.Tensor4D;
  /** Noise level fed to the network [B] (> 0; the model embeds log sigma). */
  readonly sigmas: tf.Tensor1D;
  /** a_b [B]. */
  readonly a: tf.Tensor1D;
  /** c_b [B]. */
  readonly c: tf.Tensor1D;
  /** w_b [B]. */
  readonly w: tf.Tensor1D;
  /** s_b [B,S,S,3] (the skip image; zeros when a = 0). */
  readonly skipNHWC: tf.Tensor4D;
  /** target_b [B,S,S,3]. */
  readonly targetNHWC: tf.Tensor4D;
}

/** What a loss spec may use to build its inputs. */
export interface TrainLossContext {
  /** The forward SDE of the model config (VE, sigmaMin..sigmaMax). */
  readonly sde: Sde;
  /** This step's noise: draw in a fixed order, so both engines and a resumed run see the same numbers. */
  readonly noise: NoiseSource;
  /** Smallest diffusion time (TrainConfig.lossEps). */
  readonly eps: number;
}

/**
 * A training objective as an instance of the generic regression loss: `prepare` turns one batch
 * and the step's noise into {@link RegressionLossInputs}. The graph (onnx) and the tfjs loss are
 * the same for every spec, so a new recipe needs no graph change.
 */
export interface TrainLossSpec {
  /** Short name, written to the training log and the model card. */
  readonly name: string;
  prepare(batch: DsmBatch, ctx: TrainLossContext): RegressionLossInputs;
}

/**
 * The paper's loss (FASR Eq. 3; score_sde continuous DSM without likelihood weighting, as
 * src/sr/losses/dsm-loss.ts computes it): t = u (T - eps) + eps, z ~ N(0, I), x = x0 + sigma(t) z,
 * per sample 1/2 sum (s_theta sigma + z)^2, mean over the batch. As a regression loss:
 * a = 0, c = sigma(t), target = -z, w = 1/(2B), with s_theta = F (the model divides by sigma).
 * Draws u ([B] uniform) then z (normal), like dsm-loss.ts. Needs model.scaleBySigma = true.
 */
export const DSM_LOSS: TrainLossSpec = Object.freeze({
  name: 'dsm',
  prepare(batch: DsmBatch, ctx: TrainLossContext): RegressionLossInputs {
    return tf.tidy(() => {
      const { x0NHWC } = batch;
      const b = x0NHWC.shape[0];
      const u = ctx.noise.uniform([b]);
      const t = tf.add(tf.mul(u, ctx.sde.T - ctx.eps), ctx.eps) as tf.Tensor1D;
      const z = ctx.noise.normal(x0NHWC.shape) as tf.Tensor4D;
      const { mean, std } = ctx.sde.marginalProb(x0NHWC, t);
      const xNHWC = tf.add(mean, tf.mul(std.reshape([b, 1, 1, 1]), z)) as tf.Tensor4D;
      return {
        xNHWC,
        sigmas: std as tf.Tensor1D,
        a: tf.zeros([b]) as tf.Tensor1D,
        c: tf.clone(std) as tf.Tensor1D,
        w: tf.fill([b], 1 / (2 * b)) as tf.Tensor1D,
        skipNHWC: tf.zerosLike(x0NHWC),
        targetNHWC: tf.neg(z),
      };
    });
  },
});

/** Disposes every tensor of `inputs`. */
export function disposeRegressionLossInputs(inputs: RegressionLossInputs): void {
  tf.dispose([inputs.xNHWC, inputs.sigmas, inputs.a, inputs.c, inputs.w, inputs.skipNHWC, inputs.targetNHWC]);
}

/**
 * The generic regression loss on tfjs (the reference of the onnx graph), differentiable with
 * respect to the network's variables. @returns the scalar loss and the per-sample sums [B].
 */
export function regressionLossTf(net: ScoreNetwork, batch: DsmBatch, inputs: RegressionLossInputs): { loss: tf.Scalar; perSample: tf.Tensor1D } {
  return tf.tidy(() => {
    const b = batch.x0NHWC.shape[0];
    const f = net.forward(inputs.xNHWC, batch.yNHWC, inputs.sigmas, batch.feat);
    const perB = (v: tf.Tensor1D): tf.Tensor4D => v.reshape([b, 1, 1, 1]);
    const pred = tf.add(tf.mul(perB(inputs.a), inputs.skipNHWC), tf.mul(perB(inputs.c), f));
    const d = tf.sub(pred, inputs.targetNHWC);
    const perSample = tf.sum(tf.mul(d, d), [1, 2, 3]) as tf.Tensor1D;
    return { loss: tf.sum(tf.mul(perSample, inputs.w)) as tf.Scalar, perSample };
  });
}

function floats(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/**
 * The onnx training step's inputs for one batch and its loss inputs.
 * @throws InputError when a tensor has the wrong shape for the batch.
 */
export function onnxTrainInputs(batch: DsmBatch, inputs: RegressionLossInputs): OnnxTrainInputs {
  const b = batch.x0NHWC.shape[0];
  const image = batch.x0NHWC.shape.join(',');
  for (const [name, t] of [
    ['xNHWC', inputs.xNHWC],
    ['skipNHWC', inputs.skipNHWC],
    ['targetNHWC', inputs.targetNHWC],
  ] as const) {
    if (t.shape.join(',') !== image) throw new InputError(`loss inputs: ${name} is [${t.shape.join(',')}], expected the batch's [${image}]`, { option: name });
  }
  for (const [name, t] of [
    ['sigmas', inputs.sigmas],
    ['a', inputs.a],
    ['c', inputs.c],
    ['w', inputs.w],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== b) throw new InputError(`loss inputs: ${name} is [${t.shape.join(',')}], expected [${b}]`, { option: name });
  }
  return {
    xNHWC: floats(inputs.xNHWC),
    yNHWC: floats(batch.yNHWC),
    sigmas: floats(inputs.sigmas),
    feat: floats(batch.feat),
    lossA: floats(inputs.a),
    lossC: floats(inputs.c),
    lossW: floats(inputs.w),
    lossSkipNHWC: floats(inputs.skipNHWC),
    lossTargetNHWC: floats(inputs.targetNHWC),
  };
}
