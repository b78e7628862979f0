/**
 * The denoising score-matching loss with the real tiny NCSN++ ('model' weights of
 * tiny/checkpoint.pth) and the replayed torch draws (u = loss_u.npy, z = z.npy) against loss.json.
 * Tolerances (README §6): loss 1e-5 relative; the score 1e-5 of max|ref| per batch element.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { loadTorchStateDict } from '../../../../src/sr/checkpoint';
import { denoisingScoreMatchingLossTerms } from '../../../../src/sr/losses';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { VeSde } from '../../../../src/sr/sde';
import type { ConditionalScoreFn } from '../../../../src/sr/sde';
import { makeScoreFn } from '../../../../src/sr/score-fn';
import { lossBatch, lossNoise } from '../../../unit/sr/losses/loss-fixture';
import { TINY_DIR, float32Bits, loadNhwcData, loadRaw, perSampleErrors } from '../../../unit/sr/samplers/golden';

interface LossJson {
  loss: number;
  per_sample_losses_derived: number[];
}

let model: NcsnppModel;

beforeAll(async () => {
  await initBackend('wasm');
  model = NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, await loadTorchStateDict(path.join(TINY_DIR, 'checkpoint.pth'), { weights: 'model' }));
});

afterAll(() => {
  model.dispose();
});

describe('denoisingScoreMatchingLoss with the tiny NCSN++ (model weights)', () => {
  it('equals loss.json, per sample too, with the score equal to loss_score.npy', () => {
    const ref = JSON.parse(fs.readFileSync(path.join(TINY_DIR, 'loss.json'), 'utf8')) as LossJson;
    const sde = new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: 4 });
    const { x0, y, feat } = lossBatch();
    const noise = lossNoise();
    const modelScore = makeScoreFn(model, sde.sigma);
    let scoreErr: { maxRel: number[]; l2Rel: number[] } | undefined;
    const scoreFn: ConditionalScoreFn = (x, yy, t, f) => {
      const s = modelScore(x, yy, t, f);
      scoreErr = perSampleErrors(s.dataSync(), loadNhwcData('loss_score.npy').data, 2);
      return s;
    };
    const before = tf.memory().numTensors;
    const { loss, perSampleLoss, t } = denoisingScoreMatchingLossTerms(scoreFn, { x0NHWC: x0, yNHWC: y, feat }, { sde, noise });
    const l = loss.dataSync()[0] ?? NaN;
    const per = Array.from(perSampleLoss.dataSync());
    const tBits = float32Bits(t.dataSync());
    tf.dispose([loss, perSampleLoss, t]);
    expect(tf.memory().numTensors).toBe(before);
    noise.assertExhausted();
    if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify({ l, ref: ref.loss, rel: l / ref.loss - 1, per, scoreErr }));

    expect(tBits).toEqual(float32Bits(loadRaw('loss_t.npy').data));
    expect(scoreErr).toBeDefined();
    expect(Math.max(...(scoreErr?.maxRel ?? [NaN]), ...(scoreErr?.l2Rel ?? [NaN]))).toBeLessThan(1e-5);
    expect(Math.abs(l / ref.loss - 1)).toBeLessThan(1e-5);
    per.forEach((v, i) => expect(Math.abs(v / (ref.per_sample_losses_derived[i] ?? NaN) - 1)).toBeLessThan(1e-5));
    tf.dispose([x0, y, feat]);
  });
});
