import * as tf from '@tensorflow/tfjs';

/**
 * GroupNorm over NHWC (torch.nn.GroupNorm semantics: biased variance over H, W and the C/G
 * channels of each group, `(x - mean) / sqrt(var + eps) * gamma + beta`).
 *
 * @param imgNHWC [B,H,W,C]; C divisible by `groups`
 * @param gamma [C] @param beta [C]
 */
export function groupNorm(imgNHWC: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = imgNHWC.shape;
    const g = imgNHWC.reshape([b, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const normed = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(normed.reshape([b, h, w, c]), gamma), beta);
  });
}
