import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { ConfigError, InputError } from '../../../../src/contracts';
import { ReplayNoiseSource, SeededNoiseSource } from '../../../../src/sr/noise';
import { DEFAULT_VE_SDE_CONFIG, Sde, VeSde } from '../../../../src/sr/sde';
import { float32Bits, loadRaw } from '../samplers/golden';

beforeAll(async () => {
  await initBackend('cpu');
});

const sigma64 = (t: number, min = 0.001, max = 348): number => min * (max / min) ** t;

describe('VeSde', () => {
  it('has the FASR defaults and freezes its config', () => {
    const sde = new VeSde();
    expect(sde.config).toEqual({ sigmaMin: 0.001, sigmaMax: 348, N: 2000 });
    expect(DEFAULT_VE_SDE_CONFIG).toEqual({ sigmaMin: 0.001, sigmaMax: 348, N: 2000 });
    expect(Object.isFrozen(sde.config)).toBe(true);
    expect(Object.isFrozen(DEFAULT_VE_SDE_CONFIG)).toBe(true);
    expect(sde.T).toBe(1);
    expect(sde.discreteSigmas.length).toBe(2000);
  });

  it('discrete sigmas and timesteps equal the fixture bit for bit (N=4)', () => {
    const sde = new VeSde({ N: 4 });
    expect(float32Bits(sde.discreteSigmas)).toEqual(float32Bits(loadRaw('sampler/discrete_sigmas.npy').data));
    expect(float32Bits(sde.timesteps(1e-5))).toEqual(float32Bits(loadRaw('sampler/timesteps.npy').data));
  });

  it('sigma(t) equals the fixture labels bit for bit and works unbound', () => {
    const sde = new VeSde({ N: 4 });
    const { sigma } = sde; // unbound use, as the score function receives it
    const t = tf.tensor1d(loadRaw('t.npy').data);
    const s = sigma(t);
    expect(float32Bits(s.dataSync())).toEqual(float32Bits(loadRaw('sigma_labels.npy').data));
    tf.dispose([t, s]);
  });

  it('marginalProb: mean = x, std = sigma_min (sigma_max/sigma_min)^t at several t', () => {
    const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 50, N: 10 });
    const ts = [0, 1e-5, 0.25, 0.5, 0.9, 1];
    const x = tf.randomNormal([ts.length, 2, 2, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const t = tf.tensor1d(ts);
    const { mean, std } = sde.marginalProb(x, t);
    expect(Array.from(mean.dataSync())).toEqual(Array.from(x.dataSync()));
    Array.from(std.dataSync()).forEach((v, i) => expect(Math.abs(v / sigma64(ts[i] ?? NaN, 0.01, 50) - 1)).toBeLessThan(1e-6));
    tf.dispose([x, t, mean, std]);
  });

  it('sde(): drift 0, diffusion = sigma(t) sqrt(2 ln(sigma_max/sigma_min))', () => {
    const sde = new VeSde({ N: 4 });
    const x = tf.ones([2, 1, 1, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([0.3, 1]);
    const { drift, diffusion } = sde.sde(x, t);
    expect(Array.from(drift.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const k = Math.sqrt(2 * Math.log(348000));
    Array.from(diffusion.dataSync()).forEach((g, i) => expect(Math.abs(g / (sigma64([0.3, 1][i] ?? NaN) * k) - 1)).toBeLessThan(1e-6));
    tf.dispose([x, t, drift, diffusion]);
  });

  it('discretize(): k = floor(t(N-1)), f = 0, G = sqrt(s_k^2 - s_{k-1}^2) with s_{-1} = 0', () => {
    const sde = new VeSde({ N: 4 });
    const s = Array.from(sde.discreteSigmas);
    const ts = loadRaw('sampler/timesteps.npy').data; // k = [3, 2, 1, 0] (fixture sampler.json)
    const x = tf.ones([4, 2, 2, 3]) as tf.Tensor4D;
    const t = tf.tensor1d(ts);
    const { f, G } = sde.discretize(x, t);
    expect(f.shape).toEqual([4, 2, 2, 3]);
    expect(tf.max(tf.abs(f)).dataSync()[0]).toBe(0);
    const expected = [3, 2, 1, 0].map((k) => Math.sqrt((s[k] ?? NaN) ** 2 - (k === 0 ? 0 : (s[k - 1] ?? NaN) ** 2)));
    Array.from(G.dataSync()).forEach((g, i) => expect(Math.abs(g / (expected[i] ?? NaN) - 1)).toBeLessThan(1e-6));
    // G at t = 0 is sigma_0 = sigma_min itself.
    expect(G.dataSync()[3]).toBe(s[0]);
    tf.dispose([x, t, f, G]);
  });

  it('the generic Euler-Maruyama discretisation gives f = f(x,t)/N, G = g(t)/sqrt(N)', () => {
    const sde = new VeSde({ N: 100 });
    const x = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
    const t = tf.tensor1d([0.5]);
    const { f, G } = Sde.prototype.discretize.call(sde, x, t);
    const { diffusion } = sde.sde(x, t);
    expect(f.dataSync()[0]).toBe(0);
    expect(Math.abs((G.dataSync()[0] ?? NaN) / ((diffusion.dataSync()[0] ?? NaN) / 10) - 1)).toBeLessThan(1e-6);
    tf.dispose([x, t, f, G, diffusion]);
  });

  it('priorSampling: x_T = sigma_max * one normal draw of the requested shape', () => {
    const sde = new VeSde({ N: 4 });
    const z = new Float32Array([1, -0.5, 2, 0]);
    const replay = new ReplayNoiseSource([{ kind: 'normal', shape: [1, 2, 2, 1], data: z }]);
    const x = sde.priorSampling([1, 2, 2, 1], replay);
    expect(Array.from(x.dataSync())).toEqual([348, -174, 696, 0]);
    replay.assertExhausted();
    const big = sde.priorSampling([4, 32, 32, 3], new SeededNoiseSource(11));
    const std = Math.sqrt(tf.moments(big).variance.dataSync()[0] ?? NaN);
    expect(Math.abs(std / 348 - 1)).toBeLessThan(0.03); // 12288 draws: std error of std 0.64 %
    tf.dispose([x, big]);
  });

  it('priorLogp matches the Gaussian log-density', () => {
    const sde = new VeSde({ sigmaMax: 10, N: 4 });
    const z = tf.tensor4d([1, 2, 3, 4, 0, 0, 0, 20], [2, 2, 2, 1]);
    const lp = Array.from(sde.priorLogp(z).dataSync());
    const ref = (v: number[]): number => -(4 / 2) * Math.log(2 * Math.PI * 100) - v.reduce((a, b) => a + b * b, 0) / 200;
    expect(lp[0]).toBeCloseTo(ref([1, 2, 3, 4]), 4);
    expect(lp[1]).toBeCloseTo(ref([0, 0, 0, 20]), 4);
    z.dispose();
  });

  it('reverse(): drift = -g^2 s, diffusion g; probability flow halves the drift and has no diffusion', () => {
    const sde = new VeSde({ N: 4 });
    let calls = 0;
    const score = (x: tf.Tensor4D): tf.Tensor4D => {
      calls += 1;
      return tf.mul(x, -2) as tf.Tensor4D;
    };
    const x = tf.tensor4d([1, -3], [2, 1, 1, 1]);
    const t = tf.tensor1d([0.5, 1]);
    const { diffusion } = sde.sde(x, t);
    const g = Array.from(diffusion.dataSync());
    const rev = sde.reverse(score).sde(x, t);
    const ode = sde.reverse(score, true).sde(x, t);
    const rd = Array.from(rev.drift.dataSync());
    expect(rd[0]).toBeCloseTo(-((g[0] ?? NaN) ** 2) * -2, 2);
    expect(rd[1]).toBeCloseTo(-((g[1] ?? NaN) ** 2) * 6, -1);
    expect(Array.from(rev.diffusion.dataSync())).toEqual(Array.from(diffusion.dataSync()));
    expect(Array.from(ode.drift.dataSync())).toEqual(rd.map((v) => Math.fround(v / 2)));
    expect(Array.from(ode.diffusion.dataSync())).toEqual([0, 0]);
    const d = sde.discretize(x, t);
    const rdis = sde.reverse(score).discretize(x, t);
    const Gs = Array.from(d.G.dataSync());
    expect(Array.from(rdis.f.dataSync())).toEqual([Math.fround((Gs[0] ?? NaN) ** 2 * 2), Math.fround(-((Gs[1] ?? NaN) ** 2) * 6)]);
    expect(Array.from(rdis.G.dataSync())).toEqual(Gs);
    expect(calls).toBe(3);
    tf.dispose([x, t, diffusion, rev.drift, rev.diffusion, ode.drift, ode.diffusion, d.f, d.G, rdis.f, rdis.G]);
  });

  it('leaks no tensors', () => {
    const sde = new VeSde({ N: 8 });
    const x = tf.ones([2, 2, 2, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([0.2, 0.7]);
    const before = tf.memory().numTensors;
    const outs = [sde.sigma(t), ...Object.values(sde.sde(x, t)), ...Object.values(sde.marginalProb(x, t)), ...Object.values(sde.discretize(x, t))];
    expect(tf.memory().numTensors).toBe(before + outs.length);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t]);
  });

  it('rejects bad configs and inputs with exact messages', () => {
    expect(() => new VeSde({ N: 0 })).toThrow(new ConfigError('VeSdeConfig.N: expected an integer >= 1, received 0'));
    expect(() => new VeSde({ N: 2.5 })).toThrow('VeSdeConfig.N: expected an integer >= 1, received 2.5');
    expect(() => new VeSde({ sigmaMin: 0 })).toThrow('VeSdeConfig.sigmaMin: expected a finite number > 0, received 0');
    expect(() => new VeSde({ sigmaMin: 1, sigmaMax: 1 })).toThrow('VeSdeConfig.sigmaMax: expected a finite number > 1, received 1');
    expect(() => new VeSde({ sigmaMaxx: 3 } as never)).toThrow('VeSdeConfig: unknown option "sigmaMaxx"; valid options: sigmaMin, sigmaMax, N');
    expect(() => new VeSde({ N: 4 }).timesteps(0)).toThrow('VeSde.timesteps.eps: expected a finite number in (0, 1), received 0');
    const sde = new VeSde({ N: 4 });
    const x = tf.ones([2, 2, 2, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([0.1, 0.2, 0.3]);
    expect(() => sde.discretize(x, t)).toThrow(new InputError('VeSde.discretize: t must have shape [B] = [2], received [3]'));
    expect(() => sde.sde(tf.ones([2, 2, 3]) as unknown as tf.Tensor4D, t)).toThrow('VeSde.sde: x must have shape [B,H,W,C], received [2,2,3]');
    tf.dispose([x, t]);
  });
});
