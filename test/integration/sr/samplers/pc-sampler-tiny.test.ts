/**
 * The PC sampler with the real tiny NCSN++ (EMA weights of tiny/checkpoint.pth) and the replayed
 * noise_000..008 against the authors' run: every score evaluation (score_00..07), every update's
 * x / x_mean and sample.npy. Tolerance 1e-5 of max|ref| per batch element (README §6: float32
 * vs float64 of the same code differ by ≤ 8.6e-7; the two samples' scales differ by ~2000×).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { loadTorchStateDict } from '../../../../src/sr/checkpoint';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { ReplayNoiseSource } from '../../../../src/sr/noise';
import { pcSampleConditional } from '../../../../src/sr/samplers';
import type { SamplerUpdate } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import type { ConditionalScoreFn } from '../../../../src/sr/sde';
import { makeScoreFn } from '../../../../src/sr/score-fn';
import { TINY_DIR, loadNhwc, loadNhwcData, loadRaw, perSampleErrors } from '../../../unit/sr/samplers/golden';

const TOL = 1e-5;

interface SamplerJson {
  draws: { file: string; shape: number[] }[];
  updates: { kind: 'corrector' | 'predictor'; x: string; x_mean: string }[];
  score_evals: { file: string }[];
  nfe_returned: number;
  N: number;
}

let model: NcsnppModel;

beforeAll(async () => {
  await initBackend('wasm');
  const ema = await loadTorchStateDict(path.join(TINY_DIR, 'checkpoint.pth'), { weights: 'ema' });
  model = NcsnppModel.fromStateDict(NCSNPP_PRESETS.tiny, ema);
});

afterAll(() => {
  model.dispose();
});

describe('pcSampleConditional with the tiny NCSN++ (EMA) vs the authors\' sampler', () => {
  it('reproduces every score evaluation, every update and the sample', async () => {
    const meta = JSON.parse(fs.readFileSync(path.join(TINY_DIR, 'sampler/sampler.json'), 'utf8')) as SamplerJson;
    const sde = new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: meta.N });
    const noise = new ReplayNoiseSource(
      meta.draws.map((d) => {
        const n = loadNhwcData(d.file);
        return { kind: 'normal' as const, shape: n.shape, data: n.data, label: path.basename(d.file) };
      }),
    );
    const y = loadNhwc('y.npy');
    const feat = tf.tensor2d(loadRaw('feat.npy').data, [2, 64]);
    const before = tf.memory().numTensors;

    const modelScore = makeScoreFn(model, sde.sigma);
    const scoreErrors: { file: string; maxRel: number[]; l2Rel: number[] }[] = [];
    const scoreFn: ConditionalScoreFn = (x, yy, t, f) => {
      const s = modelScore(x, yy, t, f);
      const file = meta.score_evals[scoreErrors.length]?.file ?? '?';
      scoreErrors.push({ file, ...perSampleErrors(s.dataSync(), loadNhwcData(file).data, 2) });
      return s;
    };
    const updateErrors: { file: string; err: number }[] = [];
    const onUpdate = (u: SamplerUpdate): void => {
      const ref = meta.updates[updateErrors.length];
      if (ref === undefined) throw new Error('unexpected update');
      const ex = perSampleErrors(u.x.dataSync(), loadNhwcData(ref.x).data, 2).maxRel;
      const em = perSampleErrors(u.xMean.dataSync(), loadNhwcData(ref.x_mean).data, 2).maxRel;
      updateErrors.push({ file: path.basename(ref.x), err: Math.max(...ex, ...em) });
    };

    const { xNHWC, nfe } = await pcSampleConditional(scoreFn, y, feat, { sde, noise, snr: 0.16, nSteps: 1, denoise: true, eps: 1e-5, onUpdate });
    const sample = perSampleErrors(xNHWC.dataSync(), loadNhwcData('sampler/sample.npy').data, 2);
    xNHWC.dispose();
    expect(tf.memory().numTensors).toBe(before);
    noise.assertExhausted();
    expect(nfe).toBe(meta.nfe_returned);

    if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify({ scoreErrors, updateErrors, sample }, null, 1));
    expect(scoreErrors.map((e) => e.file)).toEqual(meta.score_evals.map((e) => e.file));
    for (const e of scoreErrors) expect({ file: e.file, ok: [...e.maxRel, ...e.l2Rel].every((v) => v < TOL) }).toEqual({ file: e.file, ok: true });
    expect(updateErrors).toHaveLength(8);
    for (const e of updateErrors) expect({ file: e.file, ok: e.err < TOL }).toEqual({ file: e.file, ok: true });
    expect(Math.max(...sample.maxRel, ...sample.l2Rel)).toBeLessThan(TOL);
    tf.dispose([y, feat]);
  });
});
