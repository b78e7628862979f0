/**
 * The CCTV-like degradation of issue 16 on a real face: native LR size, the authors' ×8 case equal
 * to degradeLikeAuthors up to one 8-bit step, JPEG and noise that act, seeded draws in range.
 */
import * as path from 'node:path';
import { CCTV_DEGRADATION_RANGES, degradeLikeAuthors, degradeLikeCctv, drawCctvDegradation, gaussianBlurHWC, readImageRgb, resizeAntialiased, uint8ToFloat, upsampleLrFace } from '../../../src/image';
import { AUTHORS_X8_RANGES } from '../../../src/sr/train/residual-recipe';

const FACE = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples/probe_HR/000001.jpg');

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

let hr: Float32Array;
beforeAll(async () => {
  const img = await readImageRgb(FACE);
  hr = img.width === 128 ? uint8ToFloat(img.rgb) : resizeAntialiased(uint8ToFloat(img.rgb), img.height, img.width, 3, 128, 128, 'triangle');
});

describe('degradeLikeCctv', () => {
  it('the authors ×8 draw (16 px, nothing else) equals degradeLikeAuthors up to the 8-bit quantisation of the LR', async () => {
    const d = drawCctvDegradation(lcg(1), AUTHORS_X8_RANGES);
    expect(d).toMatchObject({ lrSide: 16, blurSigma: 0, noiseSigma: 0, jpegQuality: null });
    const lr = await degradeLikeCctv(hr, 128, { ...d, jitter: { dx: 0, dy: 0, scale: 1 } }, () => 0);
    expect(lr.length).toBe(16 * 16 * 3);
    const up = upsampleLrFace(lr, 16, 128);
    const ref = degradeLikeAuthors(hr, 128, { scale: 8 });
    let maxAbs = 0;
    for (let i = 0; i < up.length; i++) maxAbs = Math.max(maxAbs, Math.abs((up[i] ?? 0) - (ref[i] ?? 0)));
    expect(maxAbs).toBeLessThan(1.3 / 255);
  });

  it('returns the face at its native side; JPEG, noise and blur each change it', async () => {
    const base = { lrSide: 24, blurSigma: 0, noiseSigma: 0, jpegQuality: null, jitter: { dx: 0, dy: 0, scale: 1 } };
    const clean = await degradeLikeCctv(hr, 128, base, () => 0);
    expect(clean.length).toBe(24 * 24 * 3);
    const diff = (a: Uint8Array, b: Uint8Array): number => a.reduce((s, v, i) => s + Math.abs(v - (b[i] ?? 0)), 0) / a.length;
    const rnd = lcg(7);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    expect(diff(await degradeLikeCctv(hr, 128, { ...base, jpegQuality: 30 }, () => 0), clean)).toBeGreaterThan(1);
    expect(diff(await degradeLikeCctv(hr, 128, { ...base, noiseSigma: 0.03 }, normal), clean)).toBeGreaterThan(3);
    expect(diff(await degradeLikeCctv(hr, 128, { ...base, blurSigma: 2 }, () => 0), clean)).toBeGreaterThan(1);
    expect(diff(await degradeLikeCctv(hr, 128, { ...base, jitter: { dx: 3, dy: -2, scale: 1.04 } }, () => 0), clean)).toBeGreaterThan(1);
  });

  it('draws every field inside its range, sides log-uniform over 12–64', () => {
    const u = lcg(3);
    const sides: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const d = drawCctvDegradation(u);
      expect(d.lrSide).toBeGreaterThanOrEqual(12);
      expect(d.lrSide).toBeLessThanOrEqual(64);
      if (d.jpegQuality !== null) expect(d.jpegQuality).toBeGreaterThanOrEqual(35);
      expect(d.blurSigma === 0 || (d.blurSigma >= 0.3 && d.blurSigma <= 2)).toBe(true);
      sides.push(d.lrSide);
    }
    const small = sides.filter((s) => s <= 28).length / sides.length;
    expect(small).toBeGreaterThan(0.45);
    expect(small).toBeLessThan(0.6);
    expect(CCTV_DEGRADATION_RANGES.lrSide).toEqual([12, 64]);
  });

  it('refuses a side outside [2, size] and a bad JPEG quality, naming the option', async () => {
    const base = { lrSide: 24, blurSigma: 0, noiseSigma: 0, jpegQuality: null, jitter: { dx: 0, dy: 0, scale: 1 } };
    await expect(degradeLikeCctv(hr, 128, { ...base, lrSide: 200 }, () => 0)).rejects.toThrow(/lrSide/);
    await expect(degradeLikeCctv(hr, 128, { ...base, jpegQuality: 0 }, () => 0)).rejects.toThrow(/jpegQuality/);
  });

  it('a Gaussian blur keeps the mean and lowers the variance', () => {
    const b = gaussianBlurHWC(hr, 128, 128, 3, 1.5);
    const m = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    const v = (a: Float32Array): number => {
      const mu = m(a);
      return a.reduce((s, x) => s + (x - mu) ** 2, 0) / a.length;
    };
    expect(Math.abs(m(b) - m(hr))).toBeLessThan(1e-3);
    expect(v(b)).toBeLessThan(v(hr));
  });
});
