import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { ConfigError, InputError } from '../../../../src/contracts';
import { ReplayNoiseSource } from '../../../../src/sr/noise';
import type { NoiseSource } from '../../../../src/sr/noise';
import { eulerMaruyamaPredictor, langevinCorrector, reverseDiffusionPredictor } from '../../../../src/sr/samplers';
import { Sde, VeSde } from '../../../../src/sr/sde';
import type { ScoreFn } from '../../../../src/sr/sde';

beforeAll(async () => {
  await initBackend('cpu');
});

// Two samples of 2 values each: small enough to check every number by hand (float64 reference).
const X = [1, -2, 30, 40];
const Z = [0.5, -1, 2, 0.25];
const SCORE = (x: number): number => -0.5 * x + 0.1;
const shape = [2, 1, 2, 1] as const;

function fixture(): { x: tf.Tensor4D; t: tf.Tensor1D; noise: ReplayNoiseSource; log: string[]; score: ScoreFn; logged: NoiseSource } {
  const log: string[] = [];
  const noise = new ReplayNoiseSource([
    { kind: 'normal', shape: [...shape], data: new Float32Array(Z) },
    { kind: 'normal', shape: [...shape], data: new Float32Array(Z.map((v) => -v)) },
  ]);
  const score: ScoreFn = (x) => {
    log.push('score');
    return tf.add(tf.mul(x, -0.5), 0.1) as tf.Tensor4D;
  };
  const logged: NoiseSource = {
    normal: (s) => {
      log.push('draw');
      return noise.normal(s);
    },
    uniform: (s) => noise.uniform(s),
  };
  return { x: tf.tensor4d(X, [...shape]), t: tf.tensor1d([0.9, 0.4]), noise, log, score, logged };
}

const expectClose = (actual: ArrayLike<number>, expected: number[], rel = 2e-6): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs((actual[i] ?? NaN) - e)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(e))));
};

describe('reverseDiffusionPredictor', () => {
  it('x_mean = x + G^2 s(x,t), x = x_mean + G z; score before draw; one NFE', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, log, score, logged } = fixture();
    const G = Array.from(sde.discretize(x, t).G.dataSync());
    const before = tf.memory().numTensors;
    const r = reverseDiffusionPredictor(score, x, t, { sde, noise: logged });
    expect(tf.memory().numTensors).toBe(before + 2);
    const g = (i: number): number => G[i < 2 ? 0 : 1] ?? NaN;
    const mean = X.map((v, i) => v + g(i) ** 2 * SCORE(v));
    expectClose(r.xMean.dataSync(), mean);
    expectClose(r.x.dataSync(), mean.map((m, i) => m + g(i) * (Z[i] ?? NaN)));
    expect(r.nfe).toBe(1);
    expect(log).toEqual(['score', 'draw']);
    tf.dispose([x, t, r.x, r.xMean]);
  });

  it('probability flow: x = x_mean = x + G^2 s / 2', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, score, noise } = fixture();
    const G = Array.from(sde.discretize(x, t).G.dataSync());
    const r = reverseDiffusionPredictor(score, x, t, { sde, noise, probabilityFlow: true });
    const mean = X.map((v, i) => v + 0.5 * (G[i < 2 ? 0 : 1] ?? NaN) ** 2 * SCORE(v));
    expectClose(r.xMean.dataSync(), mean);
    expect(Array.from(r.x.dataSync())).toEqual(Array.from(r.xMean.dataSync()));
    tf.dispose([x, t, r.x, r.xMean]);
  });
});

describe('eulerMaruyamaPredictor', () => {
  it('x_mean = x + g^2 s / N, x = x_mean + g sqrt(1/N) z; draw before score', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, log, score, logged } = fixture();
    const g = Array.from(sde.sde(x, t).diffusion.dataSync());
    const r = eulerMaruyamaPredictor(score, x, t, { sde, noise: logged });
    const gi = (i: number): number => g[i < 2 ? 0 : 1] ?? NaN;
    const mean = X.map((v, i) => v + (gi(i) ** 2 * SCORE(v)) / 10);
    expectClose(r.xMean.dataSync(), mean);
    expectClose(r.x.dataSync(), mean.map((m, i) => m + gi(i) * Math.sqrt(0.1) * (Z[i] ?? NaN)));
    expect(log).toEqual(['draw', 'score']);
    expect(r.nfe).toBe(1);
    tf.dispose([x, t, r.x, r.xMean]);
  });
});

describe('langevinCorrector', () => {
  const norm = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + b * b, 0));

  it('batch-mean step size: eps = 2 (r mean_b|z_b| / mean_b|g_b|)^2 shared by the batch', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, log, score, logged } = fixture();
    const r = langevinCorrector(score, x, t, { sde, noise: logged, snr: 0.16 });
    const g = X.map(SCORE);
    const gn = (norm(g.slice(0, 2)) + norm(g.slice(2))) / 2;
    const zn = (norm(Z.slice(0, 2)) + norm(Z.slice(2))) / 2;
    const eps = 2 * ((0.16 * zn) / gn) ** 2;
    const mean = X.map((v, i) => v + eps * (g[i] ?? NaN));
    expectClose(r.xMean.dataSync(), mean);
    expectClose(r.x.dataSync(), mean.map((m, i) => m + Math.sqrt(2 * eps) * (Z[i] ?? NaN)));
    expect(log).toEqual(['score', 'draw']);
    expect(r.nfe).toBe(1);
    tf.dispose([x, t, r.x, r.xMean]);
  });

  it('per-sample step size: each sample uses its own norms', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, score, noise } = fixture();
    const r = langevinCorrector(score, x, t, { sde, noise, snr: 0.2, stepSize: 'per-sample' });
    const g = X.map(SCORE);
    const eps = [0, 2].map((o) => 2 * ((0.2 * norm(Z.slice(o, o + 2))) / norm(g.slice(o, o + 2))) ** 2);
    const e = (i: number): number => eps[i < 2 ? 0 : 1] ?? NaN;
    const mean = X.map((v, i) => v + e(i) * (g[i] ?? NaN));
    expectClose(r.xMean.dataSync(), mean);
    expectClose(r.x.dataSync(), mean.map((m, i) => m + Math.sqrt(2 * e(i)) * (Z[i] ?? NaN)));
    tf.dispose([x, t, r.x, r.xMean]);
  });

  it('nSteps = 2 runs two score/draw rounds; x_mean is from the last one', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, log, score, logged, noise } = fixture();
    const before = tf.memory().numTensors;
    const r = langevinCorrector(score, x, t, { sde, noise: logged, nSteps: 2 });
    expect(log).toEqual(['score', 'draw', 'score', 'draw']);
    expect(r.nfe).toBe(2);
    noise.assertExhausted();
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([x, t, r.x, r.xMean]);
  });

  it('rejects bad options and inputs with exact messages', () => {
    const sde = new VeSde({ N: 10 });
    const { x, t, score, noise } = fixture();
    expect(() => langevinCorrector(score, x, t, { sde, noise, snr: 0 })).toThrow(
      new ConfigError('langevinCorrector.snr: expected a finite number > 0, received 0'),
    );
    expect(() => langevinCorrector(score, x, t, { sde, noise, nSteps: 0 })).toThrow('langevinCorrector.nSteps: expected an integer >= 1, received 0');
    expect(() => langevinCorrector(score, x, t, { sde, noise, stepSize: 'mean' as never })).toThrow(
      'langevinCorrector.stepSize: expected one of "batch-mean", "per-sample", received "mean"',
    );
    expect(() => langevinCorrector(score, x, t, { sde, noise, snrr: 1 } as never)).toThrow(
      'langevinCorrector: unknown option "snrr"; valid options: sde, noise, snr, nSteps, stepSize',
    );
    expect(() => langevinCorrector(score, x, t, { sde: {} as never, noise })).toThrow('langevinCorrector.sde: expected an Sde (e.g. new VeSde()), received {}');
    class OtherSde extends VeSde {}
    expect(() => langevinCorrector(score, x, t, { sde: new OtherSde({ N: 3 }), noise })).not.toThrow();
    const notVe = Object.create(Sde.prototype) as Sde;
    expect(() => langevinCorrector(score, x, t, { sde: notVe, noise })).toThrow(/only the VE SDE is supported/);
    const t3 = tf.tensor1d([0.1, 0.2, 0.3]);
    expect(() => reverseDiffusionPredictor(score, x, t3, { sde, noise })).toThrow(
      new InputError('reverseDiffusionPredictor: t must have shape [B] = [2], received [3]'),
    );
    const bad: ScoreFn = () => tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    expect(() => reverseDiffusionPredictor(bad, x, t, { sde, noise })).toThrow(
      'reverseDiffusionPredictor: scoreFn returned [2,2,2,1] for x of shape [2,1,2,1]; expected the shape of x',
    );
    tf.dispose([x, t, t3]);
  });
});
