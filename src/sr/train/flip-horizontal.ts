/**
 * Mirrors a row-major interleaved HWC image left↔right (a new array; the input is untouched).
 * Works on any typed array of `height*width*channels` values.
 */
export function flipHorizontalHWC<T extends Uint8Array | Float32Array>(img: T, width: number, height: number, channels: number): T {
  const out = new (img.constructor as { new (n: number): T })(img.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width; x++) {
      const src = row + x * channels;
      const dst = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = img[src + c] as number;
    }
  }
  return out;
}
