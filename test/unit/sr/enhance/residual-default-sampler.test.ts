/**
 * Issue 16's rule for a residual-EDM model's default sampler (chooseResidualDefaultSampler): the
 * fewest network calls (at most 20) within 0.2 dB of the model's best setting, PSNR averaged over
 * the LR_0 settings, only the true-F_M rows of the named model.
 */
import { chooseResidualDefaultSampler } from '../../../../src/sr/enhance';
import type { RecipeValidationRow } from '../../../../src/sr/enhance';

const row = (sampler: string, nfe: number, psnrDb: number, degradation = 'authors-x8', method = 'true F_M', model = 'm'): RecipeValidationRow => ({ model, degradation, method, sampler, nfe, psnrDb });

describe('chooseResidualDefaultSampler', () => {
  it('takes the fewest calls within 0.2 dB of the best, averaging the LR_0 settings', () => {
    const rows = [
      row('heun:1', 1, 24.0), row('heun:1', 1, 24.2, 'cctv'),
      row('heun:4', 7, 24.45), row('heun:4', 7, 24.45, 'cctv'),
      row('heun:10', 19, 24.5), row('heun:10', 19, 24.5, 'cctv'),
      row('heun:30', 59, 24.6), row('heun:30', 59, 24.6, 'cctv'),
    ];
    // best 24.6 (59 calls, over the limit but still the reference); within 0.2 dB: heun:4 (24.45) and heun:10.
    const d = chooseResidualDefaultSampler(rows, 'm');
    expect(d.options).toEqual({ sampler: 'heun', steps: 4 });
    expect(d.best).toBe('heun:30');
    expect(d.bestPsnrDb).toBeCloseTo(24.6, 10);
  });

  it('ignores other models, conditions and the default rows; fails when nothing fits', () => {
    const rows = [row('heun:1', 1, 20), row('heun:10', 19, 30, 'authors-x8', 'shuffled F_M'), row('heun:10', 19, 30, 'authors-x8', 'true F_M', 'other'), row('default: x', 7, 40)];
    expect(chooseResidualDefaultSampler(rows, 'm').options).toEqual({ sampler: 'heun', steps: 1 });
    expect(() => chooseResidualDefaultSampler([row('heun:30', 59, 25), row('heun:1', 1, 20)], 'm')).toThrow(/within 0.2 dB/);
    expect(() => chooseResidualDefaultSampler(rows, 'nobody')).toThrow(/no 'true F_M' rows/);
  });
});
