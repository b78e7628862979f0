import { samplerLabelOptions } from '../../../src/export';

describe('samplerLabelOptions: a stored sampler label back to enhanceTrack options', () => {
  it('splits steps and snr from the other sampler options and parses values', () => {
    expect(samplerLabelOptions('pc(steps=3,snr=0.16,nSteps=1,eps=0.00001,langevinStepSize=per-sample)', 3)).toEqual({
      sampler: 'pc',
      steps: 3,
      snr: 0.16,
      samplerOptions: { nSteps: 1, eps: 0.00001, langevinStepSize: 'per-sample' },
    });
    expect(samplerLabelOptions('heun(steps=18,rho=7,sChurn=0,sTmin=0,sTmax=null,sNoise=1)', 18)).toEqual({
      sampler: 'heun',
      steps: 18,
      samplerOptions: { rho: 7, sChurn: 0, sTmin: 0, sTmax: null, sNoise: 1 },
    });
  });

  it('takes the stored steps when the label has none, and none for adaptive', () => {
    expect(samplerLabelOptions('pc(snr=0.16)', 40)).toEqual({ sampler: 'pc', snr: 0.16, steps: 40 });
    expect(samplerLabelOptions('pc', 7)).toEqual({ sampler: 'pc', steps: 7 });
    expect(samplerLabelOptions('adaptive(epsRel=0.01)', 12)).toEqual({ sampler: 'adaptive', samplerOptions: { epsRel: 0.01 } });
  });

  it('returns null for text that is not a label', () => {
    expect(samplerLabelOptions('PC sampler, 40 steps', 40)).toBeNull();
    expect(samplerLabelOptions('pc(steps)', 40)).toBeNull();
  });
});
