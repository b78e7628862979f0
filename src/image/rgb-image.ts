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
