import { InputError } from '../../contracts';
import { resizeAntialiased, type RgbImage, type RgbRegionReader } from '../../image';
import { applySimilarity, type SimilarityTransform } from './similarity-transform';

/** Options of {@link warpSimilarity}. */
export interface WarpOptions {
  /**
   * Prefilter when the warp shrinks (source pixels per output pixel > 1): the source region under
   * the crop is first resized with TF's antialiased triangle filter by the zoom, then sampled
   * bilinearly at about 1:1 (FFHQ also shrinks with an antialiasing filter before its bilinear
   * QUAD transform). Default true.
   */
  readonly antialias?: boolean;
}

interface FloatPlane {
  /** HWC RGB samples: the source bytes themselves, or the prefiltered float region. */
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  /** Maps source-image pixel coordinates into this plane's pixel coordinates. */
  readonly toPlane: (p: readonly [number, number]) => [number, number];
}

function isRegionReader(image: RgbImage | RgbRegionReader): image is RgbRegionReader {
  return typeof (image as Partial<RgbRegionReader>).readRgbRegion === 'function';
}

/**
 * Samples `sizePx` x `sizePx` output pixels at cropToFrame(i, j) from an 8-bit RGB image, bilinear,
 * with edge replication outside the image (FFHQ reflects and blurs instead; replication is
 * simpler and keeps frame borders neutral). Returns 8-bit RGB, rounded once.
 *
 * An {@link RgbRegionReader} (a yuv420p video frame) is read only under the crop (its bounding box
 * plus the filter margin): the output is the same as from the whole RGB image, since every sample
 * and its bilinear neighbours lie in that box, and a sample it clamps lies outside the image too.
 * @throws InputError on a bad image or size.
 */
export function warpSimilarity(
  image: RgbImage | RgbRegionReader,
  cropToFrame: SimilarityTransform,
  sizePx: number,
  options: WarpOptions = {},
): Uint8Array {
  const { width, height } = image;
  const reader = isRegionReader(image);
  const bytes = reader ? null : image.rgb.length;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || (bytes !== null && bytes !== width * height * 3)) {
    throw new InputError(`warpSimilarity: image must be width*height*3 bytes of RGB, got ${width}x${height} with ${String(bytes)} bytes`);
  }
  if (!Number.isInteger(sizePx) || sizePx <= 0) {
    throw new InputError(`warpSimilarity: sizePx must be a positive integer, got ${String(sizePx)}`, { option: 'sizePx' });
  }
  const zoom = Math.hypot(cropToFrame.a, cropToFrame.b);
  const shrink = options.antialias !== false && zoom > 1;
  let plane: FloatPlane;
  if (reader) {
    const region = regionUnder(image, cropToFrame, sizePx, zoom);
    // Crop entirely outside the frame: the whole image, unfiltered, as for an RgbImage.
    if (region === null) plane = bytePlane({ rx0: 0, ry0: 0, rw: width, rh: height, data: image.readRgbRegion(0, 0, width, height) });
    else plane = shrink ? shrunkPlane(region, zoom) : bytePlane(region);
  } else if (shrink) {
    const region = regionUnder(image, cropToFrame, sizePx, zoom);
    plane = region === null ? fullPlane(image) : shrunkPlane(region, zoom);
  } else {
    plane = fullPlane(image);
  }
  const out = new Uint8Array(sizePx * sizePx * 3);
  const { data, width: pw, height: ph } = plane;
  for (let j = 0; j < sizePx; j++) {
    for (let i = 0; i < sizePx; i++) {
      const [qx, qy] = plane.toPlane(applySimilarity(cropToFrame, [i, j]));
      const cx = Math.min(Math.max(qx, 0), pw - 1);
      const cy = Math.min(Math.max(qy, 0), ph - 1);
      const x0 = Math.floor(cx);
      const y0 = Math.floor(cy);
      const x1 = Math.min(x0 + 1, pw - 1);
      const y1 = Math.min(y0 + 1, ph - 1);
      const fx = cx - x0;
      const fy = cy - y0;
      const o = (j * sizePx + i) * 3;
      for (let c = 0; c < 3; c++) {
        const v00 = data[(y0 * pw + x0) * 3 + c] ?? 0;
        const v01 = data[(y0 * pw + x1) * 3 + c] ?? 0;
        const v10 = data[(y1 * pw + x0) * 3 + c] ?? 0;
        const v11 = data[(y1 * pw + x1) * 3 + c] ?? 0;
        const v = (v00 * (1 - fx) + v01 * fx) * (1 - fy) + (v10 * (1 - fx) + v11 * fx) * fy;
        out[o + c] = Math.round(Math.min(255, Math.max(0, v)));
      }
    }
  }
  return out;
}

function fullPlane(image: RgbImage): FloatPlane {
  // No copy: a 1080p frame is 6 MB and this runs once per detection.
  return { data: image.rgb, width: image.width, height: image.height, toPlane: (p) => [p[0], p[1]] };
}

/** An integer rectangle of the source image and its RGB bytes (a float copy for the prefilter). */
interface SourceRegion {
  readonly rx0: number;
  readonly ry0: number;
  readonly rw: number;
  readonly rh: number;
  readonly data: ArrayLike<number>;
}

/**
 * The source rectangle under the crop's corners plus a margin of 2·max(zoom, 1) + 2 px (the
 * prefilter's support and the bilinear neighbour), clipped to the image, with its pixels; null when
 * the crop lies entirely outside the frame (the caller samples the whole image, replicating its edge).
 */
function regionUnder(image: RgbImage | RgbRegionReader, cropToFrame: SimilarityTransform, sizePx: number, zoom: number): SourceRegion | null {
  const corners = [
    [-0.5, -0.5],
    [sizePx - 0.5, -0.5],
    [-0.5, sizePx - 0.5],
    [sizePx - 0.5, sizePx - 0.5],
  ].map((p) => applySimilarity(cropToFrame, p as [number, number]));
  const margin = 2 * Math.max(zoom, 1) + 2;
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const rx0 = Math.max(0, Math.floor(Math.min(...xs) - margin));
  const ry0 = Math.max(0, Math.floor(Math.min(...ys) - margin));
  const rx1 = Math.min(image.width, Math.ceil(Math.max(...xs) + margin));
  const ry1 = Math.min(image.height, Math.ceil(Math.max(...ys) + margin));
  if (rx1 - rx0 < 2 || ry1 - ry0 < 2) return null;
  const rw = rx1 - rx0;
  const rh = ry1 - ry0;
  if (isRegionReader(image)) return { rx0, ry0, rw, rh, data: image.readRgbRegion(rx0, ry0, rw, rh) };
  const data = new Float32Array(rw * rh * 3);
  for (let r = 0; r < rh; r++) {
    const src = ((ry0 + r) * image.width + rx0) * 3;
    for (let k = 0; k < rw * 3; k++) data[r * rw * 3 + k] = image.rgb[src + k] ?? 0;
  }
  return { rx0, ry0, rw, rh, data };
}

/** A region sampled as it is (no prefilter): source coordinates shifted to the region's origin. */
function bytePlane(region: SourceRegion): FloatPlane {
  const { rx0, ry0 } = region;
  return { data: region.data, width: region.rw, height: region.rh, toPlane: (p) => [p[0] - rx0, p[1] - ry0] };
}

/** The region resized by 1/zoom with the antialiased triangle filter. */
function shrunkPlane(region: SourceRegion, zoom: number): FloatPlane {
  const { rx0, ry0, rw, rh } = region;
  const floats = region.data instanceof Float32Array ? region.data : Float32Array.from(region.data);
  const sw = Math.max(1, Math.round(rw / zoom));
  const sh = Math.max(1, Math.round(rh / zoom));
  const data = resizeAntialiased(floats, rh, rw, 3, sh, sw, 'triangle');
  const sx = rw / sw;
  const sy = rh / sh;
  // Half-pixel centres of the resize: region pixel p = (q + 0.5)·s − 0.5.
  return { data, width: sw, height: sh, toPlane: (p) => [(p[0] - rx0 + 0.5) / sx - 0.5, (p[1] - ry0 + 0.5) / sy - 0.5] };
}
