import { ConfigError, InputError } from '../../../../src/contracts';
import { chooseDefaultSampler, parseSamplerQualityTable } from '../../../../src/sr/samplers';
import type { SamplerQualityRow } from '../../../../src/sr/samplers';

const row = (label: string, nfe: number, psnrDb: number, identityCosine: number): SamplerQualityRow => ({
  label,
  options: { sampler: label },
  nfe,
  psnrDb,
  ssim: 0.5,
  identityCosine,
});
const reference = row('pc(steps=2000)', 4000, 25, 0.8);

describe('chooseDefaultSampler (issue 5: fewest NFE within 0.3 dB PSNR and 0.01 identity cosine of the 2000-step PC)', () => {
  it('takes the fewest-NFE row within both thresholds, one-sided', () => {
    const rows = [
      row('heun-5', 9, 24.0, 0.8), // PSNR 1 dB too low
      row('heun-10', 19, 24.75, 0.785), // cosine 0.015 too low
      row('heun-18', 35, 24.71, 0.791), // within both (0.29 dB, 0.009)
      row('em-100', 100, 26, 0.9), // better than the reference, more NFE
    ];
    const d = chooseDefaultSampler({ reference, rows });
    expect(d.chosen.label).toBe('heun-18');
    expect(d.eligible.map((r) => r.label)).toEqual(['heun-18', 'em-100', 'pc(steps=2000)']);
    expect(d.reason).toBe(
      'heun-18: 35 NFE, PSNR 24.71 dB (reference 25.00), identity cosine 0.7910 (reference 0.8000): the fewest NFE within 0.3 dB and 0.01 of pc(steps=2000) (4000 NFE)',
    );
    // Tighter thresholds move the choice; equal NFE goes to the higher PSNR.
    expect(chooseDefaultSampler({ reference, rows }, { maxPsnrLossDb: 0.1 }).chosen.label).toBe('em-100');
    expect(chooseDefaultSampler({ reference, rows: [row('a', 35, 24.9, 0.8), row('b', 35, 24.95, 0.8)] }).chosen.label).toBe('b');
  });

  it('keeps the reference when nothing qualifies, and validates its inputs', () => {
    const d = chooseDefaultSampler({ reference, rows: [row('x', 10, 20, 0.5)] });
    expect(d.chosen).toBe(reference);
    expect(d.reason).toBe('no sampler is within 0.3 dB PSNR and 0.01 identity cosine of the reference pc(steps=2000); it stays the default');
    expect(() => chooseDefaultSampler({ reference, rows: [] }, { maxPsnrLossDb: -1 })).toThrow(
      new ConfigError('chooseDefaultSampler.maxPsnrLossDb: expected a finite number >= 0, received -1'),
    );
    expect(() => chooseDefaultSampler({ reference, rows: [] }, { psnr: 1 } as never)).toThrow(
      'chooseDefaultSampler: unknown option "psnr"; valid options: maxPsnrLossDb, maxCosineLoss',
    );
    expect(() => parseSamplerQualityTable({ reference, rows: [{ ...reference, nfe: 0 }] }, 'table.json')).toThrow(
      new InputError('table.json: rows.0.nfe: Number must be greater than 0'),
    );
  });
});
