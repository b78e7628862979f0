import { InputError } from '../../contracts';

/** A small grey copy of a frame: the mean luma of square cells of the frame. */
export interface GreyThumbnail {
  /** Cells across and down. */
  readonly width: number;
  readonly height: number;
  /** Side of one cell in frame px (the last row and column of the frame that do not fill a cell are left out). */
  readonly cellPx: number;
  /** Mean luma of each cell, 0–255, row-major, `width * height` values. */
  readonly grey: Float32Array;
}

/**
 * Downscales an rgb24 image to a grey thumbnail at most `maxWidth` cells wide by averaging the
 * luma (BT.601 integer weights 77/150/29 of 256) over square cells of ceil(width / maxWidth) px.
 * Averaging a cell of n pixels divides per-pixel sensor noise by √n, so a thumbnail difference
 * sees motion, not noise. One pass over the pixels; the image is not kept.
 * @param rgbHWC rgb24, row-major, `width * height * 3` bytes.
 * @throws InputError for sizes that do not match the buffer or a maxWidth below 1.
 */
export function greyThumbnail(rgbHWC: Uint8Array, width: number, height: number, maxWidth: number): GreyThumbnail {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || rgbHWC.length !== width * height * 3) {
    throw new InputError(`greyThumbnail: expected an rgb24 buffer of ${width}x${height}x3 bytes, received ${rgbHWC.length} bytes`, { option: 'rgb' });
  }
  if (!Number.isInteger(maxWidth) || maxWidth < 1) throw new InputError(`greyThumbnail: maxWidth must be an integer >= 1, received ${maxWidth}`, { option: 'maxWidth' });
  const cellPx = Math.max(1, Math.ceil(width / maxWidth));
  const tw = Math.max(1, Math.floor(width / cellPx));
  const th = Math.max(1, Math.floor(height / cellPx));
  const sums = new Float64Array(tw * th);
  const usedW = Math.min(width, tw * cellPx);
  const usedH = Math.min(height, th * cellPx);
  for (let y = 0; y < usedH; y++) {
    const rowBase = Math.floor(y / cellPx) * tw;
    let p = y * width * 3;
    for (let x = 0; x < usedW; x++, p += 3) {
      const cell = rowBase + Math.floor(x / cellPx);
      sums[cell] = (sums[cell] ?? 0) + (77 * (rgbHWC[p] ?? 0) + 150 * (rgbHWC[p + 1] ?? 0) + 29 * (rgbHWC[p + 2] ?? 0)) / 256;
    }
  }
  const cellW = Math.min(cellPx, usedW);
  const cellH = Math.min(cellPx, usedH);
  const n = cellW * cellH;
  const grey = new Float32Array(tw * th);
  for (let i = 0; i < grey.length; i++) grey[i] = (sums[i] ?? 0) / n;
  return { width: tw, height: th, cellPx, grey };
}
