import { addPngText, cropRgb, parsePnm, psnr, readPngText, rgbToGrey } from '../../../src/image';
import { InputError } from '../../../src/contracts';

describe('cropRgb', () => {
  it('copies the requested rectangle', () => {
    const img = { width: 3, height: 2, rgb: Uint8Array.from({ length: 18 }, (_, i) => i) };
    const c = cropRgb(img, [1, 1, 2, 1]);
    expect(c.width).toBe(2);
    expect(Array.from(c.rgb)).toEqual([12, 13, 14, 15, 16, 17]);
  });
  it('rejects rectangles leaving the image', () => {
    const img = { width: 3, height: 2, rgb: new Uint8Array(18) };
    expect(() => cropRgb(img, [2, 0, 2, 1])).toThrow(/inside the 3x2 image, got \[2, 0, 2, 1\]/);
  });
});

describe('rgbToGrey / psnr', () => {
  it('uses BT.601 weights', () => {
    expect(Array.from(rgbToGrey([255, 0, 0, 0, 255, 0, 0, 0, 255], 1, 3)).map((v) => Math.round(v * 1000) / 1000)).toEqual([
      76.245, 149.685, 29.07,
    ]);
  });
  it('computes 10·log10(peak²/MSE)', () => {
    expect(psnr([0, 0, 0, 0], [0, 0, 0, 10], 255)).toBeCloseTo(10 * Math.log10((255 * 255) / 25), 10);
    expect(psnr([1, 2], [1, 2], 1)).toBe(Infinity);
    expect(() => psnr([1], [1, 2], 1)).toThrow(InputError);
  });
});

describe('parsePnm', () => {
  it('decodes binary P5 grey with comments and ASCII P3 colour with maxval 15', () => {
    const p5 = Buffer.concat([Buffer.from('P5\n# a comment\n2 1\n255\n'), Buffer.from([7, 200])]);
    expect(Array.from(parsePnm(p5).rgb)).toEqual([7, 7, 7, 200, 200, 200]);
    const p3 = Buffer.from('P3 1 1 15\n15 0 5\n');
    expect(Array.from(parsePnm(p3).rgb)).toEqual([255, 0, 85]);
  });
  it('names the source in errors', () => {
    expect(() => parsePnm(Buffer.from('P5\n4 4\n255\n\x01\x02'), 'x.pgm')).toThrow(/x\.pgm: not a valid PNM image \(body has 2 bytes, expected 16\)/);
    expect(() => parsePnm(Buffer.from('P7\n'), 'y.pam')).toThrow(/magic 'P7'/);
  });
});

describe('PNG text chunks', () => {
  it('rejects a non-PNG and a bad keyword', () => {
    expect(() => readPngText(Buffer.from('GIF89a....'))).toThrow(/not a PNG/);
    const fakePng = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from([0, 0, 0, 0]),
      Buffer.from('IHDR'),
      Buffer.from([0, 0, 0, 0]),
    ]);
    expect(() => addPngText(fakePng, { ' bad': 'x' })).toThrow(/invalid PNG text keyword ' bad'/);
    expect(readPngText(addPngText(fakePng, { Comment: 'synthesized ✓' }))).toEqual({ Comment: 'synthesized ✓' });
  });
});
