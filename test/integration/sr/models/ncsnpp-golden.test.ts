/**
 * NCSN++ against the authors' PyTorch goldens (fixtures/fasr-reference/tiny, README sections 2, 3
 * and 6) on the wasm backend, with the weights of tiny/checkpoint.pth read by the project's
 * checkpoint reader ('model' and 'ema' = model with the EMA shadows substituted).
 *
 * Tolerances (README section 6, measured float32-vs-float64 errors of the reference itself, all
 * normalised per batch element because the two samples' scales differ by ~2000x):
 *   intermediates 00-02 (Fourier embedding of log sigma and the temb Linears): 3e-4, since the
 *     float32 rounding of log(sigma)*W*2*pi (arguments up to ~1e3 rad) moves sin/cos by ~1e-4;
 *   other intermediates: 5e-5; the scores: 1e-5 max-abs and 1e-5 L2 relative.
 * What these still catch (README): 1% noise on feat -> 1.3e-4, channel concat instead of
 * interleave -> 0.58, swapped feat rows -> 2e-2, model instead of EMA weights -> 0.27.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import type { StateDict } from '../../../../src/sr/checkpoint';
import { loadTorchStateDict } from '../../../../src/sr/checkpoint';
import { NCSNPP_PRESETS, ncsnppConfigFromAuthors } from '../../../../src/sr/model-config';
import { mergeXY, NcsnppModel } from '../../../../src/sr/models';
import { batchErrors, fixture, nchwValues, nhwcFixture, TINY, tensorFixture } from './golden-helpers';

interface IndexEntry {
  readonly call: number;
  readonly module_index: number;
  readonly class: string;
  readonly output_shape: number[];
  readonly file: string;
}

const CHECKPOINT = path.join(TINY, 'checkpoint.pth');
const index = JSON.parse(fs.readFileSync(path.join(TINY, 'intermediates/index.json'), 'utf8')) as IndexEntry[];

describe('NCSN++ vs the authors goldens (wasm)', () => {
  let modelWeights: StateDict;
  let emaWeights: StateDict;
  let model: NcsnppModel;
  let x: tf.Tensor4D;
  let y: tf.Tensor4D;
  let sigmas: tf.Tensor1D;
  let feat: tf.Tensor2D;

  beforeAll(async () => {
    await initBackend('wasm');
    modelWeights = await loadTorchStateDict(CHECKPOINT, { weights: 'model' });
    emaWeights = await loadTorchStateDict(CHECKPOINT, { weights: 'ema' });
    model = NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, modelWeights);
    x = nhwcFixture('x.npy');
    y = nhwcFixture('y.npy');
    sigmas = tensorFixture('sigma_labels.npy') as tf.Tensor1D;
    feat = tensorFixture('feat.npy') as tf.Tensor2D;
  });

  afterAll(() => {
    model.dispose();
    tf.dispose([x, y, sigmas, feat]);
  });

  it('the tiny preset is the fixture config', () => {
    const json = JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8')) as { config: unknown; feat_dim: number };
    expect(ncsnppConfigFromAuthors(json.config, json.feat_dim)).toEqual(NCSNPP_PRESETS.tiny);
  });

  it('merges x and y channel-interleaved exactly as xy_merged.npy', () => {
    const merged = mergeXY(x, y);
    expect(Array.from(nchwValues(merged))).toEqual(Array.from(fixture('xy_merged.npy').data as Float32Array));
    merged.dispose();
  });

  it('reproduces every intermediate module output in call order (index.json)', () => {
    const seen: { call: number; moduleIndex: number; className: string; shape: number[]; values: Float32Array }[] = [];
    const out = model.forward(x, y, sigmas, feat, {
      hook: (call, moduleIndex, className, t) => {
        const shape = t.rank === 4 ? [t.shape[0], t.shape[3], t.shape[1], t.shape[2]] : t.shape;
        seen.push({ call, moduleIndex, className, shape: shape as number[], values: nchwValues(t) });
      },
    });
    out.dispose();
    expect(seen.map((s) => [s.call, s.moduleIndex, s.className, s.shape])).toEqual(index.map((e) => [e.call, e.module_index, e.class, e.output_shape]));
    const worst: string[] = [];
    for (const e of index) {
      const ours = seen[e.call];
      if (ours === undefined) throw new Error(`call ${e.call} missing`);
      const tol = e.call <= 2 ? 3e-4 : 5e-5;
      const err = batchErrors(ours.values, fixture(e.file).data as Float32Array, 2);
      if (!(err.maxAbsRel <= tol)) worst.push(`${e.file}: ${err.maxAbsRel.toExponential(2)} > ${tol}`);
    }
    expect(worst).toEqual([]);
  });

  it('applies silu before module 2 on both paths (temb/feat_act_input_to_m02.npy)', () => {
    // silu(temb_1) and silu(minmax(feat)): recomputed from our module-1 output and the raw feat
    const act = (t: tf.Tensor): tf.Tensor => tf.tidy(() => tf.mul(t, tf.sigmoid(t)));
    let temb1: Float32Array = new Float32Array(0);
    model
      .forward(x, y, sigmas, feat, {
        hook: (call, _m, _c, t) => {
          if (call === 1) temb1 = Float32Array.from(act(t).dataSync());
        },
      })
      .dispose();
    expect(batchErrors(temb1, fixture('intermediates/temb_act_input_to_m02.npy').data as Float32Array, 2).maxAbsRel).toBeLessThanOrEqual(3e-4);
    const featAct = tf.tidy(() => {
      const min = tf.min(feat, 1, true);
      return act(tf.div(tf.sub(feat, min), tf.sub(tf.max(feat, 1, true), min)));
    });
    expect(batchErrors(featAct.dataSync(), fixture('intermediates/feat_act_input_to_m02.npy').data as Float32Array, 2).maxAbsRel).toBeLessThanOrEqual(5e-5);
    featAct.dispose();
  });

  it.each([
    ['model', 'score_model.npy'],
    ['ema', 'score_ema.npy'],
  ] as const)('reproduces the score with %s weights (%s) within 1e-5, without leaking tensors', (weights, file) => {
    const m = weights === 'model' ? model : NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, emaWeights);
    const before = tf.memory().numTensors;
    const score = m.forward(x, y, sigmas, feat);
    expect(tf.memory().numTensors).toBe(before + 1);
    const err = batchErrors(nchwValues(score), fixture(file).data as Float32Array, 2);
    score.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(err.maxAbsRel).toBeLessThanOrEqual(1e-5);
    expect(err.l2Rel).toBeLessThanOrEqual(1e-5);
    if (m !== model) m.dispose();
  });

  it('the score tolerance separates model from EMA weights and swapped descriptors', () => {
    const score = model.forward(x, y, sigmas, feat);
    expect(batchErrors(nchwValues(score), fixture('score_ema.npy').data as Float32Array, 2).l2Rel).toBeGreaterThan(0.1);
    const swapped = model.forward(x, y, sigmas, tf.reverse(feat, 0) as tf.Tensor2D);
    expect(batchErrors(nchwValues(swapped), fixture('score_model.npy').data as Float32Array, 2).maxAbsRel).toBeGreaterThan(1e-3);
    tf.dispose([score, swapped]);
  });
});
