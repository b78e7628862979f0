import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { readImageRgb, readPngText, writePng } from '../../../src/image';
import { InputError } from '../../../src/contracts';

const FACES = path.resolve(__dirname, '../../../../shared/data/faces');

describe('image IO through sharp', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fasr-image-io-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads JPEG, extension-less GIF, PGM and its PNG copy to RGB', async () => {
    const jpg = await readImageRgb(path.join(FACES, 'fasr-samples/gallery/000001.jpg'));
    expect([jpg.width, jpg.height, jpg.rgb.length]).toEqual([128, 128, 128 * 128 * 3]);
    const gif = await readImageRgb(path.join(FACES, 'yalefaces/subject01.happy'));
    expect([gif.width, gif.height, gif.rgb.length]).toEqual([320, 243, 320 * 243 * 3]);
    const pgm = await readImageRgb(path.join(FACES, 'att-orl-faces/s1/1.pgm'));
    const png = await readImageRgb(path.join(FACES, 'att-orl-faces/png/s1/1.png'));
    expect([pgm.width, pgm.height]).toEqual([92, 112]);
    // The png/ copies are lossless conversions of the pgm files: identical pixels.
    expect(Buffer.from(pgm.rgb).equals(Buffer.from(png.rgb))).toBe(true);
    // grey replicated to RGB
    expect([pgm.rgb[300], pgm.rgb[301]]).toEqual([pgm.rgb[302], pgm.rgb[302]]);
  });

  it('writes a lossless PNG with text chunks that sharp and our reader both see', async () => {
    const img = { width: 5, height: 4, rgb: Uint8Array.from({ length: 60 }, (_, i) => (i * 13) % 256) };
    const file = path.join(dir, 'out.png');
    await writePng(file, img, { text: { Description: 'synthesized by fasr — not a photograph', Software: 'fasr' } });
    const back = await readImageRgb(file);
    expect(Buffer.from(back.rgb).equals(Buffer.from(img.rgb))).toBe(true);
    expect(readPngText(readFileSync(file))).toEqual({ Description: 'synthesized by fasr — not a photograph', Software: 'fasr' });
    const meta = await sharp(file).metadata();
    expect(meta.comments).toEqual([
      { keyword: 'Description', text: 'synthesized by fasr — not a photograph' },
      { keyword: 'Software', text: 'fasr' },
    ]);
  });

  it('fails with InputError naming the path for missing and undecodable files', async () => {
    await expect(readImageRgb(path.join(dir, 'missing.png'))).rejects.toThrow(/cannot read '.*missing\.png'/);
    const junk = path.join(dir, 'junk.jpg');
    writeFileSync(junk, 'not an image');
    await expect(readImageRgb(junk)).rejects.toThrow(InputError);
    await expect(writePng(path.join(dir, 'x.png'), { width: 2, height: 2, rgb: new Uint8Array(3) })).rejects.toThrow(/expected 2x2x3 = 12/);
  });
});
