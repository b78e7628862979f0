import { expFloat32, fmaFloat32, torchLinspaceFloat32 } from '../../../../src/sr/sde';
import { float32Bits, loadRaw } from '../samplers/golden';

describe('float32 helpers matching torch', () => {
  it('expFloat32 reproduces torch.exp on the fixture linspace, where correctly rounded exp differs by 1 ulp', () => {
    const lin = torchLinspaceFloat32(Math.log(0.001), Math.log(348), 4);
    expect(float32Bits(Array.from(lin, expFloat32))).toEqual(float32Bits(loadRaw('sampler/discrete_sigmas.npy').data));
    expect(expFloat32(Math.fround(Math.log(348)))).toBe(348);
    expect(Math.fround(Math.exp(Math.fround(Math.log(348))))).toBe(Math.fround(347.99997));
  });

  it('expFloat32 is within 1 ulp of exp over [-20, 20]', () => {
    let worst = 0;
    for (let i = 0; i <= 4000; i++) {
      const x = Math.fround(-20 + i * 0.01);
      const ref = Math.exp(x);
      const ulp = 2 ** (Math.floor(Math.log2(ref)) - 23);
      worst = Math.max(worst, Math.abs(expFloat32(x) - ref) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(expFloat32(0)).toBe(1);
    expect(expFloat32(-200)).toBe(0);
    expect(expFloat32(200)).toBe(Infinity);
  });

  it('fmaFloat32 rounds once, also where x*y+z in float64 lands exactly on a float32 tie', () => {
    const x = 2 ** 8 * Math.fround(1 + 2 ** -23);
    const y = 2 ** 8 * Math.fround(1 - 2 ** -23);
    const z = 2 ** 40 + 2 ** 17; // exact x*y+z = 2^40 + 2^17 + 2^16 - 2^-30, just below the tie
    expect(Math.fround(x * y + z)).toBe(2 ** 40 + 2 ** 18); // double rounding goes the wrong way
    expect(fmaFloat32(x, y, z)).toBe(2 ** 40 + 2 ** 17);
    expect(fmaFloat32(3, 5, 0.5)).toBe(15.5);
  });

  it('torchLinspaceFloat32 uses the two-sided formula and returns [start] for one step', () => {
    expect(float32Bits(torchLinspaceFloat32(1, 1e-5, 4))).toEqual(float32Bits(loadRaw('sampler/timesteps.npy').data));
    const v = torchLinspaceFloat32(0, 1, 5);
    expect(Array.from(v)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(torchLinspaceFloat32(0.5, 2, 1))).toEqual([0.5]);
  });
});
