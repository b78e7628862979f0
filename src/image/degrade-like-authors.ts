import { InputError } from '../contracts';
import { checkOptionKeys } from '../validate';
import { resizeAntialiased } from './resize-antialiased';
import { validateImageShape } from './validate-image';

/** Options of {@link degradeLikeAuthors}. */
export interface DegradeOptions {
  /** Downsampling factor; the LR image is (size/scale) x (size/scale). Integer >= 1 dividing size. Default 8 (the paper). */
  readonly scale?: number;
  /** Channels per pixel. Default 3. */
  readonly channels?: number;
}

/**
 * The FASR authors' LR degradation (`datasets.py` `low_res_image`, fixtures README §7): on a float
 * image in [0, 1], `tf.image.resize(img, [size/scale]*2, antialias=True)` (triangle kernel stretched
 * by the scale factor), then `tf.image.resize(..., [size]*2, antialias=True, method=BICUBIC)`
 * (Keys cubic, a = -0.5). Float in, float out, no clipping or rounding: quantise once at the end
 * ({@link floatToUint8}) when writing.
 *
 * @param hrHWC size*size*channels float values in [0, 1] (HR face, e.g. 128x128x3).
 * @param size side of the square HR image in pixels.
 * @returns the degraded image at the same size (size*size*channels floats).
 * @throws InputError on a bad size, a scale that does not divide size, or unknown options.
 */
export function degradeLikeAuthors(hrHWC: Float32Array, size: number, options: DegradeOptions = {}): Float32Array {
  checkOptionKeys('degradeLikeAuthors', options, ['scale', 'channels'], { error: InputError });
  const scale = options.scale ?? 8;
  const channels = options.channels ?? 3;
  validateImageShape('degradeLikeAuthors', hrHWC.length, size, size, channels);
  if (!Number.isInteger(scale) || scale < 1 || size % scale !== 0) {
    throw new InputError(`degradeLikeAuthors: scale must be a positive integer dividing size ${size}, got ${String(scale)}`, {
      option: 'scale',
    });
  }
  const lrSize = size / scale;
  const lr = resizeAntialiased(hrHWC, size, size, channels, lrSize, lrSize, 'triangle');
  return resizeAntialiased(lr, lrSize, lrSize, channels, size, size, 'keys-cubic');
}
