import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { ConfigError, InputError } from '../../../../src/contracts';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { DEFAULT_PC_SAMPLER_CONFIG, parsePcSamplerConfig, pcSample, pcSampleConditional } from '../../../../src/sr/samplers';
import type { PcSamplerOptions } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import type { ScoreFn } from '../../../../src/sr/sde';

beforeAll(async () => {
  await initBackend('cpu');
});

/**
 * Data x0 ~ N(MU, S^2) per pixel. Under the VE perturbation kernel N(x0, sigma(t)^2) the noisy
 * marginal is N(MU, S^2 + sigma(t)^2), whose exact score is -(x - MU) / (S^2 + sigma(t)^2).
 */
const MU = 0.5;
const S = 0.2;
function gaussianScore(sde: VeSde): ScoreFn {
  return (x, t) =>
    tf.tidy(() => {
      const s = sde.sigma(t);
      const v = tf.reshape(tf.add(tf.square(s), S * S), [-1, 1, 1, 1]);
      return tf.neg(tf.div(tf.sub(x, MU), v)) as tf.Tensor4D;
    });
}

async function sampleStats(opts: Omit<PcSamplerOptions, 'noise'>, seed: number): Promise<{ mean: number; std: number; nfe: number }> {
  const before = tf.memory().numTensors;
  const { xNHWC, nfe } = await pcSample(gaussianScore(opts.sde as VeSde), [4, 16, 16, 1], { ...opts, noise: new SeededNoiseSource(seed) });
  const { mean, variance } = tf.moments(xNHWC);
  const out = { mean: mean.dataSync()[0] ?? NaN, std: Math.sqrt(variance.dataSync()[0] ?? NaN), nfe };
  if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify(out));
  tf.dispose([xNHWC, mean, variance]);
  expect(tf.memory().numTensors).toBe(before);
  return out;
}

describe('pcSample on a Gaussian data distribution with its exact score', () => {
  // 1024 samples: standard error of the mean 0.0063, of the std 0.0044. Tolerances ~4 s.e.
  const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 100 });

  it.each([
    ['reverse-diffusion + langevin (FASR)', {}],
    ['reverse-diffusion + langevin, per-sample step size', { langevinStepSize: 'per-sample' }],
    ['euler-maruyama + langevin', { predictor: 'euler-maruyama' }],
    ['reverse-diffusion only', { corrector: 'none' }],
    ['euler-maruyama only', { predictor: 'euler-maruyama', corrector: 'none' }],
  ] as const)('%s returns N(mu, s^2) samples', async (_name, extra) => {
    const { mean, std, nfe } = await sampleStats({ sde, ...extra }, 7);
    expect(Math.abs(mean - MU)).toBeLessThan(0.025);
    expect(Math.abs(std - Math.sqrt(S * S + 0.01 ** 2))).toBeLessThan(0.018);
    expect(nfe).toBe(100 * ('corrector' in extra ? 1 : 2));
  });

  it('returns the prior-scale noise when it takes no real steps (sanity check that the test can fail)', async () => {
    // One step at t = T: the reverse-diffusion jump from sigma_max to 0 is the whole denoising,
    // so with only the corrector the samples stay at the prior scale.
    const { std } = await sampleStats({ sde: new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 1 }), predictor: 'none' }, 3);
    expect(std).toBeGreaterThan(5);
  });

  it('is reproducible for a seed and returns x instead of x_mean without denoise', async () => {
    const small = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 5 });
    const run = async (denoise: boolean): Promise<Float32Array> => {
      const r = await pcSample(gaussianScore(small), [2, 2, 2, 1], { sde: small, noise: new SeededNoiseSource(1), denoise });
      const v = Float32Array.from(r.xNHWC.dataSync());
      r.xNHWC.dispose();
      return v;
    };
    const a = await run(true);
    expect(Array.from(await run(true))).toEqual(Array.from(a));
    expect(Array.from(await run(false))).not.toEqual(Array.from(a));
  });
});

describe('pcSample control', () => {
  const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 6 });
  const score = gaussianScore(sde);

  it('has the paper defaults, frozen; parsePcSamplerConfig fills them in and validates', () => {
    expect(Object.isFrozen(DEFAULT_PC_SAMPLER_CONFIG)).toBe(true);
    expect(parsePcSamplerConfig({ snr: 0.2 })).toEqual({ ...DEFAULT_PC_SAMPLER_CONFIG, snr: 0.2 });
    expect(() => parsePcSamplerConfig({ snr: 0 })).toThrow(new ConfigError('PcSamplerConfig.snr: expected a finite number > 0, received 0'));
    expect(() => parsePcSamplerConfig({ sde: 1 })).toThrow(
      'PcSamplerConfig: unknown option "sde"; valid options: predictor, corrector, snr, nSteps, denoise, eps, probabilityFlow, langevinStepSize',
    );
    expect(DEFAULT_PC_SAMPLER_CONFIG).toEqual({
      predictor: 'reverse-diffusion',
      corrector: 'langevin',
      snr: 0.16,
      nSteps: 1,
      denoise: true,
      eps: 1e-5,
      probabilityFlow: false,
      langevinStepSize: 'batch-mean',
    });
    expect(new VeSde().N).toBe(2000);
  });

  it('reports progress per step with the NFE so far (nSteps = 2: 3 evaluations per step)', async () => {
    const seen: { step: number; steps: number; nfe: number }[] = [];
    const r = await pcSample(score, [1, 2, 2, 1], {
      sde,
      noise: new SeededNoiseSource(0),
      nSteps: 2,
      onProgress: ({ step, steps, nfe }) => seen.push({ step, steps, nfe }),
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5].map((i) => ({ step: i, steps: 6, nfe: 3 * (i + 1) })));
    expect(r.nfe).toBe(18);
    r.xNHWC.dispose();
  });

  it('aborts between steps, rejects with the signal reason and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let evals = 0;
    const counting: ScoreFn = (x, t) => {
      evals += 1;
      return score(x, t);
    };
    const promise = pcSample(counting, [2, 4, 4, 3], {
      sde,
      noise: new SeededNoiseSource(0),
      signal: controller.signal,
      onProgress: ({ step }) => {
        if (step === 1) controller.abort();
      },
    });
    await expect(promise).rejects.toMatchObject({ name: 'AbortError' });
    expect(evals).toBe(4);
    expect(tf.memory().numTensors).toBe(before);

    const reason = new Error('stop now');
    await expect(pcSample(counting, [1, 1, 1, 1], { sde, noise: new SeededNoiseSource(0), signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(evals).toBe(4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('aborts from a timer while running (the loop yields to the event loop)', async () => {
    const long = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 100000 });
    const signal = AbortSignal.timeout(30);
    await expect(pcSample(gaussianScore(long), [1, 2, 2, 1], { sde: long, noise: new SeededNoiseSource(0), signal })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('pcSampleConditional draws the prior with the LR batch shape and passes y and feat to each evaluation', async () => {
    const y = tf.fill([3, 4, 4, 3], 0.25) as tf.Tensor4D;
    const feat = tf.ones([3, 8]) as tf.Tensor2D;
    const seen: string[] = [];
    const r = await pcSampleConditional(
      (x, yy, t, f) => {
        seen.push(`${x.shape.join('x')}|${yy === y}|${f === feat}|${t.shape.join('x')}`);
        return tf.neg(x) as tf.Tensor4D;
      },
      y,
      feat,
      { sde: new VeSde({ N: 2 }), noise: new SeededNoiseSource(0) },
    );
    expect(r.xNHWC.shape).toEqual([3, 4, 4, 3]);
    expect(seen).toEqual(Array(4).fill('3x4x4x3|true|true|3'));
    expect(() => pcSampleConditional((x) => x, y, tf.ones([2, 8]) as tf.Tensor2D, { sde, noise: new SeededNoiseSource(0) })).rejects.toThrow(
      new InputError('pcSampleConditional: feat must have shape [B,F] = [3,*], received [2,8]'),
    );
    tf.dispose([y, feat, r.xNHWC]);
  });

  it('rejects bad options and shapes with exact messages, before drawing anything', async () => {
    const noise = new SeededNoiseSource(0);
    const run = (shape: readonly number[], extra: Record<string, unknown>): Promise<unknown> =>
      pcSample(score, shape as [number, number, number, number], { sde, noise, ...extra } as PcSamplerOptions);
    await expect(run([1, 2, 2, 1], { snr: 0 })).rejects.toThrow(new ConfigError('pcSample.snr: expected a finite number > 0, received 0'));
    await expect(run([1, 2, 2, 1], { snr: -0.1 })).rejects.toThrow('pcSample.snr: expected a finite number > 0, received -0.1');
    await expect(run([1, 2, 2, 1], { nSteps: 0 })).rejects.toThrow('pcSample.nSteps: expected an integer >= 1, received 0');
    await expect(run([1, 2, 2, 1], { eps: 1 })).rejects.toThrow('pcSample.eps: expected a finite number in (0, 1), received 1');
    await expect(run([1, 2, 2, 1], { denoise: 'yes' })).rejects.toThrow('pcSample.denoise: expected a boolean, received "yes"');
    await expect(run([1, 2, 2, 1], { predictor: 'euler' })).rejects.toThrow(
      'pcSample.predictor: expected one of "reverse-diffusion", "euler-maruyama", "none", received "euler"',
    );
    await expect(run([1, 2, 2, 1], { predictor: 'none', corrector: 'none' })).rejects.toThrow(
      'pcSample: predictor and corrector are both "none"; at least one must run',
    );
    await expect(run([1, 2, 2, 1], { steps: 10 })).rejects.toThrow(
      'pcSample: unknown option "steps"; valid options: sde, noise, predictor, corrector, snr, nSteps, denoise, eps, probabilityFlow, langevinStepSize, onProgress, onUpdate, signal',
    );
    await expect(run([1, 2, 2, 1], { onProgress: 3 })).rejects.toThrow('pcSample.onProgress: expected a function, received 3');
    await expect(run([1, 2, 2, 1], { signal: {} })).rejects.toThrow('pcSample.signal: expected an AbortSignal, received {}');
    await expect(run([1, 2, 2], {})).rejects.toThrow(new InputError('pcSample: shapeNHWC must be 4 positive integers [B,H,W,C], received [1,2,2]'));
    await expect(run([1, 2, 0, 1], {})).rejects.toThrow('pcSample: shapeNHWC must be 4 positive integers [B,H,W,C], received [1,2,0,1]');
    await expect(pcSample(score, [1, 1, 1, 1], { sde, noise: undefined as never })).rejects.toThrow(
      'pcSample.noise: expected a NoiseSource (normal(shape), uniform(shape)), received undefined',
    );
    expect(noise.blocksConsumed).toBe(0);
  });
});
