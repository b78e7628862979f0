import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import type { HostTensor } from '../../../../src/sr/checkpoint/host-tensor';
import { NCSNPP_PRESETS, parseNcsnppConfig } from '../../../../src/sr/model-config';
import { buildNcsnppSpec, NcsnppModel, ncsnppSigmasBuffer } from '../../../../src/sr/models';

// A small config of the same structure as the paper's (two levels, attention at 8x8) keeps the
// pure-JS cpu backend fast; the golden tests (integration) run the tiny fixture model.
// initScale 1 (instead of the authors' 0, which makes the last convs ~1e-10) so outputs are O(1)
// and the forward checks below are sensitive.
const config = parseNcsnppConfig({ ...NCSNPP_PRESETS.tiny, imageSize: 16, nf: 8, chMult: [1, 2], featDim: 32, initScale: 1 });
const S = config.imageSize;
const spec = buildNcsnppSpec(config);

beforeAll(async () => {
  await initBackend('cpu');
});

function inputs(batch: number, featDim = config.featDim): { x: tf.Tensor4D; y: tf.Tensor4D; s: tf.Tensor1D; f: tf.Tensor2D } {
  return {
    x: tf.randomUniform([batch, S, S, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.randomUniform([batch, S, S, 3], 0, 1, 'float32', 2) as tf.Tensor4D,
    s: tf.tensor1d([0.05, 90, 3].slice(0, batch)),
    f: tf.randomNormal([batch, featDim], 0, 1, 'float32', 3) as tf.Tensor2D,
  };
}

/** Values of a float host tensor (none of ours holds int64). */
const values = (t: HostTensor | undefined): number[] => Array.from((t?.data ?? new Float32Array(0)) as Float32Array | Float64Array);

function checkpointError(fn: () => unknown): CheckpointError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CheckpointError);
    return err as CheckpointError;
  }
  throw new Error('expected a CheckpointError');
}

describe('NcsnppModel', () => {
  let model: NcsnppModel;
  let stateDict: Map<string, HostTensor>;

  beforeAll(() => {
    model = NcsnppModel.random(config, 42);
    stateDict = new Map(model.toStateDict());
  });
  afterAll(() => model.dispose());

  it('exports the authors state_dict layout (names, shapes, dtypes, sigmas buffer)', () => {
    expect(stateDict.size).toBe(spec.params.length);
    expect([...stateDict.keys()]).toEqual(spec.params.map((p) => p.name));
    expect([...stateDict.keys()][0]).toBe('sigmas');
    const sigmas = stateDict.get('sigmas');
    expect(sigmas?.dtype).toBe('float64');
    expect(values(sigmas)).toEqual(Array.from(ncsnppSigmasBuffer(config)));
    expect(stateDict.get('all_modules.3.weight')?.shape).toEqual([8, 6, 3, 3]);
    const attn = spec.modules.find((m) => m.className === 'AttnBlockpp');
    expect(attn?.index).toBe(8); // level 1 (8x8): ResBlock 7, then attention
    expect(stateDict.get('all_modules.8.NIN_0.W')?.shape).toEqual([16, 16]);
    expect(stateDict.get('all_modules.8.NIN_0.W')?.dtype).toBe('float32');
    expect(model.parameterCount).toBe(spec.params.filter((p) => !p.buffer).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0));
  });

  it('initialises like the authors: zero biases, unit GroupNorm, W ~ N(0, 16^2), tiny last convs', () => {
    const authorsInit = NcsnppModel.random(parseNcsnppConfig({ ...config, initScale: 0 }), 42);
    const sd = authorsInit.toStateDict();
    authorsInit.dispose();
    const valuesOf = (name: string): number[] => values(sd.get(name));
    expect(valuesOf('all_modules.4.Conv_0.bias').every((v) => v === 0)).toBe(true);
    expect(valuesOf('all_modules.4.GroupNorm_0.weight').every((v) => v === 1)).toBe(true);
    const w = valuesOf('all_modules.0.W');
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(5);
    // Conv_1 has init_scale 0 -> 1e-10 variance scale
    expect(Math.max(...valuesOf('all_modules.4.Conv_1.weight').map(Math.abs))).toBeLessThan(1e-5);
    // Conv_0 (8 -> 8, 3x3): fan_avg = (8*9 + 8*9)/2, uniform limit sqrt(3/72)
    const conv0 = valuesOf('all_modules.4.Conv_0.weight');
    expect(Math.max(...conv0.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(3 / 72));
    expect(Math.max(...conv0.map(Math.abs))).toBeGreaterThan(0.9 * Math.sqrt(3 / 72));
  });

  it('is reproducible from its seed and differs between seeds', () => {
    const again = NcsnppModel.random(config, 42);
    const other = NcsnppModel.random(config, 43);
    const a = values(again.toStateDict().get('all_modules.7.Conv_2.weight'));
    const b = values(other.toStateDict().get('all_modules.7.Conv_2.weight'));
    expect(a.length).toBe(16 * 8);
    expect(a).toEqual(values(stateDict.get('all_modules.7.Conv_2.weight')));
    expect(a).not.toEqual(b);
    again.dispose();
    other.dispose();
  });

  it('round-trips through its state dict: same weights, same output', () => {
    // Non-trivial last layers so that the output depends on every weight.
    const sd = new Map(stateDict);
    for (const name of [`all_modules.${spec.modules.length - 1}.weight`, 'all_modules.4.Conv_1.weight']) {
      const t = sd.get(name) as HostTensor;
      sd.set(name, { ...t, data: (t.data as Float32Array).map((_, i) => Math.sin(i) * 0.05) });
    }
    const m1 = NcsnppModel.fromStateDict(config, sd);
    const back = m1.toStateDict();
    for (const [name, t] of sd) expect(values(back.get(name))).toEqual(values(t));
    const m2 = NcsnppModel.fromStateDict(config, back);
    const { x, y, s, f } = inputs(1);
    const o1 = m1.forward(x, y, s, f);
    const o2 = m2.forward(x, y, s, f);
    expect(Array.from(o1.dataSync())).toEqual(Array.from(o2.dataSync()));
    expect(Math.max(...Array.from(o1.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    tf.dispose([o1, o2, x, y, s, f]);
    m1.dispose();
    m2.dispose();
  });

  it('rejects a missing tensor, naming it with the expected shape', () => {
    const sd = new Map(stateDict);
    sd.delete('all_modules.5.Dense_1.weight');
    const err = checkpointError(() => NcsnppModel.fromStateDict(config, sd));
    expect(err.message).toBe('state dict: missing tensor "all_modules.5.Dense_1.weight" (expected float32 [8,32])');
    expect(err.context.tensor).toBe('all_modules.5.Dense_1.weight');
  });

  it("hints at DataParallel's module. prefix", () => {
    const sd = new Map([...stateDict].map(([k, v]) => [`module.${k}`, v] as const));
    expect(checkpointError(() => NcsnppModel.fromStateDict(config, sd)).message).toBe(
      `state dict: missing tensor "sigmas" (expected float64 [4]) (the keys still carry DataParallel's 'module.' prefix; strip it)`,
    );
  });

  it('rejects an extra tensor', () => {
    const sd = new Map(stateDict);
    sd.set('all_modules.99.weight', { dtype: 'float32', shape: [3], data: new Float32Array(3) });
    expect(checkpointError(() => NcsnppModel.fromStateDict(config, sd)).message).toBe(
      'state dict: unexpected tensor "all_modules.99.weight" (float32 [3]); this NCSN++ config has no such tensor',
    );
  });

  it('rejects a wrong shape with expected vs actual', () => {
    const sd = new Map(stateDict);
    sd.set('all_modules.5.Conv_2.weight', { dtype: 'float32', shape: [8, 8, 3, 3], data: new Float32Array(8 * 8 * 9) });
    const err = checkpointError(() => NcsnppModel.fromStateDict(config, sd));
    expect(err.message).toBe('state dict: tensor "all_modules.5.Conv_2.weight" has shape [8,8,3,3], expected [8,8,1,1]');
    expect(err.context.expected).toEqual([8, 8, 1, 1]);
    expect(err.context.actual).toEqual([8, 8, 3, 3]);
  });

  it('rejects a wrong dtype and a wrong data length', () => {
    const sd = new Map(stateDict);
    sd.set('sigmas', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(checkpointError(() => NcsnppModel.fromStateDict(config, sd)).message).toBe('state dict: tensor "sigmas" has dtype float32, expected float64');
    const sd2 = new Map(stateDict);
    sd2.set('all_modules.1.bias', { dtype: 'float32', shape: [32], data: new Float32Array(31) });
    expect(checkpointError(() => NcsnppModel.fromStateDict(config, sd2)).message).toBe(
      'state dict: tensor "all_modules.1.bias" holds 31 values, expected 32 for shape [32]',
    );
  });

  it('allocates nothing when loading fails', () => {
    const before = tf.memory().numTensors;
    const sd = new Map(stateDict);
    sd.delete(`all_modules.${spec.modules.length - 1}.bias`);
    checkpointError(() => NcsnppModel.fromStateDict(config, sd));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not leak tensors in a forward, and reports every module call in the authors order', () => {
    const { x, y, s, f } = inputs(2);
    const calls: string[] = [];
    const before = tf.memory().numTensors;
    const out = model.forward(x, y, s, f, { hook: (call, index, cls, t) => calls.push(`${call}:${index}:${cls}:${t.shape.join('x')}`) });
    expect(out.shape).toEqual([2, S, S, 3]);
    expect(tf.memory().numTensors).toBe(before + 1);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const n = spec.modules.length;
    expect(calls).toHaveLength(n + 1); // module 2 twice (temb, descriptor)
    expect(calls.slice(0, 5)).toEqual(['0:0:GaussianFourierProjection:2x16', '1:1:Linear:2x32', '2:2:Linear:2x32', '3:2:Linear:2x32', '4:3:Conv2d:2x16x16x8']);
    expect(calls.slice(5).map((c) => Number(c.split(':')[1]))).toEqual(spec.modules.slice(3).map((m) => m.index).slice(1));
    expect(calls[n]).toBe(`${n}:${n - 1}:Conv2d:2x16x16x3`);
    tf.dispose([x, y, s, f]);
  });

  it('divides by sigma (scaleBySigma) and depends on the descriptor', () => {
    const { x, y, f } = inputs(1);
    const sigma = tf.tensor1d([2.5]);
    const o1 = model.forward(x, y, sigma, f);
    const unscaled = NcsnppModel.fromStateDict(parseNcsnppConfig({ ...config, scaleBySigma: false }), stateDict);
    const o2 = unscaled.forward(x, y, sigma, f);
    const a = o1.dataSync();
    const b = o2.dataSync();
    expect(Math.max(...Array.from(b).map(Math.abs))).toBeGreaterThan(0);
    const scale = Math.max(...Array.from(b).map(Math.abs));
    expect(scale).toBeGreaterThan(1e-3);
    b.forEach((v, i) => expect(Math.abs((a[i] ?? NaN) - v / 2.5)).toBeLessThanOrEqual(1e-6 * scale));
    unscaled.dispose();
    const o3 = model.forward(x, y, sigma, tf.reverse(f, 1));
    expect(Array.from(o3.dataSync())).not.toEqual(Array.from(a));
    // a constant descriptor row (max == min) gives a finite output (the authors' code would give NaN)
    const o4 = model.forward(x, y, sigma, tf.zeros([1, 32]) as tf.Tensor2D);
    expect(Array.from(o4.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([o1, o2, o3, o4, x, y, f, sigma]);
  });

  it('validates its inputs', () => {
    const { x, y, s, f } = inputs(2);
    expect(() => model.forward(x.slice([0, 0, 0, 0], [2, 8, 16, 3]), y, s, f)).toThrow(
      new InputError('NCSN++ forward: xNHWC must be [B,16,16,3] NHWC, received [2,8,16,3]'),
    );
    expect(() => model.forward(x, y, s.slice(0, 1), f)).toThrow('NCSN++ forward: sigmas must be [2], received [1]');
    expect(() => model.forward(x, y, s, f.slice([0, 0], [2, 16]))).toThrow('NCSN++ forward: feat must be [2,32], received [2,16]');
    expect(() => model.forward(x, y, s.cast('int32'), f)).toThrow('NCSN++ forward: sigmas must be float32, received int32');
    expect(() => NcsnppModel.random(config, 1.5)).toThrow('seed: expected an integer, received 1.5');
  });

  it('supports descriptors of another length through a feature projection', () => {
    const cfg = parseNcsnppConfig({ ...config, featDim: 40 });
    const m = NcsnppModel.random(cfg, 1);
    expect(m.toStateDict().get('feature_proj.weight')?.shape).toEqual([32, 40]);
    const { x, y, s, f } = inputs(2, 40);
    const seen: string[] = [];
    const out = m.forward(x, y, s, f, { hook: (_c, i, cls) => seen.push(`${i}:${cls}`) });
    expect(out.shape).toEqual([2, S, S, 3]);
    expect(seen.slice(2, 5)).toEqual(['2:Linear', '-1:FeatureProjection', '2:Linear']);
    m.dispose();
  });

  it('exposes trainable variables (for src/sr/train) without changing the output or the export', () => {
    const m = NcsnppModel.fromStateDict(config, stateDict);
    const { x, y, s, f } = inputs(1);
    const before = m.forward(x, y, s, f);
    const vars = m.trainableVariables();
    expect(m.trainableVariables()).toBe(vars); // idempotent
    const attnCount = spec.modules.filter((mod) => mod.className === 'AttnBlockpp').length;
    const trainable = spec.params.filter((p) => p.trainable).length;
    // NIN_0..2 (W, b) of each attention block are trained through the concatenated qkv (W, b)
    expect(vars.size).toBe(trainable - attnCount * 6 + attnCount * 2);
    expect(vars.has('all_modules.0.W')).toBe(false);
    expect(vars.get('all_modules.8.qkv.W')?.shape).toEqual([16, 48]);
    const after = m.forward(x, y, s, f);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    const exported = m.toStateDict();
    for (const [name, t] of stateDict) expect(values(exported.get(name))).toEqual(values(t));
    // assigning a variable changes the next forward and the export
    const qkv = vars.get('all_modules.8.qkv.W') as tf.Variable;
    qkv.assign(tf.zerosLike(qkv));
    expect(values(m.toStateDict().get('all_modules.8.NIN_1.W')).every((v) => v === 0)).toBe(true);
    const changed = m.forward(x, y, s, f);
    expect(Array.from(changed.dataSync())).not.toEqual(Array.from(before.dataSync()));
    tf.dispose([before, after, changed, x, y, s, f]);
    const n = tf.memory().numTensors;
    m.dispose();
    expect(tf.memory().numTensors).toBeLessThan(n);
  });

  it('frees all its tensors on dispose and refuses to run afterwards', () => {
    const before = tf.memory().numTensors;
    const m = NcsnppModel.random(config, 5);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const { x, y, s, f } = inputs(1);
    expect(() => m.forward(x, y, s, f)).toThrow('NCSN++ model used after dispose()');
  });
});
