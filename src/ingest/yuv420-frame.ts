import { yuv420ToRgb, type RgbRegionReader, type Yuv420Image } from '../image';
import type { AnalysisImage, DecodedFrame } from './decoded-frame';

/**
 * A decoded frame whose full-resolution picture came from ffmpeg as yuv420p
 * (`DecodeOptions.fullFrameFormat`): `readRgbRegion` converts one rectangle (what a face crop
 * reads), `rgb` converts the whole frame on its first read and keeps it. Both give exactly the
 * bytes of ffmpeg's rgb24 output for the frame (src/image `yuv420ToRgb`).
 */
export class Yuv420Frame implements DecodedFrame, RgbRegionReader {
  readonly width: number;
  readonly height: number;
  private rgbCache: Uint8Array | null = null;

  constructor(
    readonly sourceId: number,
    readonly index: number,
    readonly ptsMs: number,
    readonly yuv: Yuv420Image,
    readonly analysis: AnalysisImage | null,
  ) {
    this.width = yuv.width;
    this.height = yuv.height;
  }

  /** width*height*3 bytes, row-major RGB, converted on the first read (the small-face pass on the full frame, a PNG of it). */
  get rgb(): Uint8Array {
    this.rgbCache ??= yuv420ToRgb(this.yuv, 0, 0, this.yuv.width, this.yuv.height);
    return this.rgbCache;
  }

  readRgbRegion(x: number, y: number, w: number, h: number): Uint8Array {
    if (this.rgbCache !== null) {
      // Already converted: copy the rows.
      const out = new Uint8Array(w * h * 3);
      for (let r = 0; r < h; r++) {
        const src = ((y + r) * this.yuv.width + x) * 3;
        out.set(this.rgbCache.subarray(src, src + w * 3), r * w * 3);
      }
      return out;
    }
    return yuv420ToRgb(this.yuv, x, y, w, h);
  }
}
