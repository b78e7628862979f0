import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { openFrameDecoder, probeSource, resolveFfmpegBinaries, type FfmpegBinaries } from '../../../src/ingest';
import {
  collect,
  expectedSamplePts,
  ffprobeFramePtsMs,
  HAMILTON,
  INTEL,
  makeTempDir,
  meanAbsDiff,
  OPENPOSE,
  PORTRAIT,
  removeDir,
  runFfmpeg,
  SADTALKER,
} from './ingest-test-helpers';

// pts are compared with ffprobe's integer timestamps converted the same way; 1e-6 ms absorbs
// only floating-point rounding of pts*1000/den.
const PTS_DIGITS = 6;

describe('openFrameDecoder', () => {
  let bins: FfmpegBinaries;
  let dir = '';
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
    dir = makeTempDir();
  });
  afterAll(() => removeDir(dir));

  it('samples the Hamilton clip at 5 fps with the real pts of each kept frame', async () => {
    const all = ffprobeFramePtsMs(bins, HAMILTON);
    expect(all).toHaveLength(275);
    const expected = expectedSamplePts(all, 5, 0);
    const frames = await collect(openFrameDecoder(HAMILTON, { sourceId: 3 }, bins));
    expect(frames.map((f) => f.index)).toEqual(expected.map((_, i) => i));
    expect(frames).toHaveLength(expected.length);
    // ~9.2 s of video from 852 ms: 47 slots of 200 ms.
    expect(frames.length).toBeGreaterThanOrEqual(46);
    frames.forEach((f, i) => expect(f.ptsMs).toBeCloseTo(expected[i] ?? NaN, PTS_DIGITS));
    expect(frames[0]?.ptsMs).toBeCloseTo(852.019, 3);
    for (const f of frames) {
      expect(f).toMatchObject({ sourceId: 3, width: 640, height: 360, analysis: null });
      expect(f.rgb.length).toBe(640 * 360 * 3);
    }
  });

  it('pairs each pts with its own picture (checked against an independent ffmpeg extraction)', async () => {
    const frames = await collect(openFrameDecoder(SADTALKER, { sourceId: 1, startMs: 2000, durationMs: 1000 }, bins));
    // 25 fps, 5 fps sampling: pts 2000, 2200, ..., 2800.
    expect(frames.map((f) => Math.round(f.ptsMs))).toEqual([2000, 2200, 2400, 2600, 2800]);
    const probe = await probeSource(SADTALKER, bins);
    const third = frames[2];
    if (third === undefined) throw new Error('no third frame');
    const pts = Math.round((third.ptsMs / 1000) * (probe.timeBase.den / probe.timeBase.num));
    const ref = execFileSync(bins.ffmpeg.path, [
      '-v', 'error', '-i', SADTALKER, '-vf', `select='eq(pts,${pts})'`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-',
    ], { maxBuffer: 16 * 1024 * 1024 });
    expect(ref.length).toBe(third.rgb.length);
    // Same decoder, same conversion: identical up to swscale's rounding (mean |diff| < 0.5 of 255).
    expect(meanAbsDiff(new Uint8Array(ref), third.rgb)).toBeLessThan(0.5);
    // And clearly different from its neighbour 200 ms earlier (a talking head moves).
    const second = frames[1];
    if (second === undefined) throw new Error('no second frame');
    expect(meanAbsDiff(new Uint8Array(ref), second.rgb)).toBeGreaterThan(1);
  });

  it('decodes a range of the long clip (startMs/durationMs) at the source rate and at 2 fps', async () => {
    const all = ffprobeFramePtsMs(bins, INTEL, '60%+4');
    const src = await collect(openFrameDecoder(INTEL, { sourceId: 1, fps: 'source', startMs: 61000, durationMs: 2000 }, bins));
    const expectedSrc = all.filter((t) => t >= 61000 && t < 63000);
    expect(expectedSrc).toHaveLength(20);
    expect(src.map((f) => f.ptsMs)).toEqual(expectedSrc.map((t) => expect.closeTo(t, PTS_DIGITS)));
    const two = await collect(openFrameDecoder(INTEL, { sourceId: 1, fps: 2, startMs: 61000, durationMs: 2000 }, bins));
    expect(two.map((f) => Math.round(f.ptsMs))).toEqual([61000, 61500, 62000, 62500]);
    expect(two[0]).toMatchObject({ width: 768, height: 432 });
  });

  it('keeps the real pts of a variable-frame-rate clip', async () => {
    const vfr = path.join(dir, 'vfr.mp4');
    // 60 frames, gaps of 10/50/60 ms and one 520 ms hole at frame 30.
    runFfmpeg(bins, [
      '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=100', '-frames:v', '60',
      '-vf', "settb=1/1000,setpts='40*N+15*mod(N\\,3)+500*gte(N\\,30)'",
      '-vsync', 'passthrough', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-video_track_timescale', '1000', vfr,
    ]);
    const all = ffprobeFramePtsMs(bins, vfr);
    expect(all).toHaveLength(60);
    const gaps = all.slice(1).map((t, i) => t - (all[i] ?? 0));
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(2); // really variable
    expect(Math.max(...gaps)).toBeGreaterThan(400);

    const every = await collect(openFrameDecoder(vfr, { sourceId: 1, fps: 'source' }, bins));
    expect(every.map((f) => f.ptsMs)).toEqual(all.map((t) => expect.closeTo(t, PTS_DIGITS)));

    const sampled = await collect(openFrameDecoder(vfr, { sourceId: 1, fps: 10 }, bins));
    const expected = expectedSamplePts(all, 10, 0);
    expect(sampled.map((f) => f.ptsMs)).toEqual(expected.map((t) => expect.closeTo(t, PTS_DIGITS)));
    // The hole is not filled with duplicates: no two frames share a pts, none is invented.
    expect(sampled.every((f) => all.some((t) => Math.abs(t - f.ptsMs) < 1e-6))).toBe(true);
  });

  it('applies the display rotation: frames have the displayed size and rotated content', async () => {
    const plain = path.join(dir, 'plain.mp4');
    const rotated = path.join(dir, 'rot90.mp4');
    runFfmpeg(bins, ['-f', 'lavfi', '-i', 'testsrc2=size=160x96:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-qp', '0', plain]);
    runFfmpeg(bins, ['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const [p] = await collect(openFrameDecoder(plain, { sourceId: 1, durationMs: 100 }, bins));
    const [r] = await collect(openFrameDecoder(rotated, { sourceId: 1, durationMs: 100 }, bins));
    if (p === undefined || r === undefined) throw new Error('no frame');
    expect([p.width, p.height]).toEqual([160, 96]);
    expect([r.width, r.height]).toEqual([96, 160]);
    // r must be p turned by 90 degrees one way or the other: compare with both.
    const turn = (clockwise: boolean): Uint8Array => {
      const out = new Uint8Array(p.rgb.length);
      for (let y = 0; y < r.height; y++) {
        for (let x = 0; x < r.width; x++) {
          const sx = clockwise ? y : p.width - 1 - y;
          const sy = clockwise ? p.height - 1 - x : x;
          for (let c = 0; c < 3; c++) out[(y * r.width + x) * 3 + c] = p.rgb[(sy * p.width + sx) * 3 + c] ?? 0;
        }
      }
      return out;
    };
    // Lossless yuv444 source: a rotation moves pixels exactly (tolerance for RGB conversion rounding).
    expect(Math.min(meanAbsDiff(turn(true), r.rgb), meanAbsDiff(turn(false), r.rgb))).toBeLessThan(1);
  });

  it('gives the portrait clip as 1080x1920 frames and a scaled analysis copy', async () => {
    const frames = await collect(openFrameDecoder(PORTRAIT, { sourceId: 9, durationMs: 600, analysisMaxWidth: 270 }, bins));
    const expected = expectedSamplePts(ffprobeFramePtsMs(bins, PORTRAIT, '%+1'), 5, 0, 600);
    expect(expected).toHaveLength(3);
    expect(frames.map((f) => f.ptsMs)).toEqual(expected.map((t) => expect.closeTo(t, PTS_DIGITS)));
    for (const f of frames) {
      expect([f.width, f.height, f.rgb.length]).toEqual([1080, 1920, 1080 * 1920 * 3]);
      const a = f.analysis;
      if (a === null) throw new Error('analysis copy missing');
      expect([a.width, a.height, a.rgb.length, a.scaleX, a.scaleY]).toEqual([270, 480, 270 * 480 * 3, 4, 4]);
      // The copy is the same picture: compare it with a 4x4 box average of the full frame.
      let diff = 0;
      let n = 0;
      for (let y = 0; y < a.height; y += 37) {
        for (let x = 0; x < a.width; x += 29) {
          for (let c = 0; c < 3; c++) {
            let s = 0;
            for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) s += f.rgb[((y * 4 + dy) * f.width + x * 4 + dx) * 3 + c] ?? 0;
            diff += Math.abs(s / 16 - (a.rgb[(y * a.width + x) * 3 + c] ?? 0));
            n += 1;
          }
        }
      }
      expect(diff / n).toBeLessThan(4); // area scaling vs box average: small rounding/chroma differences
    }
    // Frames already narrower than analysisMaxWidth share their buffer with the analysis view.
    const [small] = await collect(openFrameDecoder(OPENPOSE, { sourceId: 1, durationMs: 10, analysisMaxWidth: 2000 }, bins));
    expect(small?.analysis?.rgb).toBe(small?.rgb);
    expect(small?.analysis).toMatchObject({ width: 1280, height: 720, scaleX: 1, scaleY: 1 });
  });
});
