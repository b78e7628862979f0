import { analysisSize, buildDecodePlan, frameSelectExpr, fullYuvMatrixFor } from '../../../src/ingest/decode-args';
import { resolveDecodeOptions } from '../../../src/ingest';
import type { SourceProbe } from '../../../src/ingest';

const probe: SourceProbe = {
  path: '/videos/a b.mp4',
  sizeBytes: 1000,
  mtimeMs: 0,
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationMs: 10000,
  videoStreamIndex: 1,
  codecName: 'h264',
  timeBase: { num: 1, den: 90000 },
  startTimeMs: 0,
  avgFrameRate: 30,
  realFrameRate: 30,
  codedWidth: 1920,
  codedHeight: 1080,
  rotationDeg: 90,
  width: 1080,
  height: 1920,
  frameCount: 300,
  hasAudio: true,
  pixFormat: 'yuv420p',
  colorSpace: 'bt709',
  colorRange: 'tv',
};

describe('frameSelectExpr', () => {
  it('keeps the first frame of each 1/fps slot counted from the start', () => {
    expect(frameSelectExpr(5, 0)).toBe(
      'gte(t,0)*(isnan(prev_selected_t)+gt(floor((t-0)*5+1e-6),floor((prev_selected_t-0)*5+1e-6)))',
    );
    expect(frameSelectExpr(2.5, 1.25)).toContain('floor((t-1.25)*2.5+1e-6)');
    expect(frameSelectExpr('source', 3)).toBe('gte(t,3)');
  });
});

describe('analysisSize', () => {
  it('downscales to the max width keeping the aspect ratio, or says no copy is needed', () => {
    expect(analysisSize(1280, 720, 640)).toEqual({ width: 640, height: 360 });
    expect(analysisSize(1080, 1920, 540)).toEqual({ width: 540, height: 960 });
    expect(analysisSize(641, 361, 320)).toEqual({ width: 320, height: 180 });
    expect(analysisSize(640, 360, 640)).toBeNull();
    expect(analysisSize(640, 360, null)).toBeNull();
  });
});

describe('buildDecodePlan', () => {
  it('decodes the probed stream at displayed size, with pts on stderr and frames on stdout', () => {
    const plan = buildDecodePlan('/videos/a b.mp4', probe, resolveDecodeOptions({ sourceId: 1 }));
    expect(plan.width).toBe(1080);
    expect(plan.height).toBe(1920);
    expect(plan.analysis).toBeNull();
    const a = plan.args;
    expect(a).toEqual(expect.arrayContaining(['-copyts', '-nostdin', 'level+info', 'file:/videos/a b.mp4', 'pipe:1', 'passthrough']));
    expect(a).not.toContain('-ss');
    expect(a).not.toContain('pipe:3');
    const graph = a[a.indexOf('-filter_complex') + 1];
    expect(graph).toBe(`[0:1]select='${frameSelectExpr(5, 0)}',showinfo,scale=1080:1920,format=rgb24[full]`);
  });

  it('seeks in the stream timeline and writes the analysis copy to fd 3', () => {
    const plan = buildDecodePlan('/v.mp4', probe, resolveDecodeOptions({ sourceId: 1, startMs: 2500, analysisMaxWidth: 540 }));
    const a = plan.args;
    expect(a.slice(a.indexOf('-seek_timestamp'), a.indexOf('-seek_timestamp') + 5)).toEqual(['-seek_timestamp', '1', '-ss', '2.5', '-noaccurate_seek']);
    expect(a.indexOf('-ss')).toBeLessThan(a.indexOf('-i'));
    expect(plan.analysis).toEqual({ width: 540, height: 960 });
    expect(a[a.indexOf('-filter_complex') + 1]).toContain('split=2[f0][a0];[f0]scale=1080:1920,format=yuv420p[full];[a0]scale=540:960:flags=area,format=rgb24[ana]');
    expect(a.slice(-7)).toEqual(['-map', '[ana]', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:3']);
  });

  it('writes the full-resolution frame as yuv420p (1.5 bytes/px) beside an analysis copy by default, as rgb24 when told', () => {
    const yuv = buildDecodePlan('/v.mp4', probe, resolveDecodeOptions({ sourceId: 1, analysisMaxWidth: 540 }));
    expect(yuv.fullYuvMatrix).toBe('bt709');
    expect(yuv.fullFrameBytes).toBe(1080 * 1920 * 1.5);
    expect(yuv.args[yuv.args.indexOf('-filter_complex') + 1]).toContain('[f0]scale=1080:1920,format=yuv420p[full];[a0]scale=540:960:flags=area,format=rgb24[ana]');
    expect(yuv.args.slice(yuv.args.indexOf('[full]', yuv.args.indexOf('-map')) - 1, yuv.args.indexOf('pipe:1'))).toEqual(['-map', '[full]', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'yuv420p']);
    const rgb = buildDecodePlan('/v.mp4', probe, resolveDecodeOptions({ sourceId: 1, analysisMaxWidth: 540, fullFrameFormat: 'rgb24' }));
    expect(rgb.fullYuvMatrix).toBeNull();
    expect(rgb.fullFrameBytes).toBe(1080 * 1920 * 3);
    expect(rgb.args[rgb.args.indexOf('-filter_complex') + 1]).toContain('[f0]scale=1080:1920,format=rgb24[full]');
    // No analysis copy: the detector reads the full frame, so it stays rgb24.
    expect(buildDecodePlan('/v.mp4', probe, resolveDecodeOptions({ sourceId: 1 })).fullYuvMatrix).toBeNull();
  });
});

describe('fullYuvMatrixFor', () => {
  const copy = { width: 640, height: 360 };
  const p = (over: Partial<SourceProbe>): SourceProbe => ({ ...probe, width: 1280, height: 720, ...over });
  it("picks the matrix ffmpeg's scale filter would: BT.709 when tagged so, BT.601 for bt470bg, smpte170m and untagged", () => {
    expect(fullYuvMatrixFor(p({ colorSpace: 'bt709' }), copy, 'yuv420p')).toBe('bt709');
    expect(fullYuvMatrixFor(p({ colorSpace: 'smpte170m' }), copy, 'yuv420p')).toBe('bt601');
    expect(fullYuvMatrixFor(p({ colorSpace: 'bt470bg' }), copy, 'yuv420p')).toBe('bt601');
    expect(fullYuvMatrixFor(p({ colorSpace: null, colorRange: null }), copy, 'yuv420p')).toBe('bt601');
  });
  it('leaves to ffmpeg (rgb24) what the JS conversion does not reproduce', () => {
    expect(fullYuvMatrixFor(p({ pixFormat: 'yuvj420p' }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({ pixFormat: 'yuv422p' }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({ pixFormat: null }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({ colorRange: 'pc' }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({ colorSpace: 'bt2020nc' }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({ height: 721 }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({ width: 1284 }), copy, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({}), null, 'yuv420p')).toBeNull();
    expect(fullYuvMatrixFor(p({}), copy, 'rgb24')).toBeNull();
  });
});

describe('resolveDecodeOptions fullFrameFormat', () => {
  it("defaults to 'yuv420p' and rejects anything but the two formats, listing them", () => {
    expect(resolveDecodeOptions({ sourceId: 1 }).fullFrameFormat).toBe('yuv420p');
    expect(() => resolveDecodeOptions({ sourceId: 1, fullFrameFormat: 'rgb' as never })).toThrow(/fullFrameFormat.*yuv420p.*rgb24.*rgb/);
  });
});
