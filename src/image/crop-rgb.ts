import { InputError } from '../contracts';
import type { RgbImage } from './rgb-image';
import { validateImageShape } from './validate-image';

/**
 * Copies the axis-aligned rectangle [x, x+width) x [y, y+height) of an RGB image.
 * @param rectXYWH integer pixel rectangle, entirely inside the image.
 * @throws InputError when the rectangle is not integer, empty or leaves the image.
 */
export function cropRgb(image: RgbImage, rectXYWH: readonly [number, number, number, number]): RgbImage {
  validateImageShape('cropRgb', image.rgb.length, image.height, image.width, 3);
  const [x, y, w, h] = rectXYWH;
  if (![x, y, w, h].every(Number.isInteger) || w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > image.width || y + h > image.height) {
    throw new InputError(
      `cropRgb: rectXYWH must be integers with positive size inside the ${image.width}x${image.height} image, got [${rectXYWH.join(', ')}]`,
      { reason: 'bad rectangle' },
    );
  }
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * image.width + x) * 3;
    out.set(image.rgb.subarray(src, src + w * 3), r * w * 3);
  }
  return { width: w, height: h, rgb: out };
}
