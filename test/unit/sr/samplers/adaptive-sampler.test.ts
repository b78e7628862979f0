import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { PerFaceNoiseSource } from '../../../../src/sr/enhance';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { AdaptiveSamplerError, DEFAULT_ADAPTIVE_SAMPLER_CONFIG, adaptiveSample } from '../../../../src/sr/samplers';
import type { AdaptiveSamplerOptions } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import type { ScoreFn } from '../../../../src/sr/sde';
import { MU, S, gaussianScore, moments } from './gaussian-data';

beforeAll(async () => {
  await initBackend('cpu');
});

const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 100 });
const score = gaussianScore(sde);

describe('adaptiveSample on Gaussian data with its exact score', () => {
  it('returns N(mu, s^2) samples, and its NFE falls as the tolerance loosens', async () => {
    const stats: { epsRel: number; nfe: number; mean: number; std: number }[] = [];
    for (const epsRel of [0.02, 0.1]) {
      const r = await adaptiveSample(score, [4, 16, 16, 1], { sde, noise: new SeededNoiseSource(7), epsRel });
      stats.push({ epsRel, nfe: r.nfe, ...moments(r.xNHWC) });
      expect(r.nfe).toBe(2 * r.steps + 1);
      r.xNHWC.dispose();
    }
    if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify(stats));
    // Measured (same seed): epsRel 0.005 / 0.01 / 0.05 / 0.1 -> 697 / 509 / 163 / 109 NFE.
    const [tight, loose] = stats as [(typeof stats)[0], (typeof stats)[0]];
    expect(loose.nfe).toBeLessThan(tight.nfe / 2);
    for (const s of stats) {
      // 1024 samples: s.e. of the mean 0.0063, of the std 0.0044; tolerances ~4 s.e.
      expect(Math.abs(s.mean - MU)).toBeLessThan(0.025);
      expect(Math.abs(s.std - S)).toBeLessThan(0.018);
    }
  });

  it('rejects a step whose error is too large and shrinks h (a start step of 0.5 cannot be accepted)', async () => {
    const r = await adaptiveSample(score, [1, 4, 4, 1], { sde, noise: new SeededNoiseSource(1), hInit: 0.5 });
    expect(r.rejectedSteps[0]).toBeGreaterThanOrEqual(1);
    expect(r.steps).toBe((r.acceptedSteps[0] ?? 0) + (r.rejectedSteps[0] ?? 0));
    r.xNHWC.dispose();
  });

  it('is bit-reproducible for a seed, and a sample does not depend on its batch (per-sample t and h)', async () => {
    const run = async (seeds: number[], epsRel = 0.05): Promise<{ rows: number[][]; nfe: number }> => {
      const r = await adaptiveSample(score, [seeds.length, 3, 3, 1], { sde, noise: new PerFaceNoiseSource(seeds), epsRel });
      const v = Array.from(r.xNHWC.dataSync());
      r.xNHWC.dispose();
      return { rows: seeds.map((_, i) => v.slice(i * 9, (i + 1) * 9)), nfe: r.nfe };
    };
    const alone = await run([11]);
    const again = await run([11]);
    expect(again.rows).toEqual(alone.rows);
    const batched = await run([4, 11, 9]);
    expect(batched.rows[1]).toEqual(alone.rows[0]);
    expect(batched.nfe).toBeGreaterThanOrEqual(alone.nfe);
    expect((await run([12])).rows[0]).not.toEqual(alone.rows[0]);
  });

  it('denoises with one more evaluation at eps unless told not to; reports progress; leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const ts: number[] = [];
    const spy: ScoreFn = (x, t) => {
      ts.push(t.dataSync()[0] ?? NaN);
      return score(x, t);
    };
    const progress: { step: number; steps: number; nfe: number; t: number }[] = [];
    const a = await adaptiveSample(spy, [1, 2, 2, 1], { sde, noise: new SeededNoiseSource(2), epsRel: 0.1, onProgress: (p) => progress.push(p) });
    expect(ts[0]).toBe(1);
    expect(ts[ts.length - 1]).toBe(Math.fround(1e-5));
    expect(a.nfe).toBe(ts.length);
    expect(progress.length).toBe(a.steps);
    expect(progress.map((p) => p.nfe)).toEqual(progress.map((_, i) => 2 * (i + 1)));
    expect(progress[progress.length - 1]?.steps).toBe(a.steps);
    expect(Math.abs((progress[progress.length - 1]?.t ?? NaN) - 1e-5)).toBeLessThan(1e-6);
    const b = await adaptiveSample(score, [1, 2, 2, 1], { sde, noise: new SeededNoiseSource(2), epsRel: 0.1, denoise: false });
    expect(b.nfe).toBe(a.nfe - 1);
    expect(Array.from(b.xNHWC.dataSync())).not.toEqual(Array.from(a.xNHWC.dataSync()));
    tf.dispose([a.xNHWC, b.xNHWC]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('aborts between iterations with the signal reason and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const reason = new Error('stop');
    const p = adaptiveSample(score, [2, 2, 2, 1], { sde, noise: new SeededNoiseSource(0), signal: controller.signal, onProgress: ({ step }) => step === 2 && controller.abort(reason) });
    await expect(p).rejects.toBe(reason);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops with AdaptiveSamplerError when the budget runs out or the score is not finite, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    await expect(adaptiveSample(score, [1, 2, 2, 1], { sde, noise: new SeededNoiseSource(0), maxNfe: 9 })).rejects.toThrow(
      /^adaptiveSample: would exceed maxNfe = 9 after 4 iterations at t = 0\.9\d+; raise maxNfe or the tolerances \(epsAbs 0\.0039, epsRel 0\.01\)$/,
    );
    const nan: ScoreFn = (x) => tf.mul(x, NaN) as tf.Tensor4D;
    const err = await adaptiveSample(nan, [1, 2, 2, 1], { sde, noise: new SeededNoiseSource(0) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdaptiveSamplerError);
    expect((err as AdaptiveSamplerError).message).toBe('adaptiveSample: the local error estimate of sample 0 is NaN at t = 1, h = 0.01 (a non-finite score?)');
    expect((err as AdaptiveSamplerError).code).toBe('E_SAMPLER');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad options with exact messages before drawing anything', async () => {
    const noise = new SeededNoiseSource(0);
    const run = (extra: Record<string, unknown>): Promise<unknown> => adaptiveSample(score, [1, 2, 2, 1], { sde, noise, ...extra } as AdaptiveSamplerOptions);
    await expect(run({ epsAbs: 0 })).rejects.toThrow(new ConfigError('adaptiveSample.epsAbs: expected a finite number > 0, received 0'));
    await expect(run({ epsRel: -0.1 })).rejects.toThrow('adaptiveSample.epsRel: expected a finite number >= 0, received -0.1');
    await expect(run({ safety: 1.5 })).rejects.toThrow('adaptiveSample.safety: expected a finite number in (0, 1], received 1.5');
    await expect(run({ hInit: 0 })).rejects.toThrow('adaptiveSample.hInit: expected a finite number in (0, 1], received 0');
    await expect(run({ eps: 1 })).rejects.toThrow('adaptiveSample.eps: expected a finite number in (0, 1), received 1');
    await expect(run({ maxNfe: 2 })).rejects.toThrow('adaptiveSample.maxNfe: expected an integer >= 3, received 2');
    await expect(run({ steps: 10 })).rejects.toThrow(
      'adaptiveSample: unknown option "steps"; valid options: sde, epsAbs, epsRel, hInit, safety, exponent, eps, extrapolation, denoise, maxNfe, noise, onProgress, signal',
    );
    expect(noise.blocksConsumed).toBe(0);
    expect(DEFAULT_ADAPTIVE_SAMPLER_CONFIG).toMatchObject({ epsAbs: 0.0039, epsRel: 0.01, hInit: 0.01, safety: 0.9, exponent: 0.9 });
  });
});
