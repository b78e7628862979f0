/**
 * An 8-bit image in memory, row-major interleaved HWC (`channels` values per pixel).
 * Structurally compatible with contracts.ts `FaceCrop` (channels 3) and the pixel part of `Frame`.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width*height*3 bytes, row-major RGB. */
  readonly rgb: Uint8Array;
}

/** A float image in memory, row-major interleaved HWC, values nominally in [0, 1]. */
export interface FloatImageHWC {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** height*width*channels values. */
  readonly data: Float32Array;
}

/**
 * An RGB image whose pixels are made on demand, a rectangle at a time (a decoded YUV frame that
 * converts only the regions a face crop reads). `readRgbRegion` returns exactly the bytes the
 * same rectangle of the equivalent {@link RgbImage} holds.
 */
export interface RgbRegionReader {
  readonly width: number;
  readonly height: number;
  /**
   * The rectangle [x, x+w) x [y, y+h), integer and inside the image, as w*h*3 bytes of row-major RGB
   * (a new array the caller owns).
   */
  readRgbRegion(x: number, y: number, w: number, h: number): Uint8Array;
}
