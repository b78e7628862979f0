import * as tf from '@tensorflow/tfjs';

/**
 * Per-channel mean over H and W, [B,H,W,C] -> [B,1,1,C]. Uses average pooling (a native NHWC
 * reduction in the wasm backend; `tf.mean` over axes 1,2 transposes the whole map first), in two
 * stages for large maps (a single huge pooling window is slow there).
 */
function spatialMean(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h * w <= 256) return tf.avgPool(x, [h, w], 1, 'valid');
  if (h % 16 === 0 && w % 16 === 0) {
    const first = tf.avgPool(x, [h / 16, w / 16], [h / 16, w / 16], 'valid');
    return tf.avgPool(first, [16, 16], 1, 'valid');
  }
  return tf.mean(x, [1, 2], true);
}

/**
 * GroupNorm over NHWC (torch.nn.GroupNorm semantics: biased variance over H, W and the C/G
 * channels of each group; `(x - mean) * rsqrt(var + eps) * gamma + beta`), two-pass like torch
 * (mean, then mean of squared deviations).
 *
 * @param imgNHWC [B,H,W,C]; C divisible by `groups`
 * @param gamma [C] @param beta [C]
 */
export function groupNorm(imgNHWC: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , , c] = imgNHWC.shape;
    const cg = c / groups;
    // Per-channel means [B,1,1,C] -> group means, broadcast back to [B,1,1,C].
    const groupMean = (channelMeans: tf.Tensor4D): tf.Tensor4D =>
      tf.broadcastTo(tf.mean(channelMeans.reshape([b, groups, cg]), 2, true), [b, groups, cg]).reshape<tf.Tensor4D>([b, 1, 1, c]);
    const mean = groupMean(spatialMean(imgNHWC));
    const d = tf.sub(imgNHWC, mean);
    const variance = groupMean(spatialMean(tf.square(d) as tf.Tensor4D));
    const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), gamma);
    return tf.add(tf.mul(d, scale), beta);
  });
}
