import { InputError } from '../contracts';

/**
 * Peak signal-to-noise ratio, 10·log10(peak² / MSE), over all samples (all channels together).
 * @param peak the maximum sample value: 255 for 8-bit data, 1 for floats in [0, 1].
 * @returns dB; Infinity for identical inputs.
 * @throws InputError on different lengths or an empty input.
 */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>, peak: number): number {
  if (a.length !== b.length || a.length === 0) {
    throw new InputError(`psnr: inputs must be non-empty and of equal length, got ${a.length} and ${b.length}`);
  }
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse);
}
