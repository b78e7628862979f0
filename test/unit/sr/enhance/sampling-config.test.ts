import { isSrSamplingConfig, parseSrSamplingConfig, samplingFromOptions, srSamplingForModel } from '../../../../src/sr/enhance';
import { PAPER_FORMULATION, parseSrFormulation } from '../../../../src/sr/formulation';
import { isParsedSamplerConfig } from '../../../../src/sr/samplers';

describe('parseSrSamplingConfig', () => {
  it("names the paper's PC sampler with its defaults (2000 steps, snr 0.16, per-sample Langevin steps), in batches of 4", () => {
    const d = parseSrSamplingConfig({ sampler: 'pc' });
    expect(d.sampler).toMatchObject({ sampler: 'pc', steps: 2000, snr: 0.16, nSteps: 1, langevinStepSize: 'per-sample' });
    expect(d.label).toBe('pc(steps=2000,snr=0.16,nSteps=1,eps=0.00001,langevinStepSize=per-sample)');
    expect(d.fixedSteps).toBe(2000);
    expect(d.batchSize).toBe(4);
  });

  it('takes any registry sampler, its own options, and an adaptive solver without fixed steps', () => {
    const h = parseSrSamplingConfig({ sampler: 'heun', steps: 18, samplerOptions: { rho: 7 } });
    expect(h.sampler).toMatchObject({ sampler: 'heun', steps: 18, rho: 7 });
    expect(h.label.startsWith('heun(steps=18,')).toBe(true);
    expect(parseSrSamplingConfig({ sampler: 'adaptive' }).fixedSteps).toBeNull();
  });

  it('rejects bad samplers (listing the valid ones), options of another sampler, unknown keys, bad batch sizes', () => {
    expect(() => parseSrSamplingConfig({ sampler: 'ddim' })).toThrow(
      'SrSampling.sampler: expected one of "pc", "reverse-diffusion", "euler-maruyama", "probability-flow", "heun", "euler-ode", "adaptive", received "ddim"',
    );
    expect(() => parseSrSamplingConfig({ sampler: 'heun', snr: 0.2 })).toThrow(/SrSampling \(heun\).*"snr"/);
    expect(() => parseSrSamplingConfig({ samplerOptions: { steps: 3 } })).toThrow('SrSampling.samplerOptions: set "steps" as its own option, not in samplerOptions');
    expect(() => parseSrSamplingConfig({ step: 3 })).toThrow(/unknown option.*"step"/);
    expect(() => parseSrSamplingConfig({ batchSize: 65 })).toThrow('SrSampling.batchSize: expected an integer in [1, 64], received 65');
  });

  it('is parsed once: a parsed value passes inward as it is (same object), a look-alike copy is refused', () => {
    const cfg = parseSrSamplingConfig({ sampler: 'heun', steps: 3 }, 'edge');
    expect(isSrSamplingConfig(cfg)).toBe(true);
    expect(isParsedSamplerConfig(cfg.sampler)).toBe(true);
    expect(samplingFromOptions('inner', { sampling: cfg }, PAPER_FORMULATION)).toBe(cfg);
    expect(isSrSamplingConfig({ ...cfg })).toBe(false);
    expect(() => samplingFromOptions('inner', { sampling: { ...cfg } }, PAPER_FORMULATION)).toThrow(
      'inner.sampling: expected a parsed sampling config (parseSrSamplingConfig), received an object',
    );
    expect(() => samplingFromOptions('inner', { sampling: cfg, steps: 4 }, PAPER_FORMULATION)).toThrow(
      'inner: give either sampling (parsed) or the sampling options (steps), not both',
    );
    expect(samplingFromOptions('inner', { steps: 4 }, PAPER_FORMULATION).label).toBe(parseSrSamplingConfig({ steps: 4 }).label);
  });

  it("gives a config that named no sampler the running model's default, without parsing it again", () => {
    const edge = parseSrSamplingConfig({ batchSize: 2 }, 'fasr sr');
    const residual = parseSrFormulation({ kind: 'residual-edm', sigmaData: 0.5, lrInput: 'native' });
    expect(edge.modelDefault).toBe(true);
    expect(srSamplingForModel(edge, PAPER_FORMULATION)).toBe(edge);
    const forResidual = srSamplingForModel(edge, residual);
    expect(forResidual.label).toBe(parseSrSamplingConfig({ batchSize: 2 }, 'x', residual).label);
    expect(forResidual.label.startsWith('heun(')).toBe(true);
    expect(forResidual.batchSize).toBe(2);
    const named = parseSrSamplingConfig({ sampler: 'pc', steps: 5 });
    expect(srSamplingForModel(named, residual)).toBe(named);
  });
});
