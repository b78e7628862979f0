import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';

/**
 * The authors' `merge_xy(x, y) = cat([x_r, y_r, x_g, y_g, x_b, y_b])` in NHWC: x (noisy HR
 * estimate) at channels 0, 2, 4 and y (bicubic LR conditioning) at 1, 3, 5.
 *
 * @param xNHWC [B,H,W,C] @param yNHWC [B,H,W,C] (same shape) @returns [B,H,W,2C]
 * @throws InputError if the shapes differ.
 */
export function mergeXY(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D): tf.Tensor4D {
  if (xNHWC.shape.some((d, i) => d !== yNHWC.shape[i])) {
    throw new InputError(`mergeXY: x and y must have the same shape, received [${xNHWC.shape.join(',')}] and [${yNHWC.shape.join(',')}]`);
  }
  return tf.tidy(() => {
    const [b, h, w, c] = xNHWC.shape;
    return tf.stack([xNHWC, yNHWC], 4).reshape([b, h, w, 2 * c]);
  });
}
