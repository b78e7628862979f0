import { InputError } from '../../contracts';

/**
 * PSNR of the luma channel (peak 1), the super-resolution literature's PSNR-Y: Y of ITU-R BT.601
 * studio swing, Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255 for RGB in [0, 1] (MATLAB's
 * rgb2ycbcr, as SR papers compute it), no border cropped.
 * @returns dB; Infinity for identical images.
 * @throws InputError for images of different lengths or not RGB.
 */
export function psnrY(aHWC: Float32Array, bHWC: Float32Array): number {
  if (aHWC.length !== bHWC.length || aHWC.length % 3 !== 0 || aHWC.length === 0) throw new InputError(`psnrY: expected two RGB images of equal size, received ${aHWC.length} and ${bHWC.length} values`);
  let se = 0;
  const n = aHWC.length / 3;
  for (let i = 0; i < n; i++) {
    const j = 3 * i;
    const d = (65.481 * ((aHWC[j] as number) - (bHWC[j] as number)) + 128.553 * ((aHWC[j + 1] as number) - (bHWC[j + 1] as number)) + 24.966 * ((aHWC[j + 2] as number) - (bHWC[j + 2] as number))) / 255;
    se += d * d;
  }
  return se === 0 ? Infinity : 10 * Math.log10(n / se);
}
