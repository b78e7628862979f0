import { InputError } from '../../../../src/contracts';
import { changedFraction, greyThumbnail } from '../../../../src/ingest';

/** A flat rgb24 image of one colour, optionally with a filled rectangle of another. */
function image(width: number, height: number, rgb: [number, number, number], rect?: { x: number; y: number; w: number; h: number; rgb: [number, number, number] }): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = rect !== undefined && x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
      const c = inside ? rect.rgb : rgb;
      out.set(c, (y * width + x) * 3);
    }
  }
  return out;
}

/** Seeded LCG noise in [-amp, amp] added to every channel (clamped), so tests are reproducible. */
function withNoise(img: Uint8Array, amp: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const n = Math.round(((s / 2 ** 32) * 2 - 1) * amp);
    out[i] = Math.max(0, Math.min(255, (img[i] ?? 0) + n));
  }
  return out;
}

describe('greyThumbnail', () => {
  it('averages BT.601 luma over square cells at most maxWidth across', () => {
    const t = greyThumbnail(image(640, 360, [200, 100, 50]), 640, 360, 64);
    expect(t).toMatchObject({ width: 64, height: 36, cellPx: 10 });
    expect(t.grey.length).toBe(64 * 36);
    const luma = (77 * 200 + 150 * 100 + 29 * 50) / 256;
    expect(t.grey[0]).toBeCloseTo(luma, 4);
    expect(t.grey[64 * 36 - 1]).toBeCloseTo(luma, 4);
  });

  it('a rectangle changes exactly the cells it covers', () => {
    const t = greyThumbnail(image(100, 50, [0, 0, 0], { x: 20, y: 10, w: 10, h: 10, rgb: [255, 255, 255] }), 100, 50, 10);
    expect(t).toMatchObject({ width: 10, height: 5, cellPx: 10 });
    expect(t.grey[1 * 10 + 2]).toBeCloseTo(255, 4);
    expect(Array.from(t.grey).filter((v) => v > 0)).toHaveLength(1);
  });

  it('refuses a buffer that does not match its size', () => {
    expect(() => greyThumbnail(new Uint8Array(10), 4, 4, 2)).toThrow(new InputError('greyThumbnail: expected an rgb24 buffer of 4x4x3 bytes, received 10 bytes'));
    expect(() => greyThumbnail(new Uint8Array(48), 4, 4, 0)).toThrow('greyThumbnail: maxWidth must be an integer >= 1, received 0');
  });
});

describe('changedFraction', () => {
  const base = image(640, 360, [120, 110, 100]);
  const thumb = (img: Uint8Array) => greyThumbnail(img, 640, 360, 64);

  it('sees no change between two noisy copies of one view (sensor noise averages out over a cell)', () => {
    expect(changedFraction(thumb(withNoise(base, 12, 1)), thumb(withNoise(base, 12, 2)), 8)).toBe(0);
  });

  it('sees a 30-px object appear, as the fraction of cells it changed', () => {
    const withObject = image(640, 360, [120, 110, 100], { x: 300, y: 200, w: 30, h: 30, rgb: [230, 200, 180] });
    const f = changedFraction(thumb(withNoise(base, 12, 1)), thumb(withNoise(withObject, 12, 2)), 8);
    expect(f).toBeCloseTo(9 / (64 * 36), 10);
  });

  it('refuses thumbnails of different sizes', () => {
    expect(() => changedFraction(thumb(base), greyThumbnail(base, 640, 360, 32), 8)).toThrow('changedFraction: thumbnails differ in size (64x36 vs 32x18)');
  });
});
