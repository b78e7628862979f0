import { zoomCenterHWC } from '../../../../src/sr/train/zoom-center';

/** A size x size, 1-channel image whose value is its column index (a horizontal ramp). */
function ramp(size: number): Float32Array {
  return Float32Array.from({ length: size * size }, (_, i) => i % size);
}

describe('zoomCenterHWC (the recipe framing augmentation)', () => {
  it('zoom 1 is an exact copy, not the same array', () => {
    const img = Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => i / 7);
    const out = zoomCenterHWC(img, 4, 3, 1);
    expect(out).not.toBe(img);
    expect(Array.from(out)).toEqual(Array.from(img));
  });

  it('zoom 2 on a ramp: the centre half of the columns, stretched (slope 1/2), symmetric about the centre', () => {
    const out = zoomCenterHWC(ramp(8), 8, 1, 2);
    // Output column i samples source x = 4 + (i + 0.5 - 4) / 2 - 0.5 = 1.75 + i / 2.
    for (let i = 0; i < 8; i++) expect(out[i]).toBeCloseTo(1.75 + i / 2, 6);
    // Every row is the same (the ramp does not depend on the row).
    for (let r = 1; r < 8; r++) expect(Array.from(out.subarray(r * 8, r * 8 + 8))).toEqual(Array.from(out.subarray(0, 8)));
    expect((out[0] as number) + (out[7] as number)).toBeCloseTo(7, 6);
  });

  it('keeps a constant image constant and refuses a bad zoom or size', () => {
    const flat = new Float32Array(16 * 16 * 3).fill(0.25);
    expect(zoomCenterHWC(flat, 16, 3, 1.37).every((v) => Math.abs(v - 0.25) < 1e-7)).toBe(true);
    expect(() => zoomCenterHWC(flat, 16, 3, 0.9)).toThrow('zoomCenterHWC: zoom must be in [1, 4], received 0.9');
    expect(() => zoomCenterHWC(flat, 15, 3, 1.2)).toThrow('zoomCenterHWC: expected 15x15x3 = 675 values, received 768');
  });
});
