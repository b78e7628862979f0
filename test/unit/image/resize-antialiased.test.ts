import { resizeAntialiased } from '../../../src/image';
import { InputError } from '../../../src/contracts';

describe('resizeAntialiased', () => {
  it('downsamples 4 → 2 with the triangle kernel stretched by 2 (hand-computed TF weights)', () => {
    // Output 0 samples at 1.0 (pixel-edge coords); taps 0,1,2 at distances 0.5,0.5,1.5 → /2 → weights .75,.75,.25 (sum 1.75).
    const out = resizeAntialiased(new Float32Array([0, 1, 2, 3]), 1, 4, 1, 1, 2, 'triangle');
    expect(out[0]).toBeCloseTo(1.25 / 1.75, 6);
    expect(out[1]).toBeCloseTo(4 / 1.75, 6);
  });

  it('without antialias the same downsample is plain bilinear at half-pixel centres', () => {
    const out = resizeAntialiased(new Float32Array([0, 1, 2, 3]), 1, 4, 1, 1, 2, 'triangle', { antialias: false });
    expect(Array.from(out)).toEqual([0.5, 2.5]);
  });

  it('upsamples 2 → 4 bilinearly with border taps dropped and renormalised', () => {
    // dst 0 → src −0.25: only tap 0 is in the span → 10; dst 1 → src 0.25 → .75·10 + .25·20.
    const out = resizeAntialiased(new Float32Array([10, 20]), 1, 2, 1, 1, 4, 'triangle');
    expect(Array.from(out)).toEqual([10, 12.5, 17.5, 20]);
  });

  it('Keys cubic upsampling reproduces a linear ramp in the interior and keeps constants', () => {
    const ramp = Float32Array.from({ length: 8 }, (_, i) => i);
    const out = resizeAntialiased(ramp, 1, 8, 1, 1, 16, 'keys-cubic');
    // dst x ↦ src (x + 0.5)/2 − 0.5; Keys a = −0.5 is exact on linear data where all 4 taps are inside.
    for (let x = 4; x < 12; x++) expect(out[x]).toBeCloseTo((x + 0.5) / 2 - 0.5, 5);
    const flat = resizeAntialiased(new Float32Array(5 * 7 * 3).fill(0.3), 5, 7, 3, 13, 2, 'keys-cubic');
    for (const v of flat) expect(v).toBeCloseTo(0.3, 6);
  });

  it('is separable over channels and rows: each channel resized independently', () => {
    const h = 6;
    const w = 5;
    const img = new Float32Array(h * w * 2);
    for (let i = 0; i < h * w; i++) {
      img[2 * i] = i % 7;
      img[2 * i + 1] = 100;
    }
    const out = resizeAntialiased(img, h, w, 2, 3, 4, 'keys-cubic');
    const c0 = resizeAntialiased(Float32Array.from({ length: h * w }, (_, i) => i % 7), h, w, 1, 3, 4, 'keys-cubic');
    for (let i = 0; i < 12; i++) {
      expect(out[2 * i]).toBeCloseTo(c0[i] ?? NaN, 5);
      expect(out[2 * i + 1]).toBeCloseTo(100, 4);
    }
  });

  it('same size is the identity for the triangle kernel', () => {
    const img = Float32Array.from({ length: 4 * 3 * 3 }, (_, i) => Math.sin(i));
    const out = resizeAntialiased(img, 4, 3, 3, 4, 3, 'triangle');
    out.forEach((v, i) => expect(v).toBeCloseTo(img[i] ?? NaN, 6));
  });

  it('rejects wrong lengths, bad sizes, unknown kernels and options with InputError', () => {
    expect(() => resizeAntialiased(new Float32Array(5), 2, 2, 1, 1, 1, 'triangle')).toThrow(/expected 2x2x1 = 4 values \(HWC\), got 5/);
    expect(() => resizeAntialiased(new Float32Array(4), 2, 2, 1, 0, 1, 'triangle')).toThrow(/outH must be a positive integer, got 0/);
    expect(() => resizeAntialiased(new Float32Array(4), 2, 2, 1, 1, 1, 'lanczos' as 'triangle')).toThrow(
      /kernel must be one of triangle, keys-cubic, got 'lanczos'/,
    );
    expect(() => resizeAntialiased(new Float32Array(4), 2, 2, 1, 1, 1, 'triangle', { antialas: true } as object)).toThrow(InputError);
  });
});
