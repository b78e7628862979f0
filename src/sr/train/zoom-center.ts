/**
 * A tighter framing of a square face: the centred window of side size/zoom, resampled bilinearly
 * (pixel centres, edge-clamped) back to size x size. zoom 1 returns an exact copy. Used by the
 * residual recipe's framing augmentation (`zoom`): crops framed tighter than the canonical FFHQ
 * alignment, like the FASR authors' CelebA probes (≈ 1.35x tighter).
 * @param img size*size*channels float32 values, row-major interleaved.
 * @throws RangeError for a zoom outside [1, 4] or a size mismatch.
 */
export function zoomCenterHWC(img: Float32Array, size: number, channels: number, zoom: number): Float32Array {
  if (!(zoom >= 1 && zoom <= 4)) throw new RangeError(`zoomCenterHWC: zoom must be in [1, 4], received ${zoom}`);
  if (img.length !== size * size * channels) throw new RangeError(`zoomCenterHWC: expected ${size}x${size}x${channels} = ${size * size * channels} values, received ${img.length}`);
  if (zoom === 1) return img.slice();
  const out = new Float32Array(img.length);
  const scale = 1 / zoom;
  // Output pixel centre i + 0.5 maps to source centre + (i + 0.5 - size/2) / zoom.
  const coords = Array.from({ length: size }, (_, i) => {
    const x = Math.min(size - 1, Math.max(0, size / 2 + (i + 0.5 - size / 2) * scale - 0.5));
    const x0 = Math.floor(x);
    const x1 = Math.min(size - 1, x0 + 1);
    return { x0, x1, f: x - x0 };
  });
  for (let oy = 0; oy < size; oy++) {
    const { x0: y0, x1: y1, f: fy } = coords[oy] as { x0: number; x1: number; f: number };
    for (let ox = 0; ox < size; ox++) {
      const { x0, x1, f: fx } = coords[ox] as { x0: number; x1: number; f: number };
      for (let c = 0; c < channels; c++) {
        const p00 = img[(y0 * size + x0) * channels + c] as number;
        const p01 = img[(y0 * size + x1) * channels + c] as number;
        const p10 = img[(y1 * size + x0) * channels + c] as number;
        const p11 = img[(y1 * size + x1) * channels + c] as number;
        out[(oy * size + ox) * channels + c] = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
      }
    }
  }
  return out;
}
