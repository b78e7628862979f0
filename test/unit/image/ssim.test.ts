import { InputError } from '../../../src/contracts';
import { ssim } from '../../../src/image';

/** a(y,x,c) = ((7y + 3x + 5c) mod 13) / 12 and b = clip(0.8 a + 0.1 + 0.05 sin(x + 2y + c)), HWC. */
function pair(h: number, w: number, c: number): { a: Float64Array; b: Float64Array } {
  const a = new Float64Array(h * w * c);
  const b = new Float64Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        const i = (y * w + x) * c + k;
        const v = ((7 * y + 3 * x + 5 * k) % 13) / 12;
        a[i] = v;
        b[i] = Math.min(1, Math.max(0, 0.8 * v + 0.1 + 0.05 * Math.sin(x + 2 * y + k)));
      }
    }
  }
  return { a, b };
}

describe('ssim (Wang et al. 2004: Gaussian 11x11, sigma 1.5, K1 0.01, K2 0.03, valid windows, channel mean)', () => {
  it('is 1 for identical images and symmetric', () => {
    const { a, b } = pair(14, 13, 3);
    expect(ssim(a, a, { width: 13, height: 14 })).toBeCloseTo(1, 12);
    expect(ssim(a, b, { width: 13, height: 14 })).toBeCloseTo(ssim(b, a, { width: 13, height: 14 }), 12);
  });

  it('matches hand-checked values', () => {
    // Constant 0.5 vs 0.25 (one window, zero variances): (2*0.5*0.25 + C1) / (0.25 + 0.0625 + C1), C1 = 1e-4.
    expect(ssim(new Float64Array(121).fill(0.5), new Float64Array(121).fill(0.25), { width: 11, height: 11, channels: 1 })).toBeCloseTo(0.2501 / 0.3126, 12);
    // An independent direct (non-separable, per-window loop) float64 numpy implementation of the
    // same definition gives these; tolerance 1e-9 covers summation-order differences only.
    const { a, b } = pair(14, 13, 3);
    expect(Math.abs(ssim(a, b, { width: 13, height: 14 }) - 0.9680848132196814)).toBeLessThan(1e-9);
    const grey = Float64Array.from({ length: 14 * 13 }, (_, i) => a[i * 3] ?? NaN);
    expect(Math.abs(ssim(grey, grey.map((v) => 1 - v), { width: 13, height: 14, channels: 1 }) - -0.988124858005292)).toBeLessThan(1e-9);
  });

  it('scales C1, C2 with the data range (8-bit data gives the same SSIM as [0,1])', () => {
    const { a, b } = pair(14, 13, 3);
    expect(ssim(a.map((v) => v * 255), b.map((v) => v * 255), { width: 13, height: 14, dataRange: 255 })).toBeCloseTo(ssim(a, b, { width: 13, height: 14 }), 10);
  });

  it('rejects images smaller than the window, mismatched lengths and non-finite samples', () => {
    const x = new Float64Array(10 * 10 * 3);
    expect(() => ssim(x, x, { width: 10, height: 10 })).toThrow(new InputError('ssim: width must be an integer >= 11 (the window is 11x11), received 10'));
    expect(() => ssim(new Float64Array(363), new Float64Array(362), { width: 11, height: 11 })).toThrow(
      'ssim: inputs must both have width*height*channels = 363 samples, received 363 and 362',
    );
    expect(() => ssim(new Float64Array(121).fill(NaN), new Float64Array(121), { width: 11, height: 11, channels: 1 })).toThrow('ssim: sample 0 is not finite');
    expect(() => ssim(new Float64Array(121), new Float64Array(121), { width: 11, height: 11, channels: 1, dataRange: 0 })).toThrow(
      'ssim: dataRange must be a finite number > 0, received 0',
    );
  });
});
