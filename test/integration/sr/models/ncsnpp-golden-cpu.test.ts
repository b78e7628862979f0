/**
 * One golden case on the pure-JS cpu backend (the fallback of initBackend('auto')): the score of
 * the tiny model with the 'model' weights, README section 6 tolerance 1e-5 (per batch element,
 * max-abs relative and L2 relative).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { loadTorchStateDict } from '../../../../src/sr/checkpoint';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { batchErrors, fixture, nchwValues, nhwcFixture, TINY, tensorFixture } from './golden-helpers';

it('reproduces score_model.npy on the cpu backend within 1e-5', async () => {
  const info = await initBackend('cpu');
  expect(info.name).toBe('cpu');
  const model = NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, await loadTorchStateDict(path.join(TINY, 'checkpoint.pth'), { weights: 'model' }));
  const inputs = [nhwcFixture('x.npy'), nhwcFixture('y.npy'), tensorFixture('sigma_labels.npy'), tensorFixture('feat.npy')] as const;
  const before = tf.memory().numTensors;
  const score = model.forward(inputs[0], inputs[1], inputs[2] as tf.Tensor1D, inputs[3] as tf.Tensor2D);
  const err = batchErrors(nchwValues(score), fixture('score_model.npy').data as Float32Array, 2);
  score.dispose();
  expect(tf.memory().numTensors).toBe(before);
  expect(err.maxAbsRel).toBeLessThanOrEqual(1e-5);
  expect(err.l2Rel).toBeLessThanOrEqual(1e-5);
  model.dispose();
  tf.dispose([...inputs]);
});
