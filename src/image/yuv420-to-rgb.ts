import { InputError } from '../contracts';
import type { Yuv420Image, YuvMatrix } from './yuv420-image';

/**
 * Fixed-point coefficients of libswscale's yuv2rgb (ff_yuv2rgb_c_init_tables → the x86 SIMD
 * converters' yCoeff, vrCoeff, ubCoeff, ugCoeff, vgCoeff, 2^13 scale): ff_yuv2rgb_coeffs[] =
 * {crv, cbu, cgu, cgv} in 16.16, divided by 8 and rounded; yCoeff = round((65536*255/219)/8).
 */
const COEFFS: Readonly<Record<YuvMatrix, { readonly vr: number; readonly ub: number; readonly ug: number; readonly vg: number }>> = Object.freeze({
  // BT.601 (ff_yuv2rgb_coeffs[5], used for bt470bg, smpte170m and untagged sources): {104597, 132201, 25675, 53279}.
  bt601: Object.freeze({ vr: 13075, ub: 16525, ug: -3209, vg: -6660 }),
  // BT.709 (ff_yuv2rgb_coeffs[1]): {117489, 138438, 13975, 34925}.
  bt709: Object.freeze({ vr: 14686, ub: 17305, ug: -1747, vg: -4366 }),
});
const Y_COEFF = 9539;
/** 16 << 3: the luma offset, in the converters' 3-bit-shifted units. */
const Y_OFFSET = 128;
/** 128 << 3: the chroma offset. */
const C_OFFSET = 1024;

/**
 * Converts the rectangle [x, x+w) x [y, y+h) of a limited-range yuv420p picture to 8-bit RGB the way
 * ffmpeg's `format=rgb24` does for a yuv420p source of even height (libswscale's unscaled yuv2rgb
 * path, as its x86 SIMD code computes it): chroma nearest-neighbour (one Cb/Cr pair per 2x2
 * luma block), Y' = ((8Y − 128)·yCoeff) >> 16, C' = 8C − 1024, then
 * R = Y' + (C'r·vr >> 16), G = Y' + (C'b·ug >> 16) + (C'r·vg >> 16), B = Y' + (C'b·ub >> 16),
 * each clamped to [0, 255] (`>> 16` is pmulhw's floor of the high half).
 * Bit-exact against ffmpeg 5.1's rgb24 output on x86 (test/integration/image/yuv420-to-rgb.test.ts);
 * other builds (the C tables, other CPUs) may differ by a rounding step.
 * @returns w*h*3 bytes, row-major RGB.
 * @throws InputError when the rectangle is not integer, empty or leaves the picture, or the planes are too short.
 */
export function yuv420ToRgb(image: Yuv420Image, x: number, y: number, w: number, h: number): Uint8Array {
  const { width, height } = image;
  if (![x, y, w, h].every(Number.isInteger) || w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new InputError(`yuv420ToRgb: rectangle [${x}, ${y}, ${w}, ${h}] (x, y, w, h) must be integers with positive size inside the ${width}x${height} picture`, {
      reason: 'bad rectangle',
    });
  }
  const cw = Math.ceil(width / 2);
  const cSize = cw * Math.ceil(height / 2);
  if (image.y.length < width * height || image.u.length < cSize || image.v.length < cSize) {
    throw new InputError(`yuv420ToRgb: a ${width}x${height} yuv420p picture needs ${width * height} luma and ${cSize}+${cSize} chroma bytes, got ${image.y.length}, ${image.u.length}, ${image.v.length}`, {
      reason: 'bad planes',
    });
  }
  const c = COEFFS[image.matrix];
  const { vr, ub, ug, vg } = c;
  const Y = image.y;
  const U = image.u;
  const V = image.v;
  const out = new Uint8Array(w * h * 3);
  let o = 0;
  for (let row = y; row < y + h; row++) {
    const yRow = row * width;
    const cRow = (row >> 1) * cw;
    for (let col = x; col < x + w; col++) {
      const yy = ((((Y[yRow + col] as number) << 3) - Y_OFFSET) * Y_COEFF) >> 16;
      const ci = cRow + (col >> 1);
      const cb = ((U[ci] as number) << 3) - C_OFFSET;
      const cr = ((V[ci] as number) << 3) - C_OFFSET;
      // Uint8Array stores clamp-free (mod 256), so clamp explicitly.
      const r = yy + ((cr * vr) >> 16);
      const g = yy + ((cb * ug) >> 16) + ((cr * vg) >> 16);
      const b = yy + ((cb * ub) >> 16);
      out[o] = r < 0 ? 0 : r > 255 ? 255 : r;
      out[o + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
      out[o + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
      o += 3;
    }
  }
  return out;
}
