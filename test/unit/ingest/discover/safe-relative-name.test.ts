import * as path from 'node:path';
import { InputError } from '../../../../src/contracts';
import { joinInside, safeRelativeName } from '../../../../src/ingest';

describe('safeRelativeName', () => {
  test('a clean relative path is kept as it is', () => {
    expect(safeRelativeName('/nvr/2024-01-15/08/front/30.05.mp4', '/nvr')).toBe('2024-01-15/08/front/30.05.mp4');
    expect(safeRelativeName('cam 1/clip (2).mp4', '/nvr')).toBe('cam 1/clip (2).mp4');
  });

  test('never absolute, never "..", whatever the input', () => {
    const hostile = ['../../etc/passwd', '/etc/passwd', 'a/../../b.mp4', '..', '.', 'a/./b/../../../c.mp4', '\\..\\..\\win.ini', 'x/\u0000/y.mp4'];
    for (const src of hostile) {
      const name = safeRelativeName(src, '/nvr/root');
      expect(path.isAbsolute(name)).toBe(false);
      expect(name.split('/')).not.toContain('..');
      expect(name.split('/')).not.toContain('.');
      expect(name).not.toMatch(/[\\\u0000-\u001f]/);
      const joined = path.resolve('/out', name);
      expect(joined.startsWith('/out/')).toBe(true);
    }
  });

  test('a source outside the root keeps only its file name (tagged, since the relative path changed)', () => {
    const a = safeRelativeName('/elsewhere/clip.mp4', '/nvr');
    const b = safeRelativeName('/other/clip.mp4', '/nvr');
    expect(a).toMatch(/^clip~[0-9a-f]{8}\.mp4$/);
    expect(b).toMatch(/^clip~[0-9a-f]{8}\.mp4$/);
    expect(a).not.toBe(b);
    expect(safeRelativeName('../../etc/passwd', '/nvr/root')).toMatch(/^passwd~[0-9a-f]{8}$/);
  });

  test('unsafe characters, hidden names, Windows device names and trailing dots are cleaned, with a tag', () => {
    expect(safeRelativeName('a:b*c?.mp4', '/r')).toMatch(/^a_b_c_~[0-9a-f]{8}\.mp4$/);
    expect(safeRelativeName('.hidden.mp4', '/r')).toMatch(/^_hidden~[0-9a-f]{8}\.mp4$/);
    expect(safeRelativeName('cam/CON.mp4', '/r')).toMatch(/^cam\/_CON~[0-9a-f]{8}\.mp4$/);
    expect(safeRelativeName('cam./x.mp4', '/r')).toMatch(/^cam\/x~[0-9a-f]{8}\.mp4$/);
    expect(safeRelativeName('line\nbreak.mp4', '/r')).toMatch(/^line_break~[0-9a-f]{8}\.mp4$/);
  });

  test('two sources that clean to the same text get different names', () => {
    const a = safeRelativeName('a:b.mp4', '/r');
    const b = safeRelativeName('a?b.mp4', '/r');
    const c = safeRelativeName('a_b.mp4', '/r');
    expect(new Set([a, b, c]).size).toBe(3);
    expect(c).toBe('a_b.mp4');
    // The documented example: ~ and the first 8 hex digits of sha256("a:b.mp4").
    expect(a).toBe('a_b~5f5ef89e.mp4');
  });

  test('long names are cut to 96 UTF-8 bytes keeping the extension; deep paths keep the last 12 segments', () => {
    const long = `${'é'.repeat(200)}.mp4`;
    const name = safeRelativeName(long, '/r');
    expect(Buffer.byteLength(name.replace(/~[0-9a-f]{8}/, ''), 'utf8')).toBeLessThanOrEqual(96);
    expect(name.endsWith('.mp4')).toBe(true);
    const deep = `${Array.from({ length: 20 }, (_, i) => `d${i}`).join('/')}/x.mp4`;
    const parts = safeRelativeName(deep, '/r').split('/');
    expect(parts).toHaveLength(12);
    expect(parts[parts.length - 1]).toMatch(/^x~[0-9a-f]{8}\.mp4$/);
  });

  test('names are NFC-normalised (one spelling for é)', () => {
    const nfd = 'cafe\u0301.mp4';
    expect(safeRelativeName(nfd, '/r').startsWith('caf\u00e9')).toBe(true);
  });

  test('bad arguments throw InputError', () => {
    expect(() => safeRelativeName('', '/r')).toThrow(InputError);
    expect(() => safeRelativeName('a.mp4', 3 as unknown as string)).toThrow(/safeRelativeName\.root: expected a non-empty path, received 3/);
  });
});

describe('joinInside', () => {
  test('joins names under the directory', () => {
    expect(joinInside('/out', 'cam/clip.mp4', 'track-1.png')).toBe('/out/cam/clip.mp4/track-1.png');
  });

  test('refuses absolute names and names that climb out', () => {
    expect(() => joinInside('/out', '/etc/passwd')).toThrow(/not a relative name inside \/out/);
    expect(() => joinInside('/out', '../x')).toThrow(/outside \/out/);
    expect(() => joinInside('/out', 'a/../../x')).toThrow(InputError);
    expect(() => joinInside('/out', '.')).toThrow(/outside/);
    try {
      joinInside('/out', '..');
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).context.reason).toBe('path escapes output directory');
    }
  });
});
