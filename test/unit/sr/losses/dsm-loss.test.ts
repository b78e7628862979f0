import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { ConfigError, InputError } from '../../../../src/contracts';
import { denoisingScoreMatchingLoss, denoisingScoreMatchingLossTerms } from '../../../../src/sr/losses';
import { ReplayNoiseSource, SeededNoiseSource } from '../../../../src/sr/noise';
import { VeSde } from '../../../../src/sr/sde';
import type { ConditionalScoreFn } from '../../../../src/sr/sde';
import { TINY_DIR, float32Bits, loadNhwcData, loadRaw, perSampleErrors } from '../samplers/golden';
import { lossBatch, lossNoise } from './loss-fixture';

beforeAll(async () => {
  await initBackend('cpu');
});

interface LossJson {
  loss: number;
  per_sample_losses_derived: number[];
}

describe('denoisingScoreMatchingLoss', () => {
  it('equals the authors\' loss (loss.json) with the fixture score and replayed u, z; t equals loss_t.npy', () => {
    // Tolerance 1e-5 relative (README §6): only the order of float32 summation differs from torch.
    const ref = JSON.parse(fs.readFileSync(path.join(TINY_DIR, 'loss.json'), 'utf8')) as LossJson;
    const { x0, y, feat } = lossBatch();
    const noise = lossNoise();
    const sde = new VeSde({ N: 4 });
    const score = loadNhwcData('loss_score.npy');
    const x0Data = Float32Array.from(x0.dataSync());
    const zData = loadNhwcData('z.npy').data;
    const tRef = loadRaw('loss_t.npy').data;
    const seen: { xErr: number[]; yOk: boolean; featOk: boolean; tBits: number[] }[] = [];
    const scoreFn: ConditionalScoreFn = (x, yy, t, f) => {
      // x~ = x0 + sigma(t) z with the std torch used (loss.json std_used) per sample.
      const std = [0.045974038541316986, 97.14642333984375];
      const expectX = x0Data.map((v, i) => v + (std[i < x0Data.length / 2 ? 0 : 1] ?? NaN) * (zData[i] ?? NaN));
      seen.push({ xErr: perSampleErrors(x.dataSync(), expectX, 2).maxRel, yOk: yy === y, featOk: f === feat, tBits: float32Bits(t.dataSync()) });
      return tf.tensor4d(score.data, score.shape);
    };
    const before = tf.memory().numTensors;
    const { loss, perSampleLoss, t } = denoisingScoreMatchingLossTerms(scoreFn, { x0NHWC: x0, yNHWC: y, feat }, { sde, noise });
    expect(tf.memory().numTensors).toBe(before + 3);
    noise.assertExhausted();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.xErr.every((e) => e < 1e-6)).toBe(true);
    expect([seen[0]?.yOk, seen[0]?.featOk]).toEqual([true, true]);
    expect(seen[0]?.tBits).toEqual(float32Bits(tRef));
    expect(float32Bits(t.dataSync())).toEqual(float32Bits(tRef));
    const l = loss.dataSync()[0] ?? NaN;
    expect(Math.abs(l / ref.loss - 1)).toBeLessThan(1e-5);
    Array.from(perSampleLoss.dataSync()).forEach((v, i) => expect(Math.abs(v / (ref.per_sample_losses_derived[i] ?? NaN) - 1)).toBeLessThan(1e-5));
    if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify({ loss: l, ref: ref.loss, rel: l / ref.loss - 1 }));
    tf.dispose([loss, perSampleLoss, t, x0, y, feat]);
  });

  it('gives exact gradients for a trainable score s = w x~ (tf.variableGrads) and leaks nothing', () => {
    const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 5, N: 4 });
    const x0 = tf.tensor4d([0.2, 0.4, 0.6, 0.8, 1, 0], [2, 1, 3, 1]);
    const y = tf.zerosLike(x0) as tf.Tensor4D;
    const feat = tf.zeros([2, 4]) as tf.Tensor2D;
    const w = tf.variable(tf.scalar(-0.7), true, 'dsm_test_w');
    const scoreFn: ConditionalScoreFn = (x) => tf.mul(w, x) as tf.Tensor4D;
    const recorded = new SeededNoiseSource(5);
    const u = Array.from(recorded.uniformArray(2));
    const z = Array.from(recorded.normalArray(6));
    const replay = () =>
      new ReplayNoiseSource([
        { kind: 'uniform', shape: [2], data: Float32Array.from(u) },
        { kind: 'normal', shape: [2, 1, 3, 1], data: Float32Array.from(z) },
      ]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => denoisingScoreMatchingLoss(scoreFn, { x0NHWC: x0, yNHWC: y, feat }, { sde, noise: replay() }));
    // d/dw of mean_b ½ Σ (w x~ σ + z)² = mean_b Σ (w x~ σ + z) x~ σ, in float64.
    const xs = [0.2, 0.4, 0.6, 0.8, 1, 0];
    let lossRef = 0;
    let gradRef = 0;
    for (let i = 0; i < 6; i++) {
      const b = i < 3 ? 0 : 1;
      const tb = (u[b] ?? NaN) * (1 - 1e-5) + 1e-5;
      const s = 0.01 * 500 ** tb;
      const xt = (xs[i] ?? NaN) + s * (z[i] ?? NaN);
      const r = -0.7 * xt * s + (z[i] ?? NaN);
      lossRef += (0.5 * r * r) / 2;
      gradRef += (r * xt * s) / 2;
    }
    expect(Math.abs((value.dataSync()[0] ?? NaN) / lossRef - 1)).toBeLessThan(1e-5);
    const g = grads.dsm_test_w;
    expect(g).toBeDefined();
    expect(Math.abs((g?.dataSync()[0] ?? NaN) / gradRef - 1)).toBeLessThan(1e-5);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x0, y, feat, w]);
  });

  it('reduceMean and likelihoodWeighting follow get_sde_loss_fn', () => {
    const sde = new VeSde({ sigmaMin: 0.01, sigmaMax: 5, N: 4 });
    const x0 = tf.tensor4d([0.5, 0.5, 0.5, 0.5], [1, 2, 2, 1]);
    const batch = { x0NHWC: x0, yNHWC: x0, feat: tf.zeros([1, 3]) as tf.Tensor2D };
    const zeroScore: ConditionalScoreFn = (x) => tf.zerosLike(x) as tf.Tensor4D;
    const noise = () =>
      new ReplayNoiseSource([
        { kind: 'uniform', shape: [1], data: new Float32Array([0.5]) },
        { kind: 'normal', shape: [1, 2, 2, 1], data: new Float32Array([1, -1, 2, 0]) },
      ]);
    const value = (opts: Record<string, unknown>): number => {
      const l = denoisingScoreMatchingLoss(zeroScore, batch, { sde, noise: noise(), ...opts });
      const v = l.dataSync()[0] ?? NaN;
      l.dispose();
      return v;
    };
    // With s = 0 the residual is z: ½ Σ z² = 3, mean z² = 1.5; likelihood weighting: g² ½ Σ (z/σ)².
    expect(value({})).toBeCloseTo(3, 5);
    expect(value({ reduceMean: true })).toBeCloseTo(1.5, 5);
    const t = 0.5 * (1 - 1e-5) + 1e-5;
    const sigma = 0.01 * 500 ** t;
    const g2 = sigma * sigma * 2 * Math.log(500);
    expect(value({ likelihoodWeighting: true }) / ((g2 * 3) / sigma ** 2)).toBeCloseTo(1, 5);
    tf.dispose([x0, batch.feat]);
  });

  it('rejects bad options and shapes with exact messages', () => {
    const sde = new VeSde({ N: 4 });
    const x0 = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const feat = tf.zeros([2, 8]) as tf.Tensor2D;
    const s: ConditionalScoreFn = (x) => tf.zerosLike(x) as tf.Tensor4D;
    const noise = new SeededNoiseSource(0);
    expect(() => denoisingScoreMatchingLoss(s, { x0NHWC: x0, yNHWC: x0, feat }, { sde, noise, eps: 0 })).toThrow(
      new ConfigError('denoisingScoreMatchingLoss.eps: expected a finite number in (0, 1), received 0'),
    );
    expect(() => denoisingScoreMatchingLoss(s, { x0NHWC: x0, yNHWC: x0, feat }, { sde, noise, continuous: false } as never)).toThrow(
      'denoisingScoreMatchingLoss: unknown option "continuous"; valid options: sde, noise, eps, reduceMean, likelihoodWeighting',
    );
    const y2 = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect(() => denoisingScoreMatchingLoss(s, { x0NHWC: x0, yNHWC: y2, feat }, { sde, noise })).toThrow(
      new InputError('denoisingScoreMatchingLoss: y must have shape [B,H,W,C] = [2,4,4,*], received [2,8,8,3]'),
    );
    const f3 = tf.zeros([3, 8]) as tf.Tensor2D;
    expect(() => denoisingScoreMatchingLoss(s, { x0NHWC: x0, yNHWC: x0, feat: f3 }, { sde, noise })).toThrow(
      'denoisingScoreMatchingLoss: feat must have shape [B,F] = [2,*], received [3,8]',
    );
    const before = tf.memory().numTensors;
    const bad: ConditionalScoreFn = () => tf.zeros([2, 4, 4, 6]) as tf.Tensor4D;
    expect(() => denoisingScoreMatchingLoss(bad, { x0NHWC: x0, yNHWC: x0, feat }, { sde, noise })).toThrow(
      'denoisingScoreMatchingLoss: scoreFn returned [2,4,4,6] for x of shape [2,4,4,3]; expected the shape of x',
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x0, feat, y2, f3]);
  });
});
