import * as tf from '@tensorflow/tfjs';
import { type FaceCrop, InputError } from '../../contracts';

/** Checks a crop's size and buffer. @throws InputError naming the crop index. */
export function validateCrop(crop: FaceCrop, index: number): void {
  const { width, height, rgb } = crop;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InputError(`crops[${index}]: width and height must be positive integers, received ${width}x${height}`, { reason: 'bad size' });
  }
  if (!(rgb instanceof Uint8Array) || rgb.length !== width * height * 3) {
    throw new InputError(`crops[${index}]: rgb must be a Uint8Array of width*height*3 = ${width * height * 3} bytes, received ${rgb instanceof Uint8Array ? rgb.length : typeof rgb}`, {
      reason: 'bad buffer',
    });
  }
}

/**
 * Stacks crops into a float32 batch imgNHWC [N, sizePx, sizePx, 3] with values 0..255, each crop
 * resized with bilinear interpolation (half-pixel centres) when its size differs.
 * The caller disposes the result.
 */
export function cropsToTensor(crops: readonly FaceCrop[], sizePx: number): tf.Tensor4D {
  crops.forEach(validateCrop);
  return tf.tidy(() => {
    const imgs = crops.map((c) => {
      const img = tf.tensor3d(c.rgb, [c.height, c.width, 3], 'int32').toFloat();
      return c.width === sizePx && c.height === sizePx ? img : tf.image.resizeBilinear(img, [sizePx, sizePx], false, true);
    });
    return tf.stack(imgs) as tf.Tensor4D;
  });
}
