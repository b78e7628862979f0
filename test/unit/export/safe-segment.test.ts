import { safeSegment } from '../../../src/export';

describe('safeSegment: one output-safe path segment from untrusted text', () => {
  it.each([
    ['../../etc/x.mp4'],
    ['/etc/passwd'],
    ['..'],
    ['.'],
    ['a\\..\\..\\b'],
    ['nul\u0000byte.mp4'],
    ['con.mp4'],
    ['.hidden'],
  ])('%j gives a single plain segment', (name) => {
    const s = safeSegment(name);
    expect(s).not.toMatch(/[/\\\u0000]/);
    expect(s).not.toMatch(/^\./);
    expect(s === '..' || s === '.' || s === '').toBe(false);
  });

  it('keeps clean names as they are and tags changed ones with a hash (so two dirty names do not collide)', () => {
    expect(safeSegment('front_door')).toBe('front_door');
    const a = safeSegment('a/b.mp4');
    const b = safeSegment('a_b.mp4');
    expect(b).toBe('a_b.mp4');
    expect(a).toMatch(/^a_b~[0-9a-f]{8}\.mp4$/);
  });

  it('keeps unicode (NFC) and cuts very long names to at most 96 UTF-8 bytes plus the tag', () => {
    expect(safeSegment('Café-caméra')).toBe('Café-caméra'.normalize('NFC'));
    const long = safeSegment(`${'é'.repeat(300)}.mp4`);
    expect(Buffer.byteLength(long, "utf8")).toBeLessThanOrEqual(96 + 9);
    expect(long.endsWith('.mp4')).toBe(true);
  });
});
