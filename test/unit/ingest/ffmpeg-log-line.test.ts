import { damageKindOf, isDamageLine, parseFfmpegLogLine } from '../../../src/ingest/ffmpeg-log-line';

describe('parseFfmpegLogLine', () => {
  it('reads showinfo frame lines of ffmpeg 5.1 (with level tag) and 4.x', () => {
    const v51 =
      '[Parsed_showinfo_1 @ 0x5608b956dc80] [info] n:   9 pts:     90 pts_time:1.8     pos:   562154 fmt:yuv420p sar:1/1 s:1280x720 i:P iskey:0 type:B checksum:D2177791';
    expect(parseFfmpegLogLine(v51)).toEqual({ kind: 'frame', n: 9, pts: 90 });
    const v41 = '[Parsed_showinfo_2 @ 0x4038c440] n:   0 pts:  24214 pts_time:2.01985 pos:    89258 fmt:rgb24 sar:1/1 s:64x36';
    expect(parseFfmpegLogLine(v41)).toEqual({ kind: 'frame', n: 0, pts: 24214 });
    expect(parseFfmpegLogLine('[Parsed_showinfo_0 @ 0x1] [info] n:  12 pts:  NOPTS pts_time:NOPTS')).toEqual({ kind: 'frame', n: 12, pts: null });
    expect(parseFfmpegLogLine('[Parsed_showinfo_0 @ 0x1] [info] n:   3 pts:   -512 pts_time:-0.04')).toEqual({ kind: 'frame', n: 3, pts: -512 });
  });

  it('reads the time base showinfo reports when its link is configured', () => {
    expect(parseFfmpegLogLine('[Parsed_showinfo_2 @ 0x55ae] [info] config in time_base: 1/11988, frame_rate: 2997/100')).toEqual({
      kind: 'timeBase',
      num: 1,
      den: 11988,
    });
    // The output side is not the one frames are timed in.
    expect(parseFfmpegLogLine('[Parsed_showinfo_2 @ 0x55ae] [info] config out time_base: 0/0, frame_rate: 0/0').kind).toBe('log');
  });

  it('classifies levelled lines and recognises damage', () => {
    const decodeErr = parseFfmpegLogLine('[h264 @ 0x55c9be7d4a40] [error] Invalid NAL unit size (-847625160 > 2622).');
    expect(decodeErr).toMatchObject({ kind: 'log', level: 'error' });
    expect(isDamageLine(decodeErr)).toBe(true);
    expect(isDamageLine(parseFfmpegLogLine('[error] Error while decoding stream #0:0: Invalid data found when processing input'))).toBe(true);
    expect(isDamageLine(parseFfmpegLogLine('[warning] -vsync is deprecated. Use -fps_mode'))).toBe(false);
    expect(isDamageLine(parseFfmpegLogLine('[h264 @ 0x1] [info] concealing 2124 DC, 2124 AC, 2124 MV errors in B frame'))).toBe(false);
    expect(parseFfmpegLogLine('frame=   21 fps=0.0 q=-0.0')).toEqual({ kind: 'log', level: 'none', text: 'frame=   21 fps=0.0 q=-0.0' });
  });

  it('tells a truncated file from corrupt data', () => {
    expect(damageKindOf('[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55] [error] stream 0, offset 0x88b0c: partial file')).toBe('truncated');
    expect(damageKindOf('[h264 @ 0x55] [error] Invalid NAL unit size (4029 > 2183).')).toBe('corrupt');
  });
});
