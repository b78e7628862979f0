/**
 * The score function (NCSN++ + VeSde.sigma) against the authors' goldens on the wasm backend:
 * sigma labels (exact), the score at the fixture times, the loss's score at perturbed data, and
 * the 8 score evaluations inside the PC sampler (EMA weights, x taken from the recorded
 * trajectory). Tolerance 1e-5 per batch element (max-abs relative and L2 relative), README
 * section 6: the reference's own float32 error is <= 8.6e-7, while t + 1e-3 changes the score
 * by 1.5e-2 and model-instead-of-EMA weights by 0.27.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/runtime/backend';
import { loadTorchStateDict } from '../../../src/sr/checkpoint';
import { NCSNPP_PRESETS } from '../../../src/sr/model-config';
import { NcsnppModel } from '../../../src/sr/models';
import { makeScoreFn } from '../../../src/sr/score-fn';
import { VeSde } from '../../../src/sr/sde';
import { batchErrors, fixture, nchwValues, nhwcFixture, TINY, tensorFixture } from './models/golden-helpers';

const CHECKPOINT = path.join(TINY, 'checkpoint.pth');
const sde = new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: 4 });

describe('score function vs the authors goldens (wasm)', () => {
  let model: NcsnppModel;
  let ema: NcsnppModel;
  let y: tf.Tensor4D;
  let feat: tf.Tensor2D;

  beforeAll(async () => {
    await initBackend('wasm');
    model = NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, await loadTorchStateDict(CHECKPOINT, { weights: 'model' }));
    ema = NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, await loadTorchStateDict(CHECKPOINT, { weights: 'ema' }));
    y = nhwcFixture('y.npy');
    feat = tensorFixture('feat.npy') as tf.Tensor2D;
  });

  afterAll(() => {
    model.dispose();
    ema.dispose();
    tf.dispose([y, feat]);
  });

  const expectClose = (score: tf.Tensor4D, file: string): void => {
    const err = batchErrors(nchwValues(score), fixture(file).data as Float32Array, 2);
    expect(err.maxAbsRel).toBeLessThanOrEqual(1e-5);
    expect(err.l2Rel).toBeLessThanOrEqual(1e-5);
  };

  it('labels the model with sigma(t) equal to sigma_labels.npy bit for bit', () => {
    const t = tensorFixture('t.npy') as tf.Tensor1D;
    const sigma = sde.sigma(t);
    expect(Array.from(sigma.dataSync())).toEqual(Array.from(fixture('sigma_labels.npy').data as Float32Array));
    tf.dispose([t, sigma]);
  });

  it('gives score_model.npy at t = [0.3, 0.9]', () => {
    const x = nhwcFixture('x.npy');
    const t = tensorFixture('t.npy') as tf.Tensor1D;
    const score = makeScoreFn(model, sde.sigma)(x, y, t, feat);
    expectClose(score, 'score_model.npy');
    // a shifted time is caught by the tolerance
    const shifted = makeScoreFn(model, sde.sigma)(x, y, tf.add(t, 1e-3) as tf.Tensor1D, feat);
    expect(batchErrors(nchwValues(shifted), fixture('score_model.npy').data as Float32Array, 2).maxAbsRel).toBeGreaterThan(1e-3);
    tf.dispose([x, t, score, shifted]);
  });

  it("gives the loss's score at x + sigma(t) z (loss_score.npy)", () => {
    const t = tensorFixture('loss_t.npy') as tf.Tensor1D;
    const score = tf.tidy(() => {
      const x0 = nhwcFixture('x.npy');
      const z = nhwcFixture('z.npy');
      const std = sde.sigma(t).reshape([2, 1, 1, 1]);
      const xNoisy = tf.add(x0, tf.mul(std, z)) as tf.Tensor4D; // perturbed = mean + std * z
      return makeScoreFn(model, sde.sigma)(xNoisy, y, t, feat);
    });
    expectClose(score, 'loss_score.npy');
    tf.dispose([t, score]);
  });

  it('gives the 8 score evaluations of the PC sampler (EMA weights, sampler/score_XX.npy)', () => {
    const timesteps = Array.from(fixture('sampler/timesteps.npy').data as Float32Array);
    const updates = (JSON.parse(fs.readFileSync(path.join(TINY, 'sampler/sampler.json'), 'utf8')) as { updates: { x: string }[] }).updates;
    const scoreFn = makeScoreFn(ema, sde.sigma);
    for (let k = 0; k < 8; k++) {
      const score = tf.tidy(() => {
        // eval 0 sees the prior noise * sigma_max, eval k the x after update k-1
        const prev = updates[k - 1];
        const x = k === 0 || prev === undefined ? (tf.mul(nhwcFixture('sampler/noise_000.npy'), 348) as tf.Tensor4D) : nhwcFixture(prev.x);
        const tk = timesteps[Math.floor(k / 2)] ?? NaN;
        return scoreFn(x, y, tf.tensor1d([tk, tk]), feat);
      });
      expectClose(score, `sampler/score_${String(k).padStart(2, '0')}.npy`);
      score.dispose();
    }
  });
});
