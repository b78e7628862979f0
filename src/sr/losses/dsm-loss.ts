import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../contracts';
import type { NoiseSource } from '../noise';
import { Sde, perSample } from '../sde';
import { checkBoolean, checkNumber, checkOptionKeys, checkTensorShape, describeValue } from '../../validate';
import type { ConditionalScoreFn } from '../sde';

/** One training batch: HR targets x(0), their LR conditioning y and identity descriptors F. */
export interface DsmBatch {
  /** HR images x(0), [B,H,W,3], data scale [0, 1] (FASR: centered = false, identity scaler). */
  readonly x0NHWC: tf.Tensor4D;
  /** LR conditioning y, bicubic-upsampled to H×W, [B,H,W,3], [0, 1]. */
  readonly yNHWC: tf.Tensor4D;
  /** Identity descriptors F, [B,F] (FASR: AdaFace of the HR image, 512-d). */
  readonly feat: tf.Tensor2D;
}

/** Options of the denoising score-matching loss (score_sde `get_sde_loss_fn`). */
export interface DsmLossOptions {
  /** The forward SDE (FASR: `new VeSde()`). Required. */
  readonly sde: Sde;
  /** Source of u ~ U[0,1) (one `uniform([B])` draw) and z ~ N(0, I) (one `normal` draw), in that order. Required. */
  readonly noise: NoiseSource;
  /** Smallest training time: t = u (T − eps) + eps. In (0, T). Default 1e-5. */
  readonly eps?: number;
  /** Average the squared error over pixels instead of ½·sum. Default false (FASR). */
  readonly reduceMean?: boolean;
  /** Weight by λ(t) = g(t)² (likelihood weighting) instead of σ(t)². Default false (FASR). */
  readonly likelihoodWeighting?: boolean;
}

/** The loss and what it was made of. The caller owns the tensors. */
export interface DsmLossTerms {
  /** Mean over the batch of `perSampleLoss`, a scalar. */
  readonly loss: tf.Scalar;
  /** Loss of each sample, [B]. */
  readonly perSampleLoss: tf.Tensor1D;
  /** Diffusion times used, [B]. */
  readonly t: tf.Tensor1D;
}

const KEYS = ['sde', 'noise', 'eps', 'reduceMean', 'likelihoodWeighting'] as const;

/**
 * Denoising score-matching loss (Song et al. 2021, Eq. 7; FASR Eq. 3), exactly as score_sde's
 * `get_sde_loss_fn(sde, train, reduce_mean, continuous=True, likelihood_weighting, eps)` computes it
 * for FASR: t = u (T − eps) + eps, z ~ N(0, I), x̃ = x(0) + σ(t) z, s = s_θ(x̃, t | y, F);
 * per sample ½ Σ (s σ(t) + z)² (with likelihood weighting: g(t)² · ½ Σ (s + z/σ(t))²); loss = mean
 * over the batch. Differentiable with respect to the variables the score function uses.
 *
 * @throws ConfigError for bad options; InputError for mismatched batch shapes or a score of the wrong shape.
 */
export function denoisingScoreMatchingLossTerms(scoreFn: ConditionalScoreFn, batch: DsmBatch, opts: DsmLossOptions): DsmLossTerms {
  const where = 'denoisingScoreMatchingLoss';
  const raw = checkOptionKeys(where, opts, KEYS);
  if (!(raw.sde instanceof Sde)) {
    throw new ConfigError(`${where}.sde: expected an Sde (e.g. new VeSde()), received ${describeValue(raw.sde)}`, { option: 'sde' });
  }
  const sde = raw.sde;
  const noise = raw.noise as Partial<NoiseSource> | undefined;
  if (noise === null || typeof noise !== 'object' || typeof noise.normal !== 'function' || typeof noise.uniform !== 'function') {
    throw new ConfigError(`${where}.noise: expected a NoiseSource (normal(shape), uniform(shape)), received ${describeValue(raw.noise)}`, {
      option: 'noise',
    });
  }
  const eps = checkNumber(where, 'eps', raw.eps ?? 1e-5, { above: 0, below: sde.T });
  const reduceMean = checkBoolean(where, 'reduceMean', raw.reduceMean ?? false);
  const likelihoodWeighting = checkBoolean(where, 'likelihoodWeighting', raw.likelihoodWeighting ?? false);
  const { x0NHWC, yNHWC, feat } = batch ?? ({} as DsmBatch);
  checkTensorShape(where, 'x0', x0NHWC, 'BHWC', [null, null, null, null]);
  checkTensorShape(where, 'y', yNHWC, 'BHWC', [x0NHWC.shape[0], x0NHWC.shape[1], x0NHWC.shape[2], null]);
  checkTensorShape(where, 'feat', feat, 'BF', [x0NHWC.shape[0], null]);
  const source = noise as NoiseSource;

  return tf.tidy(() => {
    const batchSize = x0NHWC.shape[0];
    const u = source.uniform([batchSize]);
    const t = tf.add(tf.mul(u, sde.T - eps), eps) as tf.Tensor1D;
    const z = source.normal(x0NHWC.shape);
    const { mean, std } = sde.marginalProb(x0NHWC, t);
    const stdB = perSample(std);
    const xNoisy = tf.add(mean, tf.mul(stdB, z)) as tf.Tensor4D;
    const score = scoreFn(xNoisy, yNHWC, t, feat);
    if (!Array.isArray(score?.shape) || score.shape.length !== 4 || score.shape.some((d, i) => d !== x0NHWC.shape[i])) {
      const got = Array.isArray(score?.shape) ? `[${score.shape.join(',')}]` : describeValue(score);
      throw new InputError(`${where}: scoreFn returned ${got} for x of shape [${x0NHWC.shape.join(',')}]; expected the shape of x`);
    }
    const reduce = (sq: tf.Tensor): tf.Tensor1D => {
      const flat = tf.reshape(sq, [batchSize, -1]);
      return (reduceMean ? tf.mean(flat, -1) : tf.mul(tf.sum(flat, -1), 0.5)) as tf.Tensor1D;
    };
    let perSampleLoss: tf.Tensor1D;
    if (!likelihoodWeighting) {
      perSampleLoss = reduce(tf.square(tf.add(tf.mul(score, stdB), z)));
    } else {
      const g2 = tf.square(sde.sde(tf.zerosLike(x0NHWC), t).diffusion);
      perSampleLoss = tf.mul(reduce(tf.square(tf.add(score, tf.div(z, stdB)))), g2) as tf.Tensor1D;
    }
    return { loss: tf.mean(perSampleLoss) as tf.Scalar, perSampleLoss, t };
  });
}

/**
 * The scalar denoising score-matching loss (see {@link denoisingScoreMatchingLossTerms}), e.g.
 * for `tf.variableGrads(() => denoisingScoreMatchingLoss(scoreFn, batch, opts))`.
 */
export function denoisingScoreMatchingLoss(scoreFn: ConditionalScoreFn, batch: DsmBatch, opts: DsmLossOptions): tf.Scalar {
  const { loss, perSampleLoss, t } = denoisingScoreMatchingLossTerms(scoreFn, batch, opts);
  tf.dispose([perSampleLoss, t]);
  return loss;
}
