import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import {
  SAMPLER_NAMES,
  heunSample,
  parseSamplerConfig,
  parseSamplerOptionPairs,
  pcSample,
  runSampler,
  runSamplerConditional,
  samplerLabel,
  samplerNfe,
} from '../../../../src/sr/samplers';
import type { SamplerConfig } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import { MU, S, gaussianScore, moments } from './gaussian-data';

beforeAll(async () => {
  await initBackend('cpu');
});

const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 2000 });
const score = gaussianScore(sde);
const NAMES = '"pc", "reverse-diffusion", "euler-maruyama", "probability-flow", "heun", "euler-ode", "adaptive"';

describe('parseSamplerConfig', () => {
  it('fills in each sampler\'s defaults; steps is first-class for every fixed-step sampler', () => {
    expect(parseSamplerConfig({})).toEqual({ sampler: 'pc', steps: 2000, snr: 0.16, nSteps: 1, eps: 1e-5, langevinStepSize: 'per-sample' });
    expect(parseSamplerConfig({ sampler: 'heun', steps: 12 })).toEqual({ sampler: 'heun', steps: 12, rho: 7, sChurn: 0, sTmin: 0, sTmax: null, sNoise: 1 });
    expect(parseSamplerConfig({ sampler: 'euler-maruyama', steps: 50 })).toEqual({ sampler: 'euler-maruyama', steps: 50, eps: 1e-5 });
    expect(parseSamplerConfig({ sampler: 'euler-ode', steps: 9 })).toEqual({ sampler: 'euler-ode', steps: 9, rho: 7 });
    expect(parseSamplerConfig({ sampler: 'adaptive', epsRel: 0.05 })).toMatchObject({ sampler: 'adaptive', epsRel: 0.05, epsAbs: 0.0039 });
    expect(Object.isFrozen(parseSamplerConfig({ sampler: 'heun' }))).toBe(true);
  });

  it('rejects bad choices with exact messages listing the valid names and options', () => {
    expect(() => parseSamplerConfig({ sampler: 'ddim' })).toThrow(new ConfigError(`SamplerConfig.sampler: expected one of ${NAMES}, received "ddim"`));
    expect(() => parseSamplerConfig({ sampler: 'heun', snr: 0.16 })).toThrow(
      'SamplerConfig (heun): unknown option "snr"; valid options: sampler, steps, rho, sChurn, sTmin, sTmax, sNoise',
    );
    expect(() => parseSamplerConfig({ sampler: 'pc', stpes: 10 })).toThrow(
      'SamplerConfig (pc): unknown option "stpes"; valid options: sampler, steps, snr, nSteps, eps, langevinStepSize',
    );
    expect(() => parseSamplerConfig({ sampler: 'heun', steps: 0 })).toThrow('SamplerConfig (heun).steps: expected an integer >= 1, received 0');
    expect(() => parseSamplerConfig({ sampler: 'euler-maruyama', steps: 0 })).toThrow('SamplerConfig (euler-maruyama).steps: expected an integer >= 1, received 0');
    expect(() => parseSamplerConfig({ sampler: 'heun', rho: 0 })).toThrow('SamplerConfig (heun).rho: expected a finite number > 0, received 0');
    expect(() => parseSamplerConfig({ sampler: 'heun', rho: 'seven' })).toThrow('SamplerConfig (heun).rho: expected a finite number > 0, received "seven"');
    expect(() => parseSamplerConfig({ sampler: 'adaptive', steps: 10 })).toThrow(
      'SamplerConfig (adaptive): option "steps" does not apply: the adaptive solver chooses its own steps; set epsRel/epsAbs instead (valid options: sampler, epsAbs, epsRel, hInit, safety, exponent, eps, extrapolation, denoise, maxNfe)',
    );
    expect(() => parseSamplerConfig('heun')).toThrow('SamplerConfig: expected an options object like { sampler: "heun", steps: 18 }, received "heun"');
  });

  it('parses CLI key=value pairs', () => {
    expect(parseSamplerOptionPairs(['rho=7', 'sTmax=null', 'denoise=false', 'langevinStepSize=batch-mean'])).toEqual({
      rho: 7,
      sTmax: null,
      denoise: false,
      langevinStepSize: 'batch-mean',
    });
    expect(() => parseSamplerOptionPairs(['rho'])).toThrow('sampler option: expected key=value, received "rho"');
  });

  it('labels configs canonically and knows their NFE', () => {
    expect(samplerLabel(parseSamplerConfig({ sampler: 'heun', steps: 18 }))).toBe('heun(steps=18,rho=7,sChurn=0,sTmin=0,sTmax=null,sNoise=1)');
    expect(samplerLabel(parseSamplerConfig({ sampler: 'euler-maruyama', steps: 100 }))).toBe('euler-maruyama(steps=100,eps=0.00001)');
    expect(samplerNfe(parseSamplerConfig({ sampler: 'pc', steps: 2000 }))).toBe(4000);
    expect(samplerNfe(parseSamplerConfig({ sampler: 'heun', steps: 18 }))).toBe(35);
    expect(samplerNfe(parseSamplerConfig({ sampler: 'probability-flow', steps: 30 }))).toBe(30);
    expect(samplerNfe(parseSamplerConfig({ sampler: 'adaptive' }))).toBeNull();
  });
});

describe('runSampler', () => {
  it.each(SAMPLER_NAMES.map((name) => [name]))('runs %s with the NFE it announces and leaks nothing', async (name) => {
    const settings: Record<string, unknown> = name === 'adaptive' ? { epsRel: 0.1 } : { steps: name === 'heun' ? 20 : 40 };
    const config = parseSamplerConfig({ sampler: name, ...settings });
    const before = tf.memory().numTensors;
    const r = await runSampler(score, [4, 8, 8, 1], config, { sde, noise: new SeededNoiseSource(1) });
    const m = moments(r.xNHWC);
    r.xNHWC.dispose();
    expect(tf.memory().numTensors).toBe(before);
    if (name !== 'adaptive') expect(r.nfe).toBe(samplerNfe(config));
    // 256 samples: s.e. of the mean 0.0125, of the std 0.009; few steps add a bias: loose bounds.
    expect(Math.abs(m.mean - MU)).toBeLessThan(0.06);
    expect(Math.abs(m.std - S)).toBeLessThan(0.06);
  });

  it('equals calling the sampler directly (pc: pcSample with a VeSde of `steps` levels)', async () => {
    const direct = await pcSample(score, [1, 3, 3, 1], {
      sde: new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 7 }),
      noise: new SeededNoiseSource(4),
      langevinStepSize: 'per-sample',
    });
    const viaRegistry = await runSampler(score, [1, 3, 3, 1], parseSamplerConfig({ sampler: 'pc', steps: 7 }), { sde, noise: new SeededNoiseSource(4) });
    expect(Array.from(viaRegistry.xNHWC.dataSync())).toEqual(Array.from(direct.xNHWC.dataSync()));
    const heun = await heunSample(score, [1, 3, 3, 1], { sde, noise: new SeededNoiseSource(4), steps: 5, rho: 3 });
    const heunReg = await runSampler(score, [1, 3, 3, 1], parseSamplerConfig({ sampler: 'heun', steps: 5, rho: 3 }), { sde, noise: new SeededNoiseSource(4) });
    expect(Array.from(heunReg.xNHWC.dataSync())).toEqual(Array.from(heun.xNHWC.dataSync()));
    tf.dispose([direct.xNHWC, viaRegistry.xNHWC, heun.xNHWC, heunReg.xNHWC]);
  });

  it('passes y and feat to every evaluation (conditional form) and validates config and options', async () => {
    const y = tf.fill([2, 3, 3, 1], 0.25) as tf.Tensor4D;
    const feat = tf.ones([2, 4]) as tf.Tensor2D;
    let calls = 0;
    const r = await runSamplerConditional(
      (x, yy, t, f) => {
        calls += yy === y && f === feat ? 1 : 0;
        return score(x, t);
      },
      y,
      feat,
      parseSamplerConfig({ sampler: 'euler-ode', steps: 3 }),
      { sde, noise: new SeededNoiseSource(0) },
    );
    expect(calls).toBe(3);
    expect(r.xNHWC.shape).toEqual([2, 3, 3, 1]);
    tf.dispose([y, feat, r.xNHWC]);
    await expect(runSampler(score, [1, 2, 2, 1], { sampler: 'heun', steps: -1 } as unknown as SamplerConfig, { sde, noise: new SeededNoiseSource(0) })).rejects.toThrow(
      'runSampler.config (heun).steps: expected an integer >= 1, received -1',
    );
    await expect(runSampler(score, [1, 2, 2, 1], parseSamplerConfig({}), { sde, noise: new SeededNoiseSource(0), seed: 1 } as never)).rejects.toThrow(
      'runSampler: unknown option "seed"; valid options: sde, noise, onProgress, signal',
    );
  });
});
