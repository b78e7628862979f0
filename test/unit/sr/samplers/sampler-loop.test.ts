import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { heunSample, heunStepper, karrasSigmasSchedule, runSamplerLoop, veTimeOfSigma } from '../../../../src/sr/samplers';
import type { SamplerProgress, SamplerSchedule, SamplerStepper } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import { exactOdeEndpoint, gaussianScore, maxAbsError } from './gaussian-data';

beforeAll(async () => {
  await initBackend('cpu');
});

const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 10, N: 100 });
const score = gaussianScore(sde);
const SHAPE = [2, 4, 4, 1] as const;
const NO_CHURN = { sChurn: 0, sTmin: 0, sTmax: null, sNoise: 1 } as const;

/** A σ grid other than Karras's: geometric from σ_max to σ_min in `steps` levels, then 0. */
function geometricSchedule(steps: number): SamplerSchedule {
  const grid = new Float64Array(steps + 1);
  for (let i = 0; i < steps; i++) grid[i] = sde.sigmaMax * (sde.sigmaMin / sde.sigmaMax) ** (i / (steps - 1));
  return { steps, grid, tAfterStep: (i) => ((grid[i + 1] ?? 0) === 0 ? 0 : veTimeOfSigma(sde, grid[i + 1] ?? NaN)) };
}

describe('runSamplerLoop: one loop, an injected schedule and a stepper', () => {
  it('with the Karras schedule and the Heun stepper is heunSample, bit for bit', async () => {
    const schedule = karrasSigmasSchedule(sde, 6, 7);
    const loop = await runSamplerLoop(score, SHAPE, schedule, heunStepper(sde, schedule.grid, NO_CHURN, new SeededNoiseSource(3)), {
      sde,
      noise: new SeededNoiseSource(3),
    });
    const direct = await heunSample(score, SHAPE, { sde, noise: new SeededNoiseSource(3), steps: 6 });
    expect(Array.from(loop.x.dataSync())).toEqual(Array.from(direct.xNHWC.dataSync()));
    expect([loop.nfe, loop.xMean]).toEqual([direct.nfe, null]);
    tf.dispose([loop.x, direct.xNHWC]);
  });

  it('runs the Heun stepper on another injected sigma grid and still solves the ODE', async () => {
    const exact = exactOdeEndpoint(new SeededNoiseSource(7).normalArray(2 * 16), sde.sigmaMax);
    const coarse = geometricSchedule(4);
    const fine = geometricSchedule(40);
    const errorOf = async (schedule: SamplerSchedule): Promise<number> => {
      const noise = new SeededNoiseSource(7);
      const { x } = await runSamplerLoop(score, SHAPE, schedule, heunStepper(sde, schedule.grid, NO_CHURN, noise), { sde, noise });
      const e = maxAbsError(x.dataSync(), exact);
      x.dispose();
      return e;
    };
    const [eCoarse, eFine] = [await errorOf(coarse), await errorOf(fine)];
    expect(eFine).toBeLessThan(0.01);
    expect(eFine).toBeLessThan(eCoarse / 10);
  });

  it('draws the prior once, counts every score call, reports the schedule time, and owns the state', async () => {
    const before = tf.memory().numTensors;
    const draws: number[][] = [];
    const noise = new SeededNoiseSource(1);
    const spy = { normal: (s: number[]) => (draws.push(s), noise.normal(s)), uniform: (s: number[]) => noise.uniform(s) };
    const schedule: SamplerSchedule = { steps: 3, grid: Float64Array.from([3, 2, 1, 0]), tAfterStep: (i) => 10 + i };
    // Two score calls a step; x ← x + s.
    const step: SamplerStepper = (scoreFn, x, i) =>
      tf.tidy(() => {
        const t = tf.fill([x.shape[0]], i, 'float32') as tf.Tensor1D;
        return { x: tf.add(x, tf.mul(tf.add(scoreFn(x, t), scoreFn(x, t)), 0.5)) as tf.Tensor4D };
      });
    const progress: SamplerProgress[] = [];
    const r = await runSamplerLoop(score, SHAPE, schedule, step, { sde, noise: spy as never, onProgress: (p) => progress.push(p) });
    expect(draws).toEqual([[...SHAPE]]);
    expect(r.nfe).toBe(6);
    expect(progress).toEqual([0, 1, 2].map((i) => ({ step: i, steps: 3, nfe: 2 * (i + 1), t: 10 + i })));
    r.x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops with the abort reason or a step error and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const schedule = karrasSigmasSchedule(sde, 5, 7);
    const controller = new AbortController();
    const reason = new Error('stop');
    const noise = new SeededNoiseSource(0);
    await expect(
      runSamplerLoop(score, SHAPE, schedule, heunStepper(sde, schedule.grid, NO_CHURN, noise), {
        sde,
        noise,
        signal: controller.signal,
        onProgress: ({ step }) => step === 1 && controller.abort(reason),
      }),
    ).rejects.toBe(reason);
    const failing: SamplerStepper = (_s, _x, i) => {
      if (i === 2) throw new Error('step 2 failed');
      return { x: tf.zeros([...SHAPE]) as tf.Tensor4D, xMean: tf.ones([...SHAPE]) as tf.Tensor4D };
    };
    await expect(runSamplerLoop(score, SHAPE, schedule, failing, { sde, noise })).rejects.toThrow('step 2 failed');
    expect(tf.memory().numTensors).toBe(before);
  });
});
