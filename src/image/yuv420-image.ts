/** The YCbCr -> RGB matrices {@link yuv420ToRgb} implements: ITU-R BT.601 and BT.709, limited ("tv") range. */
export const YUV_MATRICES = Object.freeze(['bt601', 'bt709'] as const);
export type YuvMatrix = (typeof YUV_MATRICES)[number];

/**
 * An 8-bit planar YCbCr 4:2:0 picture (ffmpeg's `yuv420p`), limited range: a full-resolution luma
 * plane and two chroma planes subsampled 2x2.
 */
export interface Yuv420Image {
  readonly width: number;
  readonly height: number;
  /** Luma, width*height bytes, row-major. */
  readonly y: Uint8Array;
  /** Cb and Cr, ceil(width/2)*ceil(height/2) bytes each, row-major. */
  readonly u: Uint8Array;
  readonly v: Uint8Array;
  /** The matrix that turns it into RGB (what ffmpeg's scale filter uses for this source: its colorspace tag, BT.601 when untagged). */
  readonly matrix: YuvMatrix;
}

/** Bytes of one yuv420p picture of width x height: luma plus two 2x2-subsampled chroma planes. */
export function yuv420FrameBytes(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** The three planes of one yuv420p picture laid out as ffmpeg's rawvideo writes it (Y, then U, then V), without copying. */
export function yuv420Planes(bytes: Uint8Array, width: number, height: number, matrix: YuvMatrix): Yuv420Image {
  const ySize = width * height;
  const cSize = Math.ceil(width / 2) * Math.ceil(height / 2);
  return {
    width,
    height,
    y: bytes.subarray(0, ySize),
    u: bytes.subarray(ySize, ySize + cSize),
    v: bytes.subarray(ySize + cSize, ySize + 2 * cSize),
    matrix,
  };
}
