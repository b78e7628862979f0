import { degradeLikeAuthors, floatToUint8, uint8ToFloat, resizeAntialiased } from '../../../src/image';

describe('degradeLikeAuthors', () => {
  it('is the triangle down-resize followed by the Keys cubic up-resize, at any scale', () => {
    const size = 32;
    const hr = Float32Array.from({ length: size * size * 3 }, (_, i) => ((i * 37) % 101) / 100);
    const out = degradeLikeAuthors(hr, size, { scale: 4 });
    const lr = resizeAntialiased(hr, size, size, 3, 8, 8, 'triangle');
    const up = resizeAntialiased(lr, 8, 8, 3, size, size, 'keys-cubic');
    expect(out).toEqual(up);
    expect(out.length).toBe(size * size * 3);
  });

  it('removes detail finer than the LR grid: a checkerboard becomes flat grey', () => {
    const size = 64;
    const hr = Float32Array.from({ length: size * size }, (_, i) => ((i % size) + Math.floor(i / size)) % 2);
    const out = degradeLikeAuthors(hr, size, { channels: 1 });
    // Interior samples see a full, balanced kernel; border samples lose taps, hence 2 decimals (measured ≤ 8e-4).
    for (const v of out) expect(v).toBeCloseTo(0.5, 2);
  });

  it('rejects a scale that does not divide the size and unknown options', () => {
    expect(() => degradeLikeAuthors(new Float32Array(20 * 20 * 3), 20, { scale: 8 })).toThrow(/scale must be a positive integer dividing size 20, got 8/);
    expect(() => degradeLikeAuthors(new Float32Array(16 * 16 * 3), 16, { sclae: 2 } as object)).toThrow(/degradeLikeAuthors: unknown option "sclae"/);
    expect(() => degradeLikeAuthors(new Float32Array(10), 16)).toThrow(/expected 16x16x3/);
  });
});

describe('uint8ToFloat / floatToUint8', () => {
  it('round-trips every byte value and clips out-of-range floats', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(floatToUint8(uint8ToFloat(bytes))).toEqual(bytes);
    expect(Array.from(floatToUint8(new Float32Array([-0.2, 1.3, 0.5, 0.5 / 255])))).toEqual([0, 255, 128, 1]);
  });

  it('refuses NaN instead of writing a black pixel', () => {
    expect(() => floatToUint8(new Float32Array([0, NaN]))).toThrow(/sample 1 is NaN/);
  });
});
