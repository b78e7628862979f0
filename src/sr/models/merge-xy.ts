import * as tf from '@tensorflow/tfjs';

/**
 * The authors' `merge_xy(x, y) = cat([x_r, y_r, x_g, y_g, x_b, y_b])` in NHWC: x (noisy HR
 * estimate) at channels 0, 2, 4 and y (bicubic LR conditioning) at 1, 3, 5.
 *
 * @param xNHWC [B,H,W,3] @param yNHWC [B,H,W,3] @returns [B,H,W,6]
 */
export function mergeXY(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = xNHWC.shape;
    return tf.stack([xNHWC, yNHWC], 4).reshape([b, h, w, 2 * c]);
  });
}
