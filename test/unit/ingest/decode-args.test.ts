import { analysisSize, buildDecodePlan, frameSelectExpr } from '../../../src/ingest/decode-args';
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
    expect(a[a.indexOf('-filter_complex') + 1]).toContain('split=2[f0][a0];[f0]scale=1080:1920,format=rgb24[full];[a0]scale=540:960:flags=area,format=rgb24[ana]');
    expect(a.slice(-7)).toEqual(['-map', '[ana]', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:3']);
  });
});
