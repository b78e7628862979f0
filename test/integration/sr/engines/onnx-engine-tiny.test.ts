/**
 * The ONNX Runtime engine (CPU provider) on the tiny reference checkpoint (EMA weights of
 * fixtures/fasr-reference/tiny/checkpoint.pth) against the authors' goldens and the tfjs engine
 * (wasm backend), the PC sampler running on it unchanged, batching, and the export/load contract.
 *
 * Tolerance 1e-5 per batch element, max-abs and L2 relative (fixtures README section 6: the
 * reference's own float32 error is <= 8.6e-7; t + 1e-3 moves the score by 1.5e-2, model instead of
 * EMA weights by 0.27, swapped feat rows by 2e-2). Batch-vs-single: 1e-6 (same weights, same
 * kernels; only the convolution blocking may change with the batch size).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError, CheckpointError, InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import type { StateDict } from '../../../../src/sr/checkpoint';
import { loadTorchStateDict } from '../../../../src/sr/checkpoint';
import { createSrEngine, exportNcsnppOnnx, forwardBatched, OnnxSrEngine, TfjsSrEngine } from '../../../../src/sr/engines';
import { encodeOnnxModel } from '../../../../src/sr/engines/onnx/onnx-proto';
import { NCSNPP_PRESETS } from '../../../../src/sr/model-config';
import { NcsnppModel } from '../../../../src/sr/models';
import { ReplayNoiseSource } from '../../../../src/sr/noise';
import { pcSampleConditional } from '../../../../src/sr/samplers';
import { VeSde } from '../../../../src/sr/sde';
import { makeScoreFn } from '../../../../src/sr/score-fn';
import { batchErrors, fixture, nchwValues, nhwcFixture, TINY, tensorFixture } from '../models/golden-helpers';

const TOL = 1e-5;
const CHECKPOINT = path.join(TINY, 'checkpoint.pth');
const tiny = NCSNPP_PRESETS.tiny;
const sde = new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: 4 });

function expectClose(actual: tf.Tensor4D, reference: ArrayLike<number>, batch: number, tol = TOL): void {
  const err = batchErrors(nchwValues(actual), reference, batch);
  expect(err.maxAbsRel).toBeLessThanOrEqual(tol);
  expect(err.l2Rel).toBeLessThanOrEqual(tol);
}

describe('ONNX engine on the tiny reference checkpoint', () => {
  let ema: StateDict;
  let onnx: OnnxSrEngine;
  let tfjs: TfjsSrEngine;
  let x: tf.Tensor4D;
  let y: tf.Tensor4D;
  let t: tf.Tensor1D;
  let feat: tf.Tensor2D;

  beforeAll(async () => {
    await initBackend('wasm');
    ema = await loadTorchStateDict(CHECKPOINT, { weights: 'ema' });
    onnx = await OnnxSrEngine.fromStateDict(tiny, ema, { intraOpThreads: 2 });
    tfjs = new TfjsSrEngine(NcsnppModel.fromStateDict(tiny, ema));
    x = nhwcFixture('x.npy');
    y = nhwcFixture('y.npy');
    t = tensorFixture('t.npy') as tf.Tensor1D;
    feat = tensorFixture('feat.npy') as tf.Tensor2D;
  });

  afterAll(async () => {
    await onnx.dispose();
    await tfjs.dispose();
    tf.dispose([x, y, t, feat]);
  });

  it('gives score_ema.npy through makeScoreFn, within 1e-5 per sample, and equals the tfjs engine', () => {
    const before = tf.memory().numTensors;
    const fromOnnx = makeScoreFn(onnx, sde.sigma)(x, y, t, feat);
    const fromTfjs = makeScoreFn(tfjs, sde.sigma)(x, y, t, feat);
    expectClose(fromOnnx, fixture('score_ema.npy').data as Float32Array, 2);
    expectClose(fromOnnx, nchwValues(fromTfjs), 2);
    // A wrong conditioning is far outside the tolerance (the test can fail).
    const swapped = tf.reverse(feat, 0) as tf.Tensor2D;
    const wrong = makeScoreFn(onnx, sde.sigma)(x, y, t, swapped);
    expect(batchErrors(nchwValues(wrong), fixture('score_ema.npy').data as Float32Array, 2).maxAbsRel).toBeGreaterThan(1e-3);
    tf.dispose([fromOnnx, fromTfjs, swapped, wrong]);
    expect(tf.memory().numTensors).toBe(before);
    expect(onnx.timing().calls).toBeGreaterThanOrEqual(2);
  });

  it("gives score_model.npy with the 'model' weights (createSrEngine, engine onnx)", async () => {
    const engine = await createSrEngine({ engine: 'onnx', config: tiny, stateDict: await loadTorchStateDict(CHECKPOINT, { weights: 'model' }), onnx: { intraOpThreads: 1 } });
    try {
      const score = makeScoreFn(engine, sde.sigma)(x, y, t, feat);
      expectClose(score, fixture('score_model.npy').data as Float32Array, 2);
      score.dispose();
    } finally {
      await engine.dispose();
    }
  });

  it('runs the PC sampler unchanged and reproduces the authors sample.npy (replayed noise)', async () => {
    const meta = JSON.parse(fs.readFileSync(path.join(TINY, 'sampler/sampler.json'), 'utf8')) as { draws: { file: string }[]; N: number; nfe_returned: number };
    const draws = meta.draws.map((d) => {
      const n = fixture(d.file);
      const nhwc = tf.tidy(() => tf.transpose(tf.tensor(n.data as Float32Array, [...n.shape]), [0, 2, 3, 1]));
      const data = Float32Array.from(nhwc.dataSync());
      const shape = nhwc.shape;
      nhwc.dispose();
      return { kind: 'normal' as const, shape, data, label: path.basename(d.file) };
    });
    const noise = new ReplayNoiseSource(draws);
    const samplerSde = new VeSde({ sigmaMin: 0.001, sigmaMax: 348, N: meta.N });
    const { xNHWC, nfe } = await pcSampleConditional(makeScoreFn(onnx, samplerSde.sigma), y, feat, { sde: samplerSde, noise, snr: 0.16, nSteps: 1, denoise: true, eps: 1e-5 });
    noise.assertExhausted();
    expect(nfe).toBe(meta.nfe_returned);
    expectClose(xNHWC, fixture('sampler/sample.npy').data as Float32Array, 2);
    xNHWC.dispose();
  });

  it('a batch of 3 faces in one call equals 3 single calls (both engines, forwardBatched)', () => {
    // Three different faces: the two fixture samples and a third built from them.
    const x3 = tf.concat([x, tf.reverse(x, 2) as tf.Tensor4D]) as tf.Tensor4D;
    const rows = [0, 1, 2];
    const xs = rows.map((i) => tf.slice(x3, [i], [1]) as tf.Tensor4D);
    const ys = rows.map((i) => tf.slice(tf.concat([y, y]), [i], [1]) as tf.Tensor4D);
    const sig = [0.046, 97, 3.5].map((s) => tf.tensor1d([s]));
    const fs3 = rows.map((i) => tf.slice(tf.concat([feat, tf.reverse(feat, 1)]), [i], [1]) as tf.Tensor2D);
    const requests = rows.map((i) => ({ xNHWC: xs[i] as tf.Tensor4D, yNHWC: ys[i] as tf.Tensor4D, sigmas: sig[i] as tf.Tensor1D, feat: fs3[i] as tf.Tensor2D }));
    for (const engine of [onnx, tfjs]) {
      const calls = engine.timing().calls;
      const batched = forwardBatched(engine, requests);
      expect(engine.timing().calls).toBe(calls + 1);
      const singles = requests.map((r) => engine.forward(r.xNHWC, r.yNHWC, r.sigmas, r.feat));
      rows.forEach((i) => {
        const b = batched[i] as tf.Tensor4D;
        expect(b.shape).toEqual([1, 32, 32, 3]);
        expectClose(b, nchwValues(singles[i] as tf.Tensor4D), 1, 1e-6);
      });
      // maxBatch 2 gives two calls with the same results.
      const split = forwardBatched(engine, requests, 2);
      expect(engine.timing().calls).toBe(calls + 1 + 3 + 2);
      rows.forEach((i) => expectClose(split[i] as tf.Tensor4D, nchwValues(batched[i] as tf.Tensor4D), 1, 1e-6));
      tf.dispose([...batched, ...singles, ...split]);
    }
    tf.dispose([x3, ...xs, ...ys, ...sig, ...fs3]);
  });

  it('TfjsSrEngine forwards the model, counts calls, owns and disposes it', async () => {
    const model = NcsnppModel.fromStateDict(tiny, ema);
    const engine = new TfjsSrEngine(model);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const sig = tf.tensor1d([0.5, 20]);
    const feat = tf.randomNormal([2, 64], 0, 1, 'float32', 2) as tf.Tensor2D;
    const a = engine.forward(x, x, sig, feat);
    const b = model.forward(x, x, sig, feat);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(engine.timing().calls).toBe(1);
    expect(engine.timing().networkMs).toBe(engine.timing().totalMs);
    engine.resetTiming();
    expect(engine.timing()).toEqual({ calls: 0, totalMs: 0, networkMs: 0 });
    const before = tf.memory().numTensors;
    await engine.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
    expect(() => engine.forward(x, x, sig, feat)).toThrow(new InputError('tfjs SR engine used after dispose()'));
    tf.dispose([a, b, x, sig, feat]);
  });

  it('rejects wrong input shapes and dtypes with the expected shape in the message', () => {
    const sig1 = tf.tensor1d([1]);
    expect(() => onnx.forward(x, y, sig1, feat)).toThrow(new InputError('ONNX SR engine forward: sigmas must be [2], received [1]'));
    const feat32 = tf.zeros([2, 32]) as tf.Tensor2D;
    expect(() => onnx.forward(x, y, tf.tensor1d([1, 2]), feat32)).toThrow(/feat must be \[2,64\], received \[2,32\]/);
    const small = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    expect(() => onnx.forward(small, small, sig1, feat)).toThrow(/xNHWC must be \[B,32,32,3\] NHWC/);
    tf.dispose([sig1, feat32, small]);
  });

  it('exports the same bytes twice (deterministic)', () => {
    const a = exportNcsnppOnnx(tiny, ema);
    const b = exportNcsnppOnnx(tiny, ema);
    expect(a.byteLength).toBeGreaterThan(346547 * 4);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('loads the model from an .onnx file, and gives a clear error for a malformed, a foreign or a missing file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-onnx-'));
    try {
      const good = path.join(dir, 'tiny.onnx');
      fs.writeFileSync(good, exportNcsnppOnnx(tiny, ema));
      const fromFile = await OnnxSrEngine.create(good, tiny, { intraOpThreads: 1 });
      const score = makeScoreFn(fromFile, sde.sigma)(x, y, t, feat);
      expectClose(score, fixture('score_ema.npy').data as Float32Array, 2);
      score.dispose();
      await fromFile.dispose();
      await fromFile.dispose(); // idempotent
      expect(() => fromFile.forward(x, y, tf.tensor1d([1, 1]), feat)).toThrow(new InputError('ONNX SR engine used after dispose()'));

      const truncated = path.join(dir, 'truncated.onnx');
      fs.writeFileSync(truncated, fs.readFileSync(good).subarray(0, 5000));
      await expect(OnnxSrEngine.create(truncated, tiny)).rejects.toThrow(CheckpointError);
      await expect(OnnxSrEngine.create(truncated, tiny)).rejects.toThrow(/onnxruntime cannot load this ONNX model \(.*protobuf parsing failed/i);

      // A valid ONNX model that is not the score network: y = Identity(x).
      const foreign = encodeOnnxModel({
        irVersion: 8,
        opsetVersion: 17,
        producerName: 'test',
        producerVersion: '1',
        docString: '',
        metadata: {},
        graph: {
          name: 'identity',
          nodes: [{ opType: 'Identity', name: 'id', inputs: ['x'], outputs: ['y'], attributes: {} }],
          initializers: [],
          inputs: [{ name: 'x', dtype: 'float32', shape: ['n', 3] }],
          outputs: [{ name: 'y', dtype: 'float32', shape: ['n', 3] }],
        },
      });
      await expect(OnnxSrEngine.create(foreign, tiny)).rejects.toThrow(/not a FASR NCSN\+\+ score model for this config \(image size 32, featDim 64\).*the model has inputs x float32 \[n,3\]/);
      // The tiny export opened as if it were the paper model.
      await expect(OnnxSrEngine.create(good, NCSNPP_PRESETS.paper)).rejects.toThrow(/not a FASR NCSN\+\+ score model for this config \(image size 128, featDim 512\)/);
      await expect(OnnxSrEngine.create(path.join(dir, 'missing.onnx'), tiny)).rejects.toThrow(InputError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * What the CUDA provider does depends on the machine, so the test is told what to expect by
   * FASR_TEST_ONNX_CUDA and asserts that one outcome: 'absent' (default: onnxruntime-node without
   * its CUDA provider library), 'no-device' (the library is installed but no usable GPU/CUDA
   * runtime), 'present' (a GPU machine: the session starts and matches the goldens).
   */
  const cudaExpect = process.env.FASR_TEST_ONNX_CUDA ?? 'absent';
  it(`asks for the CUDA provider (FASR_TEST_ONNX_CUDA=${cudaExpect})`, async () => {
    expect(['absent', 'no-device', 'present']).toContain(cudaExpect);
    const attempt = (): Promise<OnnxSrEngine> => OnnxSrEngine.fromStateDict(tiny, ema, { executionProvider: 'cuda' });
    if (cudaExpect === 'present') {
      const gpu = await attempt();
      const score = makeScoreFn(gpu, sde.sigma)(x, y, t, feat);
      expectClose(score, fixture('score_ema.npy').data as Float32Array, 2);
      score.dispose();
      await gpu.dispose();
    } else if (cudaExpect === 'no-device') {
      await expect(attempt()).rejects.toThrow(BackendError);
      await expect(attempt()).rejects.toThrow(/the CUDA execution provider failed to start/);
    } else {
      await expect(attempt()).rejects.toThrow(BackendError);
      await expect(attempt()).rejects.toThrow(/CUDA execution provider is not installed.*--onnxruntime-node-install=cuda12/);
    }
  });
});
