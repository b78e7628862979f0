import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { DEFAULT_HEUN_SAMPLER_CONFIG, eulerOdeSample, heunSample, karrasSigmas, veTimeOfSigma } from '../../../../src/sr/samplers';
import type { HeunSamplerOptions } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import type { ScoreFn } from '../../../../src/sr/sde';
import { MU, S, exactOdeEndpoint, gaussianScore, maxAbsError, moments } from './gaussian-data';

beforeAll(async () => {
  await initBackend('cpu');
});

const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 100 });
const score = gaussianScore(sde);
const SHAPE = [4, 8, 8, 1] as const;

/** Max error against the exact ODE endpoint of the same prior draw (seed 7). */
async function odeError(run: (noise: SeededNoiseSource) => Promise<{ xNHWC: tf.Tensor4D; nfe: number }>): Promise<{ error: number; nfe: number }> {
  const exact = exactOdeEndpoint(new SeededNoiseSource(7).normalArray(4 * 64), sde.sigmaMax);
  const { xNHWC, nfe } = await run(new SeededNoiseSource(7));
  const error = maxAbsError(xNHWC.dataSync(), exact);
  xNHWC.dispose();
  if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify({ error, nfe }));
  return { error, nfe };
}
const heunError = (steps: number) => odeError((noise) => heunSample(score, SHAPE, { sde, noise, steps }));
const eulerError = (steps: number) => odeError((noise) => eulerOdeSample(score, SHAPE, { sde, noise, steps }));

describe('karrasSigmas and veTimeOfSigma', () => {
  it('is EDM Eq. 5: sigma_max first, sigma_min at N-1, then 0; rho bends it toward small sigma', () => {
    const s = karrasSigmas(4, 0.01, 10, 7);
    expect(s[0]).toBe(10);
    expect(s[3]).toBe(0.01);
    expect(s[4]).toBe(0);
    // i = 1: (10^(1/7) + (0.01^(1/7) - 10^(1/7)) / 3)^7, by hand 1.93615
    expect(s[1]).toBeCloseTo((10 ** (1 / 7) + (0.01 ** (1 / 7) - 10 ** (1 / 7)) / 3) ** 7, 12);
    expect(s[1]).toBeCloseTo(1.9361, 3);
    expect(Array.from(karrasSigmas(1, 0.01, 10, 7))).toEqual([10, 0]);
    // rho = 1 is a linear ramp.
    expect(Array.from(karrasSigmas(3, 1, 3, 1))).toEqual([3, 2, 1, 0]);
    expect(() => karrasSigmas(2, 0.01, 10, 0)).toThrow(new ConfigError('karrasSigmas.rho: expected a finite number > 0, received 0'));
  });

  it('inverts sigma(t) of the VE SDE (to float32 accuracy through the score function)', () => {
    for (const sigma of [0.01, 0.3, 10]) {
      const t = veTimeOfSigma(sde, sigma);
      const back = tf.tidy(() => sde.sigma(tf.tensor1d([t])).dataSync()[0] ?? NaN);
      expect(Math.abs(back - sigma) / sigma).toBeLessThan(1e-6);
    }
    expect(veTimeOfSigma(sde, 10)).toBe(1);
    expect(veTimeOfSigma(sde, 0.01)).toBe(0);
  });
});

describe('heunSample on Gaussian data with its exact score', () => {
  it('converges to the exact PF-ODE solution per sample, with N(mu, s^2) statistics', async () => {
    const { error, nfe } = await heunError(80);
    expect(nfe).toBe(159);
    expect(error).toBeLessThan(1e-3); // measured 1.3e-4
    // 1024 samples: s.e. of the mean 0.0063, of the std 0.0044; tolerances ~4 s.e.
    const r = await heunSample(score, [4, 16, 16, 1], { sde, noise: new SeededNoiseSource(3), steps: 40 });
    const m = moments(r.xNHWC);
    r.xNHWC.dispose();
    expect(Math.abs(m.mean - MU)).toBeLessThan(0.025);
    expect(Math.abs(m.std - S)).toBeLessThan(0.018);
  });

  it('is second order: far more accurate than Euler at the same NFE once steps resolve the schedule', async () => {
    // Measured (max error vs exact, sigma 10 -> 0): Heun 20/40/80 steps 1.3e-2 / 2.3e-3 / 1.3e-4;
    // Euler at the same NFE (39/79/159) 3.7e-2 / 1.9e-2 / 9.7e-3. Below ~10 steps Heun's trapezoid
    // over the huge first steps is worse than Euler (5 steps: 0.44 vs 0.16), see docs/samplers.md.
    const h20 = await heunError(20);
    const h40 = await heunError(40);
    const e39 = await eulerError(39);
    const e79 = await eulerError(79);
    expect(h40.nfe).toBe(e79.nfe);
    expect(h40.error).toBeLessThan(e79.error / 5);
    expect(h20.error / h40.error).toBeGreaterThan(3.5); // order 2: error / 4 per halving
    expect(e39.error / e79.error).toBeLessThan(2.5); // order 1: error / 2
  });

  it('is deterministic after the prior (bit-reproducible); churn adds seeded noise, capped at sigma_max', async () => {
    const run = async (extra: Partial<HeunSamplerOptions>, seed = 5): Promise<number[]> => {
      const r = await heunSample(score, [2, 3, 3, 1], { sde, noise: new SeededNoiseSource(seed), steps: 6, ...extra });
      const v = Array.from(r.xNHWC.dataSync());
      r.xNHWC.dispose();
      return v;
    };
    const a = await run({});
    expect(await run({})).toEqual(a);
    expect(await run({}, 6)).not.toEqual(a);
    const churned = await run({ sChurn: 3 });
    expect(await run({ sChurn: 3 })).toEqual(churned);
    expect(churned).not.toEqual(a);
    // sTmin above every sigma: no churn at all, so Algorithm 1 exactly.
    expect(await run({ sChurn: 3, sTmin: 100 })).toEqual(a);
    // Each churned step draws once; the first step's sigma-hat is capped at sigma_max (no draw there).
    const noise = new SeededNoiseSource(5);
    const r = await heunSample(score, [2, 3, 3, 1], { sde, noise, steps: 6, sChurn: 3 });
    r.xNHWC.dispose();
    const perDraw = Math.ceil(18 / 4);
    expect(noise.blocksConsumed).toBe(perDraw * (1 + 5));
  });

  it('calls the score at t(sigma) of the schedule, reports progress, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const ts: number[] = [];
    const spy: ScoreFn = (x, t) => {
      ts.push(t.dataSync()[0] ?? NaN);
      return score(x, t);
    };
    const progress: { step: number; steps: number; nfe: number }[] = [];
    const r = await heunSample(spy, [1, 2, 2, 1], { sde, noise: new SeededNoiseSource(0), steps: 3, onProgress: ({ step, steps, nfe }) => progress.push({ step, steps, nfe }) });
    r.xNHWC.dispose();
    const sig = karrasSigmas(3, 0.01, 10, 7);
    const expectT = [sig[0], sig[1], sig[1], sig[2], sig[2]].map((s) => Math.fround(veTimeOfSigma(sde, s ?? NaN)));
    expect(ts).toEqual(expectT);
    expect(progress).toEqual([
      { step: 0, steps: 3, nfe: 2 },
      { step: 1, steps: 3, nfe: 4 },
      { step: 2, steps: 3, nfe: 5 },
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('aborts between steps with the signal reason and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const reason = new Error('stop');
    const p = heunSample(score, [1, 2, 2, 1], { sde, noise: new SeededNoiseSource(0), steps: 10, signal: controller.signal, onProgress: ({ step }) => step === 1 && controller.abort(reason) });
    await expect(p).rejects.toBe(reason);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options with exact messages before drawing anything', async () => {
    const noise = new SeededNoiseSource(0);
    const run = (extra: Record<string, unknown>, shape: readonly number[] = [1, 2, 2, 1]): Promise<unknown> =>
      heunSample(score, shape as [number, number, number, number], { sde, noise, ...extra } as HeunSamplerOptions);
    await expect(run({ steps: 0 })).rejects.toThrow(new ConfigError('heunSample.steps: expected an integer >= 1, received 0'));
    await expect(run({ steps: 2.5 })).rejects.toThrow('heunSample.steps: expected an integer >= 1, received 2.5');
    await expect(run({ rho: -1 })).rejects.toThrow('heunSample.rho: expected a finite number > 0, received -1');
    await expect(run({ rho: Infinity })).rejects.toThrow('heunSample.rho: expected a finite number > 0, received Infinity');
    await expect(run({ sChurn: -1 })).rejects.toThrow('heunSample.sChurn: expected a finite number >= 0, received -1');
    await expect(run({ sTmin: 2, sTmax: 1 })).rejects.toThrow('heunSample.sTmax: expected a finite number >= 2, received 1');
    await expect(run({ snr: 0.16 })).rejects.toThrow(
      'heunSample: unknown option "snr"; valid options: sde, steps, rho, sChurn, sTmin, sTmax, sNoise, noise, onProgress, signal',
    );
    await expect(run({ sde: {} })).rejects.toThrow(
      'heunSample.sde: expected a VeSde (the sigma schedule needs sigma(t) = sigma_min (sigma_max/sigma_min)^t), received {}',
    );
    await expect(run({ noise: 1 })).rejects.toThrow('heunSample.noise: expected a NoiseSource (normal(shape), uniform(shape)), received 1');
    await expect(run({}, [1, 2, 2])).rejects.toThrow(new InputError('heunSample: shapeNHWC must be 4 positive integers [B,H,W,C], received [1,2,2]'));
    await expect(eulerOdeSample(score, [1, 2, 2, 1], { sde, noise, steps: 0 })).rejects.toThrow('eulerOdeSample.steps: expected an integer >= 1, received 0');
    expect(noise.blocksConsumed).toBe(0);
    expect(DEFAULT_HEUN_SAMPLER_CONFIG).toEqual({ steps: 18, rho: 7, sChurn: 0, sTmin: 0, sTmax: null, sNoise: 1 });
    expect(Object.isFrozen(DEFAULT_HEUN_SAMPLER_CONFIG)).toBe(true);
  });
});
