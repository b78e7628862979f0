import { isTemporaryName } from '../../../../src/ingest';

describe('isTemporaryName', () => {
  test.each([
    '.clip.mp4',
    '.clip.mp4.XyZ123',
    'clip.mp4.tmp',
    'clip.TMP',
    'clip.mp4.part',
    'clip.partial',
    'clip.mp4.crdownload',
    'clip.mp4.download',
    'clip.mp4.filepart',
    '.clip.mp4.swp',
    'clip.lock',
    'clip.mp4~',
    'clip.tmp.mp4',
    'clip.part.mkv',
  ])('%s is temporary', (name) => {
    expect(isTemporaryName(name)).toBe(true);
  });

  test.each(['clip.mp4', '30.05.mp4', 'front_part.mp4', 'temporary-exhibit.mp4', 'ch01_main_20240115083000_20240115084000.dav', 'part.mp4'])(
    '%s is not temporary',
    (name) => {
      expect(isTemporaryName(name)).toBe(false);
    },
  );

  test('extra patterns are honoured', () => {
    expect(isTemporaryName('clip.mp4')).toBe(false);
    expect(isTemporaryName('rec-writing-clip.mp4', [/^rec-writing-/])).toBe(true);
  });
});
