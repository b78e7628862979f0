import { InputError } from '../../../../src/contracts';
import { checkLayoutPatterns, DEFAULT_LAYOUT_PATTERNS, layoutPatternFromSpec, parseSourceLayout, type LayoutPattern } from '../../../../src/ingest';

describe('parseSourceLayout: default patterns', () => {
  test('Frigate YYYY-MM-DD/HH/<camera>/MM.SS.mp4 gives the camera and a UTC start', () => {
    const l = parseSourceLayout('2024-01-15/08/front_door/30.05.mp4');
    expect(l).toEqual({
      pattern: 'frigate',
      camera: 'front_door',
      date: '2024-01-15',
      startWallClock: '2024-01-15T08:30:05',
      startUtcMs: Date.UTC(2024, 0, 15, 8, 30, 5),
      clock: 'utc',
    });
  });

  test('Frigate under an absolute recordings root, root folders not taken for the camera', () => {
    const l = parseSourceLayout('/media/frigate/recordings/2023-12-31/23/garage cam/59.59.mp4');
    expect(l?.camera).toBe('garage cam');
    expect(l?.startUtcMs).toBe(Date.UTC(2023, 11, 31, 23, 59, 59));
  });

  test('motionEye <camera>/YYYY-MM-DD/HH-MM-SS.ext, local clock: no UTC time', () => {
    expect(parseSourceLayout('Camera1/2024-01-15/08-30-00.mp4')).toEqual({
      pattern: 'motioneye',
      camera: 'Camera1',
      date: '2024-01-15',
      startWallClock: '2024-01-15T08:30:00',
      startUtcMs: null,
      clock: 'local',
    });
  });

  test('Synology <camera>-YYYYMMDD-HHMMSS-<epoch>.mp4', () => {
    const l = parseSourceLayout('@Surveillance/Gate/20240115AM/Gate-20240115-083000-1705307400.mp4');
    expect([l?.pattern, l?.camera, l?.startWallClock]).toEqual(['synology', 'Gate', '2024-01-15T08:30:00']);
  });

  test('Dahua <camera>_main_<start>_<end>.dav drops the stream token', () => {
    const l = parseSourceLayout('export/ch01_main_20240115083000_20240115084000.dav');
    expect([l?.pattern, l?.camera, l?.startWallClock]).toEqual(['dahua-export', 'ch01', '2024-01-15T08:30:00']);
  });

  test('Hikvision-style <ip>_<channel>_<start>_<end>.mp4 and Reolink <name>_<ch>_<stamp>.mp4', () => {
    const hik = parseSourceLayout('192.168.1.64_01_20240115083000_20240115083959.mp4');
    expect([hik?.pattern, hik?.camera, hik?.startWallClock]).toEqual(['camera-timestamp', '192.168.1.64_01', '2024-01-15T08:30:00']);
    const reo = parseSourceLayout('ftp/Front_00_20240115083012.mp4');
    expect([reo?.camera, reo?.startWallClock]).toEqual(['Front_00', '2024-01-15T08:30:12']);
    // 17-digit stamp with milliseconds, and the date_time split form.
    expect(parseSourceLayout('lobby_20240115083012345_1.mp4')?.startWallClock).toBe('2024-01-15T08:30:12');
    expect(parseSourceLayout('lobby_20240115_083012.mkv')?.camera).toBe('lobby');
  });

  test('<camera>/<date>/<file>: time from the file name when it starts with one, else the date only', () => {
    const a = parseSourceLayout('lobby/2024-01-15/083000.mp4');
    expect([a?.pattern, a?.camera, a?.startWallClock]).toEqual(['camera-date-dir', 'lobby', '2024-01-15T08:30:00']);
    const b = parseSourceLayout('lobby/20240115/08.30.10-motion.mp4');
    expect(b?.startWallClock).toBe('2024-01-15T08:30:10');
    const c = parseSourceLayout('lobby/20240115/clip-7.mkv');
    expect([c?.camera, c?.date, c?.startWallClock]).toEqual(['lobby', '2024-01-15', null]);
  });

  test('unknown layouts give null', () => {
    for (const p of ['clip.mp4', 'videos/holiday/clip.mp4', 'cam/2024-01/clip.mp4', '', '/']) expect(parseSourceLayout(p)).toBeNull();
  });

  test('impossible dates and times do not count: the next pattern is tried, else null', () => {
    expect(parseSourceLayout('2024-13-15/08/front/30.05.mp4')).toBeNull();
    expect(parseSourceLayout('2023-02-29/08/front/30.05.mp4')).toBeNull();
    expect(parseSourceLayout('2024-02-29/08/front/30.05.mp4')?.date).toBe('2024-02-29');
    expect(parseSourceLayout('2024-01-15/24/front/30.05.mp4')).toBeNull();
    expect(parseSourceLayout('cam_20240115256000.mp4')).toBeNull();
  });

  test('Windows separators are read as "/"', () => {
    expect(parseSourceLayout('2024-01-15\\08\\front\\30.05.mp4')?.camera).toBe('front');
  });
});

describe('parseSourceLayout: pluggable patterns', () => {
  const site: LayoutPattern = {
    name: 'site',
    description: 'site/<camera>/rec_<YYYY>_<MM>_<DD>.mp4',
    regex: /(?:^|\/)site\/(?<camera>[^/]+)\/rec_(?<year>\d{4})_(?<month>\d{2})_(?<day>\d{2})\.mp4$/,
    clock: 'local',
  };

  test('a custom pattern first wins; defaults still apply after it', () => {
    const patterns = [site, ...DEFAULT_LAYOUT_PATTERNS];
    expect(parseSourceLayout('site/door/rec_2024_01_15.mp4', patterns)).toMatchObject({ pattern: 'site', camera: 'door', date: '2024-01-15', startWallClock: null });
    expect(parseSourceLayout('2024-01-15/08/front/30.05.mp4', patterns)?.pattern).toBe('frigate');
    expect(parseSourceLayout('2024-01-15/08/front/30.05.mp4', [site])).toBeNull();
  });

  test('layoutPatternFromSpec compiles configuration text', () => {
    const p = layoutPatternFromSpec({ name: 'cfg', regex: '(?:^|/)cams/(?<camera>[^/]+)/[^/]+$', clock: 'local' });
    expect(parseSourceLayout('/x/cams/yard/any.mp4', [p])?.camera).toBe('yard');
    expect(() => layoutPatternFromSpec({ name: 'bad', regex: '(?<camera>[', clock: 'local' })).toThrow(/layout pattern "bad": invalid regular expression/);
  });

  test('invalid patterns are refused with what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [[{ ...site, regex: /(?<cam>[^/]+)\.mp4$/ }], /named groups among camera, year, month, day, hour, minute, second \(unknown: cam\)/],
      [[{ ...site, regex: /[^/]+\.mp4$/ }], /a camera group or year, month and day groups/],
      [[{ ...site, regex: /(?<camera>[^/]+)$/g }], /without the g or y flag/],
      [[{ ...site, clock: 'gmt' }], /layout pattern "site"\.clock: expected 'utc' or 'local', received "gmt"/],
      [[{ ...site, name: '' }], /layout pattern\.name: expected a non-empty string/],
      [[site, site], /layout pattern "site" appears twice/],
      ['frigate', /expected an array of layout patterns/],
    ];
    for (const [patterns, msg] of cases) {
      expect(() => checkLayoutPatterns(patterns as LayoutPattern[])).toThrow(InputError);
      expect(() => checkLayoutPatterns(patterns as LayoutPattern[])).toThrow(msg);
    }
  });

  test('the default list is valid and frozen', () => {
    expect(() => checkLayoutPatterns(DEFAULT_LAYOUT_PATTERNS)).not.toThrow();
    expect(Object.isFrozen(DEFAULT_LAYOUT_PATTERNS)).toBe(true);
    expect(DEFAULT_LAYOUT_PATTERNS.map((p) => p.name)).toEqual(['frigate', 'motioneye', 'synology', 'dahua-export', 'camera-timestamp', 'camera-date-dir']);
  });
});
