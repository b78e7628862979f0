import type { Frame } from '../contracts';
import type { Yuv420Image } from '../image';

/** A downscaled copy of a frame for face detection (see `DecodeOptions.analysisMaxWidth`). */
export interface AnalysisImage {
  readonly width: number;
  readonly height: number;
  /** width*height*3 bytes, row-major RGB. Shares the full frame's buffer when no downscale was needed. */
  readonly rgb: Uint8Array;
  /** Full-resolution px per analysis px along x and y: multiply analysis coordinates by these to crop the full frame. */
  readonly scaleX: number;
  readonly scaleY: number;
}

/**
 * A full-resolution Frame plus its optional analysis copy. With `yuv` set (DecodeOptions
 * `fullFrameFormat` 'yuv420p') the frame is a `Yuv420Frame`: `rgb` is converted from `yuv`
 * on first read, and `readRgbRegion` (src/image `RgbRegionReader`) converts only a rectangle.
 */
export interface DecodedFrame extends Frame {
  /** null unless `analysisMaxWidth` was set. */
  readonly analysis: AnalysisImage | null;
  /** The full-resolution picture as ffmpeg decoded it (yuv420p), or null when ffmpeg wrote rgb24. */
  readonly yuv: Yuv420Image | null;
}
