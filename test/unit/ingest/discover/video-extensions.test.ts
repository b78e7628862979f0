import { DEFAULT_VIDEO_EXTENSIONS, extensionOf } from '../../../../src/ingest';

describe('video extensions', () => {
  test('the documented default list, frozen', () => {
    expect([...DEFAULT_VIDEO_EXTENSIONS].sort()).toEqual(
      ['264', '265', '3gp', 'asf', 'avi', 'dav', 'flv', 'h264', 'h265', 'hevc', 'm2ts', 'm4v', 'mkv', 'mov', 'mp4', 'mpeg', 'mpg', 'mts', 'ts', 'webm', 'wmv'].sort(),
    );
    expect(Object.isFrozen(DEFAULT_VIDEO_EXTENSIONS)).toBe(true);
  });

  test.each([
    ['clip.MP4', 'mp4'],
    ['a.b.mkv', 'mkv'],
    ['noext', ''],
    ['.hidden', ''],
    ['trailing.', ''],
    ['30.05.mp4', 'mp4'],
  ])('extensionOf(%s) = %j', (name, ext) => {
    expect(extensionOf(name)).toBe(ext);
  });
});
