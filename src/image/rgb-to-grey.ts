import { validateImageShape } from './validate-image';

/**
 * Luma of an interleaved RGB image, ITU-R BT.601 weights (0.299, 0.587, 0.114), the same as
 * OpenCV `COLOR_RGB2GRAY` and PIL `convert('L')` before rounding. Output is float, same scale as input.
 * @returns height*width values.
 * @throws InputError on a size mismatch.
 */
export function rgbToGrey(rgbHWC: ArrayLike<number>, height: number, width: number): Float32Array {
  validateImageShape('rgbToGrey', rgbHWC.length, height, width, 3);
  const out = new Float32Array(height * width);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] = 0.299 * (rgbHWC[j] ?? 0) + 0.587 * (rgbHWC[j + 1] ?? 0) + 0.114 * (rgbHWC[j + 2] ?? 0);
  }
  return out;
}
