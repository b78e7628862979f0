/**
 * The PC sampler against the authors' run (fixtures tiny/sampler): a score function that replays
 * score_00..07 and a noise source that replays noise_000..008 must reproduce every trajectory
 * and sample.npy. Tolerance 1e-5 of max|ref| per batch element (README §6: float32 vs float64
 * runs of the same code differ by ≤ 8.6e-7; here only reduction orders differ from torch).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../src/runtime/backend';
import { ReplayNoiseSource } from '../../../../src/sr/noise';
import type { NoiseSource } from '../../../../src/sr/noise';
import { pcSample } from '../../../../src/sr/samplers';
import type { SamplerUpdate } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import type { ScoreFn } from '../../../../src/sr/sde';
import { TINY_DIR, float32Bits, loadNhwcData, loadRaw, perSampleErrors } from './golden';

interface SamplerJson {
  draws: { index: number; file: string; caller: string; step: number | null; shape: number[] }[];
  updates: { update: number; kind: 'corrector' | 'predictor'; t: number; x: string; x_mean: string }[];
  score_evals: { eval: number; called_from: string; t: number; file: string }[];
  nfe_returned: number;
  N: number;
}

const TOL = 1e-5;
const meta = JSON.parse(fs.readFileSync(path.join(TINY_DIR, 'sampler/sampler.json'), 'utf8')) as SamplerJson;

beforeAll(async () => {
  await initBackend('cpu');
});

/** Logs every draw and score evaluation, in order. */
function loggingNoise(inner: NoiseSource, log: string[], files: string[]): NoiseSource {
  let k = 0;
  return {
    normal: (shape) => {
      log.push(`draw:${files[k++] ?? '?'}`);
      return inner.normal(shape);
    },
    uniform: (shape) => {
      log.push('draw:uniform');
      return inner.uniform(shape);
    },
  };
}

function nchwShapeToNhwc(s: number[]): [number, number, number, number] {
  return [s[0] ?? 0, s[2] ?? 0, s[3] ?? 0, s[1] ?? 0];
}

describe('pcSample vs the authors\' PC sampler (tiny fixture, replayed scores and noise)', () => {
  it('reproduces every update, the sample, the draw order and the NFE', async () => {
    const before = tf.memory().numTensors;
    const drawFiles = meta.draws.map((d) => path.basename(d.file));
    const replay = new ReplayNoiseSource(
      meta.draws.map((d) => ({ kind: 'normal' as const, shape: nchwShapeToNhwc(d.shape), data: loadNhwcData(d.file).data, label: path.basename(d.file) })),
    );
    const log: string[] = [];
    const noise = loggingNoise(replay, log, drawFiles);

    const timesteps = loadRaw('sampler/timesteps.npy').data;
    const prior = loadNhwcData('sampler/noise_000.npy').data.map((v) => Math.fround(v * 348));
    // Input x expected at score eval k: the prior, then x after update k-1.
    const expectedInputs = [prior, ...meta.updates.slice(0, -1).map((u) => loadNhwcData(u.x).data)];
    const inputErrors: number[] = [];
    const tBits: number[][] = [];
    let evalIndex = 0;
    const scoreFn: ScoreFn = (x, t) => {
      const k = evalIndex++;
      const ev = meta.score_evals[k];
      if (ev === undefined) throw new Error(`unexpected score evaluation #${k}`);
      log.push(`score:${path.basename(ev.file)}`);
      const ref = expectedInputs[k];
      if (ref === undefined) throw new Error(`no expected input for eval ${k}`);
      inputErrors.push(...perSampleErrors(x.dataSync(), ref, 2).maxRel);
      tBits.push(float32Bits(t.dataSync()));
      const s = loadNhwcData(ev.file);
      return tf.tensor4d(s.data, s.shape);
    };

    const updateErrors: { name: string; x: number[]; xMean: number[] }[] = [];
    const onUpdate = (u: SamplerUpdate): void => {
      const ref = meta.updates[updateErrors.length];
      if (ref === undefined) throw new Error('unexpected update');
      expect([u.step, u.kind, u.t]).toEqual([Math.floor(ref.update / 2), ref.kind, ref.t]);
      updateErrors.push({
        name: path.basename(ref.x),
        x: perSampleErrors(u.x.dataSync(), loadNhwcData(ref.x).data, 2).maxRel,
        xMean: perSampleErrors(u.xMean.dataSync(), loadNhwcData(ref.x_mean).data, 2).maxRel,
      });
    };
    const progress: [number, number][] = [];

    const sde = new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: meta.N });
    const { xNHWC, nfe, steps } = await pcSample(scoreFn, [2, 32, 32, 3], {
      sde,
      noise,
      snr: 0.16,
      nSteps: 1,
      denoise: true,
      eps: 1e-5,
      onUpdate,
      onProgress: (p) => progress.push([p.step, p.nfe]),
    });

    // Draw order and score-evaluation order as sampler.json describes them.
    const expectedLog = ['draw:noise_000.npy'];
    for (let step = 0; step < meta.N; step++) {
      for (const [evalFrom, drawCaller] of [
        ['LangevinCorrector', 'LangevinCorrector'],
        ['RSDE', 'ReverseDiffusionPredictor'],
      ] as const) {
        const ev = meta.score_evals.find((e) => e.called_from === evalFrom && e.t === timesteps[step]);
        const dr = meta.draws.find((d) => d.step === step && d.caller.includes(drawCaller));
        expectedLog.push(`score:${path.basename(ev?.file ?? '?')}`, `draw:${path.basename(dr?.file ?? '?')}`);
      }
    }
    expect(log).toEqual(expectedLog);
    replay.assertExhausted();
    expect(nfe).toBe(meta.nfe_returned);
    expect(steps).toBe(4);
    expect(progress).toEqual([
      [0, 2],
      [1, 4],
      [2, 6],
      [3, 8],
    ]);
    // t passed to the score function: vec_t = timesteps[i] for both samples, exactly.
    expect(tBits).toEqual([0, 0, 1, 1, 2, 2, 3, 3].map((i) => float32Bits([timesteps[i] ?? NaN, timesteps[i] ?? NaN])));

    // Inputs to every score evaluation, every update's x and x_mean, and the sample.
    if (process.env.FASR_PRINT_ERRORS) console.log(JSON.stringify({ inputErrors, updateErrors }));
    expect(Math.max(...inputErrors)).toBeLessThan(TOL);
    expect(updateErrors).toHaveLength(8);
    for (const u of updateErrors) {
      expect({ name: u.name, ok: [...u.x, ...u.xMean].every((e) => e < TOL) }).toEqual({ name: u.name, ok: true });
    }
    const sample = perSampleErrors(xNHWC.dataSync(), loadNhwcData('sampler/sample.npy').data, 2);
    expect(Math.max(...sample.maxRel, ...sample.l2Rel)).toBeLessThan(TOL);

    xNHWC.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
