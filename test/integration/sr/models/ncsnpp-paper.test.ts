/**
 * The paper-config NCSN++ (128x128, nf 128, 7 levels, 71,122,435 parameters) built for real on the
 * wasm backend with random weights: its exported state_dict matches the authors' key list
 * (fixtures paper/keys.json) and one forward at batch 1 runs through every module, gives a
 * finite score and frees everything it allocates. (Its numerics are checked on the tiny model,
 * which has the same structure: see ncsnpp-golden.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';

const KEYS = path.resolve(__dirname, '../../../../../shared/fixtures/fasr-reference/paper/keys.json');

it('builds the paper model, exports the authors layout and runs one forward without leaks', async () => {
  await initBackend('wasm');
  const baseline = tf.memory().numTensors;
  const model = NcsnppModel.random(NCSNPP_PRESETS.paper, 2024);
  expect(model.parameterCount).toBe(71_122_435);

  const ref = (JSON.parse(fs.readFileSync(KEYS, 'utf8')) as { model_state_dict: { key: string; shape: number[] }[] }).model_state_dict;
  const exported = model.toStateDict();
  expect([...exported].map(([k, t]) => [`module.${k}`, t.shape])).toEqual(ref.map((e) => [e.key, e.shape]));

  const x = tf.randomUniform([1, 128, 128, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.randomUniform([1, 128, 128, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const sigma = tf.tensor1d([1.5]);
  const feat = tf.randomNormal([1, 512], 0, 1, 'float32', 3) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  const calls: number[] = [];
  const score = model.forward(x, y, sigma, feat, { hook: (_call, moduleIndex) => calls.push(moduleIndex) });
  expect(score.shape).toEqual([1, 128, 128, 3]);
  const values = score.dataSync();
  expect(values.every(Number.isFinite)).toBe(true);
  expect(Math.max(...Array.from(values).map(Math.abs))).toBeGreaterThan(0);
  // 65 modules, module 2 called twice (time embedding, descriptor)
  expect(calls).toEqual([0, 1, 2, ...Array.from({ length: 63 }, (_, i) => i + 2)]);
  score.dispose();
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, y, sigma, feat]);
  model.dispose();
  expect(tf.memory().numTensors).toBe(baseline);
});
