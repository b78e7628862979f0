import { DEFAULT_SR_SAMPLING_CONFIG, parseSrSamplingConfig, samplerLabel, samplerNfe, samplerPcConfig, SR_SAMPLER_NAMES } from '../../../../src/sr/enhance';
import { parsePcSamplerConfig } from '../../../../src/sr/samplers';

describe('SR sampling settings', () => {
  it('defaults to the paper (pc, 2000 steps, snr 0.16) and validates every field', () => {
    expect(parseSrSamplingConfig({})).toEqual(DEFAULT_SR_SAMPLING_CONFIG);
    expect(parseSrSamplingConfig({ sampler: 'euler-maruyama', steps: 10 })).toEqual({ sampler: 'euler-maruyama', steps: 10, snr: 0.16, batchSize: 4 });
    expect(() => parseSrSamplingConfig({ sampler: 'ddim' })).toThrow(
      'SrSamplingConfig.sampler: expected one of "pc", "reverse-diffusion", "euler-maruyama", "probability-flow", received "ddim"',
    );
    expect(() => parseSrSamplingConfig({ steps: 0 })).toThrow('SrSamplingConfig.steps: expected an integer >= 1 and <= 100000, received 0');
    expect(() => parseSrSamplingConfig({ snr: -1 })).toThrow('SrSamplingConfig.snr: expected a finite number > 0, received -1');
    expect(() => parseSrSamplingConfig({ batchSize: 65 })).toThrow('SrSamplingConfig.batchSize: expected an integer >= 1 and <= 64, received 65');
    expect(() => parseSrSamplingConfig({ step: 3 })).toThrow(/unknown option.*"step"/);
  });

  it('maps every sampler to a valid per-sample PC config, with its label and NFE', () => {
    for (const name of SR_SAMPLER_NAMES) {
      const pc = parsePcSamplerConfig(samplerPcConfig(name, 0.2));
      expect(pc.langevinStepSize).toBe('per-sample');
      expect(samplerNfe(name, 10)).toBe(pc.corrector === 'langevin' ? 20 : 10);
    }
    expect(samplerPcConfig('probability-flow', 0.16)).toMatchObject({ predictor: 'reverse-diffusion', corrector: 'none', probabilityFlow: true });
    expect(samplerLabel('pc', 0.16)).toBe('pc(snr=0.16)');
    expect(samplerLabel('reverse-diffusion', 0.16)).toBe('reverse-diffusion');
  });
});
