import type { FaceLandmarks5 } from '../../../src/contracts';
import { yuv420ToRgb } from '../../../src/image';
import { openFrameDecoder, resolveFfmpegBinaries, Yuv420Frame, type DecodedFrame, type FfmpegBinaries } from '../../../src/ingest';
import { alignFace } from '../../../src/track';
import { collect, HAMILTON, OPENPOSE, PORTRAIT } from './ingest-test-helpers';

/**
 * Tolerance of the JS conversion against ffmpeg's rgb24 output, per byte: 1. With the ffmpeg this
 * project runs (5.1, x86) the conversion is bit-exact (max difference 0, asserted as <= 1); another
 * build of libswscale (its C tables, another CPU's SIMD) may round a step differently.
 */
const TOL = 1;

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

/** The rectangle [x, x+w) x [y, y+h) of a row-major RGB image. */
function rect(rgb: Uint8Array, width: number, x: number, y: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) out.set(rgb.subarray(((y + r) * width + x) * 3, ((y + r) * width + x + w) * 3), r * w * 3);
  return out;
}

/** Five points of an upright face with eyes `eyeDist` px apart, centred at (cx, cy). */
function face(cx: number, cy: number, eyeDist: number): FaceLandmarks5 {
  const d = eyeDist / 2;
  return {
    leftEye: [cx - d, cy - d * 0.6],
    rightEye: [cx + d, cy - d * 0.5],
    nose: [cx, cy + d * 0.3],
    mouthLeft: [cx - d * 0.8, cy + d * 1.1],
    mouthRight: [cx + d * 0.8, cy + d * 1.05],
  };
}

describe('full-resolution frames as yuv420p (DecodeOptions.fullFrameFormat)', () => {
  let bins: FfmpegBinaries;
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
  });

  /** The same frames decoded both ways: the default (yuv420p) and ffmpeg's own rgb24 conversion. */
  async function bothWays(file: string, startMs: number): Promise<{ yuv: DecodedFrame[]; rgb: DecodedFrame[] }> {
    const opts = { sourceId: 1, analysisMaxWidth: 640, startMs, durationMs: 1000 };
    const yuv = await collect(openFrameDecoder(file, opts, bins));
    const rgb = await collect(openFrameDecoder(file, { ...opts, fullFrameFormat: 'rgb24' }, bins));
    expect(yuv.length).toBe(5);
    expect(rgb.map((f) => f.ptsMs)).toEqual(yuv.map((f) => f.ptsMs));
    return { yuv, rgb };
  }

  it.each([
    ['openpose 1280x720, tagged BT.709', OPENPOSE, 1000, 'bt709', 1280, 720],
    ['single-face 1080x1920, tagged smpte170m (BT.601)', PORTRAIT, 3000, 'bt601', 1080, 1920],
  ] as const)('%s: the whole frame converts to what ffmpeg writes as rgb24; the analysis copy is unchanged', async (_name, file, startMs, matrix, w, h) => {
    const { yuv, rgb } = await bothWays(file, startMs);
    for (let i = 0; i < yuv.length; i++) {
      const y = yuv[i] as DecodedFrame;
      const r = rgb[i] as DecodedFrame;
      expect(y).toBeInstanceOf(Yuv420Frame);
      expect(y.yuv?.matrix).toBe(matrix);
      expect(y.yuv?.y.length).toBe(w * h);
      expect(r.yuv).toBeNull();
      expect({ width: y.width, height: y.height }).toEqual({ width: w, height: h });
      expect(Buffer.from(y.analysis?.rgb ?? []).equals(Buffer.from(r.analysis?.rgb ?? [1]))).toBe(true);
      expect(maxAbsDiff(y.rgb, r.rgb)).toBeLessThanOrEqual(TOL);
    }
  });

  it('converts a rectangle at any offset (odd ones split a chroma pair) as the same rectangle of the rgb24 frame', async () => {
    const { yuv, rgb } = await bothWays(OPENPOSE, 2000);
    const y = yuv[0] as Yuv420Frame;
    const r = rgb[0] as DecodedFrame;
    for (const [x0, y0, rw, rh] of [
      [0, 0, 1280, 720],
      [1, 1, 3, 3],
      [613, 201, 117, 151],
      [1279, 719, 1, 1],
      [0, 357, 1280, 2],
    ] as const) {
      const region = y.readRgbRegion(x0, y0, rw, rh);
      expect(region.length).toBe(rw * rh * 3);
      expect(maxAbsDiff(region, rect(r.rgb, 1280, x0, y0, rw, rh))).toBeLessThanOrEqual(TOL);
      // The region path and the whole-frame path are one conversion.
      expect(Buffer.from(region).equals(Buffer.from(rect(yuv420ToRgb(y.yuv, 0, 0, 1280, 720), 1280, x0, y0, rw, rh)))).toBe(true);
    }
    expect(() => y.readRgbRegion(1200, 0, 100, 10)).toThrow('yuv420ToRgb: rectangle [1200, 0, 100, 10] (x, y, w, h) must be integers with positive size inside the 1280x720 picture');
  });

  it('aligned face crops cut from the yuv420p frame (only the region under the crop converted) equal those from the whole RGB frame', async () => {
    const { yuv, rgb } = await bothWays(PORTRAIT, 1000);
    const y = yuv[2] as Yuv420Frame;
    const r = rgb[2] as DecodedFrame;
    const cases: [string, FaceLandmarks5, number | 'native', boolean][] = [
      ['a big face shrunk to 128 (antialiased prefilter)', face(540, 700, 260), 128, true],
      ['a big face, no prefilter', face(540, 700, 260), 128, false],
      ['a 12-px face enlarged to 128', face(300, 1500, 12), 128, true],
      ['a face at its native size', face(700, 400, 80), 'native', true],
      ['a face cut by the frame corner', face(10, 15, 90), 128, true],
      ['a face entirely outside the frame (edge replicated)', face(-4000, -3000, 60), 64, true],
    ];
    for (const [name, lm, sizePx, antialias] of cases) {
      // A fresh frame over the same planes: nothing converted yet, so the crop reads regions only.
      const fresh = new Yuv420Frame(y.sourceId, y.index, y.ptsMs, y.yuv, null);
      const fromYuv = alignFace(fresh, lm, { sizePx, antialias }).crop;
      const fromWhole = alignFace({ width: y.width, height: y.height, rgb: yuv420ToRgb(y.yuv, 0, 0, y.width, y.height) }, lm, { sizePx, antialias }).crop;
      expect({ name, same: Buffer.from(fromYuv.rgb).equals(Buffer.from(fromWhole.rgb)) }).toEqual({ name, same: true });
      const fromFfmpeg = alignFace(r, lm, { sizePx, antialias }).crop;
      expect({ name, diff: maxAbsDiff(fromYuv.rgb, fromFfmpeg.rgb) <= TOL }).toEqual({ name, diff: true });
    }
  });

  it('reads half the bytes per full frame; no analysis copy (the frame is what the detector sees) or fullFrameFormat rgb24 keep rgb24', async () => {
    // The whole clip (a range would read one frame past its end).
    const y = openFrameDecoder(OPENPOSE, { sourceId: 1, analysisMaxWidth: 640 }, bins);
    const r = openFrameDecoder(OPENPOSE, { sourceId: 1, analysisMaxWidth: 640, fullFrameFormat: 'rgb24' }, bins);
    const [fy, fr] = [await collect(y), await collect(r)];
    expect(fy.length).toBe(21);
    expect(fr.length).toBe(21);
    const ana = 640 * 360 * 3;
    expect(y.stats.bytesRead).toBe(fy.length * (1280 * 720 * 1.5 + ana));
    expect(r.stats.bytesRead).toBe(fr.length * (1280 * 720 * 3 + ana));
    const ham = await collect(openFrameDecoder(HAMILTON, { sourceId: 1, analysisMaxWidth: 640, startMs: 1000, durationMs: 600 }, bins));
    expect(ham.length).toBeGreaterThan(0);
    for (const f of ham) expect(f.yuv).toBeNull();
  });
});
