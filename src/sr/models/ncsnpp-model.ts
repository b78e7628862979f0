import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InputError } from '../../contracts';
import type { HostTensor, StateDict } from '../checkpoint/host-tensor';
import { numel } from '../checkpoint/host-tensor';
import type { NcsnppConfig } from '../model-config';
import { parseNcsnppConfig } from '../model-config';
import { attnBlockpp } from './attn-block';
import { downsampleFir2d } from './fir-resample';
import { groupNorm } from './group-norm';
import { mergeXY } from './merge-xy';
import type { NcsnppModuleSpec, NcsnppParamSpec, NcsnppSpec } from './ncsnpp-spec';
import { buildNcsnppSpec, countNcsnppParameters } from './ncsnpp-spec';
import { checkNcsnppStateDict } from './check-ncsnpp-state-dict';
import { conv2d, linear, silu } from './primitives';
import { resnetBlockBigGanpp } from './resnet-block-biggan';
import { SeededRandom } from './seeded-random';
import { WeightStore } from './weight-store';

/**
 * Called with the output of every `all_modules[i]` call, in the authors' call order (the order of
 * fixtures' intermediates/index.json; module 2 is called twice: temb, then the descriptor).
 * Tensors are NHWC for images, [B, D] for embeddings, and are disposed after the forward:
 * copy what you need synchronously (`dataSync`, `arraySync`). With a `feature_proj` layer
 * (featDim != 4*nf) its output is reported with moduleIndex -1 and className 'FeatureProjection'
 * just before the descriptor call of module 2.
 */
export type NcsnppHook = (callIndex: number, moduleIndex: number, className: string, tensor: tf.Tensor) => void;

/** Options of {@link NcsnppModel.forward}. */
export interface NcsnppForwardOptions {
  /** Receives every module output (golden tests, debugging). */
  readonly hook?: NcsnppHook;
}

/**
 * The authors' `utils.get_sigmas`: exp(linspace(log sigmaMax, log sigmaMin, numScales)) in float64
 * (numpy linspace: start + i*step, last entry exactly the stop value).
 */
export function ncsnppSigmasBuffer(config: NcsnppConfig): Float64Array {
  const n = config.numScales;
  const start = Math.log(config.sigmaMax);
  const stop = Math.log(config.sigmaMin);
  const out = new Float64Array(n);
  const step = n > 1 ? (stop - start) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = Math.exp(n > 1 && i === n - 1 ? stop : i * step + start);
  return out;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Host tensor (authors' layout) -> tfjs tensor (tfjs layout). */
function toTfLayout(p: NcsnppParamSpec, data: Float32Array): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tensor(data, [...p.shape], 'float32');
    switch (p.layout) {
      case 'conv':
        return tf.transpose(t, [2, 3, 1, 0]); // OIHW -> HWIO
      case 'linear':
        return tf.transpose(t); // (out,in) -> (in,out)
      default:
        return t; // NIN (in,out) and vectors are already what tfjs wants
    }
  });
}

/** tfjs tensor -> authors' layout host data. */
function fromTfLayout(p: NcsnppParamSpec, t: tf.Tensor): Float32Array {
  const back = tf.tidy(() => {
    switch (p.layout) {
      case 'conv':
        return tf.transpose(t, [3, 2, 0, 1]); // HWIO -> OIHW
      case 'linear':
        return tf.transpose(t);
      default:
        return t.clone();
    }
  });
  const data = back.dataSync() as Float32Array;
  back.dispose();
  return Float32Array.from(data);
}

/** Adds the (C, 3C) concatenation of NIN_0..2 used by the attention blocks. */
function addDerivedTensors(spec: NcsnppSpec, tensors: Map<string, tf.Tensor>): void {
  for (const m of spec.modules) {
    if (m.className !== 'AttnBlockpp') continue;
    const pre = `all_modules.${m.index}`;
    const get = (n: string): tf.Tensor => {
      const t = tensors.get(`${pre}.${n}`);
      if (t === undefined) throw new CheckpointError(`model weights: no tensor "${pre}.${n}"`, { tensor: `${pre}.${n}` });
      return t;
    };
    tensors.set(`${pre}.qkv.W`, tf.concat([get('NIN_0.W'), get('NIN_1.W'), get('NIN_2.W')], 1));
    tensors.set(`${pre}.qkv.b`, tf.concat([get('NIN_0.b'), get('NIN_1.b'), get('NIN_2.b')], 0));
  }
}

/** Fills a tensor the way the authors' constructors do (DDPM `default_init`, zeros, ones, randn*scale). */
function initialValues(p: NcsnppParamSpec, rng: SeededRandom): Float32Array {
  const n = numel(p.shape);
  const out = new Float32Array(n);
  switch (p.init.kind) {
    case 'zeros':
      break;
    case 'ones':
      out.fill(1);
      break;
    case 'normal':
      for (let i = 0; i < n; i++) out[i] = rng.normal() * p.init.scale;
      break;
    case 'defaultInit': {
      // variance_scaling(scale, 'fan_avg', 'uniform'), in_axis=1, out_axis=0 (layers.py).
      const scale = p.init.scale === 0 ? 1e-10 : p.init.scale;
      const d0 = p.shape[0] ?? 1;
      const d1 = p.shape[1] ?? 1;
      const receptive = n / d0 / d1;
      const fanAvg = (d1 * receptive + d0 * receptive) / 2;
      const limit = Math.sqrt((3 * scale) / fanAvg);
      for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * limit;
      break;
    }
  }
  return out;
}

/**
 * NCSN++ score network of FASR (Song et al. 2021, NCSNpp with BigGAN blocks and FIR resampling;
 * FASR adds the face descriptor bias Dense_1 in every residual block), a faithful port of the
 * authors' models/ncsnpp.py `NCSNpp.forward`. Works in NHWC internally; weights are named and
 * shaped exactly as the authors' state_dict (without `module.`).
 *
 * Owns tfjs tensors: call {@link dispose} when done.
 */
export class NcsnppModel {
  readonly config: NcsnppConfig;
  readonly spec: NcsnppSpec;
  private readonly weights: WeightStore;
  private readonly sigmasBuffer: Float64Array;
  private disposed = false;
  /** Set by {@link trainableVariables}: the variables the forward now reads. */
  private variables: Map<string, tf.Variable> | undefined;

  private constructor(config: NcsnppConfig, spec: NcsnppSpec, tensors: Map<string, tf.Tensor>, sigmasBuffer: Float64Array) {
    this.config = config;
    this.spec = spec;
    addDerivedTensors(spec, tensors);
    this.weights = new WeightStore(tensors);
    this.sigmasBuffer = sigmasBuffer;
  }

  /**
   * Builds the model from a state dict (names without `module.`; the float64 `sigmas` buffer and
   * `all_modules.0.W` included). Strict: every tensor is checked before any is allocated.
   * @throws CheckpointError naming the tensor, with expected vs actual shape/dtype, for a missing,
   * extra, misshapen or wrongly typed tensor; ConfigError for an invalid config.
   */
  static fromStateDict(config: NcsnppConfig, stateDict: StateDict): NcsnppModel {
    config = parseNcsnppConfig(config); // also accepts plain objects typed as NcsnppConfig
    const spec = buildNcsnppSpec(config);
    checkNcsnppStateDict(spec, stateDict, 'state dict');
    const tensors = new Map<string, tf.Tensor>();
    let sigmas = new Float64Array(0);
    try {
      for (const p of spec.params) {
        const t = stateDict.get(p.name) as HostTensor;
        if (p.buffer) sigmas = Float64Array.from(t.data as Float64Array);
        else tensors.set(p.name, toTfLayout(p, t.data as Float32Array));
      }
    } catch (err) {
      for (const t of tensors.values()) t.dispose();
      throw err;
    }
    return new NcsnppModel(config, spec, tensors, sigmas);
  }

  /**
   * A new model with the authors' initialisation scheme (DDPM variance scaling, zero biases, unit
   * GroupNorm scales, W = randn(nf) * fourierScale, last convs scaled by initScale), drawn from a
   * seeded generator: the same seed gives the same weights on every backend.
   * @throws InputError for a non-integer seed; ConfigError for an invalid config.
   */
  static random(config: NcsnppConfig, seed: number): NcsnppModel {
    if (!Number.isInteger(seed)) throw new InputError(`seed: expected an integer, received ${String(seed)}`, { option: 'seed' });
    config = parseNcsnppConfig(config);
    const spec = buildNcsnppSpec(config);
    const rng = new SeededRandom(seed);
    const tensors = new Map<string, tf.Tensor>();
    for (const p of spec.params) {
      if (p.buffer) continue;
      tensors.set(p.name, toTfLayout(p, initialValues(p, rng)));
    }
    return new NcsnppModel(config, spec, tensors, ncsnppSigmasBuffer(config));
  }

  /** Number of parameters (float32 tensors incl. the frozen Fourier W; `sigmas` excluded). */
  get parameterCount(): number {
    return countNcsnppParameters(this.spec);
  }

  /**
   * For training (src/sr/train): turns every trainable tensor the forward reads into a
   * `tf.Variable` with the same values (idempotent: later calls return the same variables) and
   * returns them by name in tfjs layout (conv HWIO, Linear and NIN (in,out), vectors). Attention
   * blocks read one concatenated `qkv.W` (C,3C) / `qkv.b` (3C) instead of NIN_0..2, so those two
   * are returned in their place, and {@link toStateDict} then derives NIN_0..2 from them. Gradients
   * of {@link forward} flow to these variables; `assign` changes what the next forward computes.
   * The frozen Fourier weights `all_modules.0.W` are not included. The model still owns them.
   */
  trainableVariables(): ReadonlyMap<string, tf.Variable> {
    this.assertAlive();
    if (this.variables !== undefined) return this.variables;
    const frozen = new Set(this.spec.params.filter((p) => !p.trainable || p.buffer).map((p) => p.name));
    for (const m of this.spec.modules) {
      if (m.className !== 'AttnBlockpp') continue;
      for (const k of [0, 1, 2]) frozen.add(`all_modules.${m.index}.NIN_${k}.W`).add(`all_modules.${m.index}.NIN_${k}.b`);
    }
    const vars = new Map<string, tf.Variable>();
    for (const [name, t] of [...this.weights.entries()]) {
      if (frozen.has(name)) continue;
      const v = tf.variable(t, true);
      this.weights.replace(name, v);
      t.dispose();
      vars.set(name, v);
    }
    this.variables = vars;
    return vars;
  }

  /** Exports the weights in the authors' layout and names (without `module.`), in state_dict order. */
  toStateDict(): StateDict {
    this.assertAlive();
    const out = new Map<string, HostTensor>();
    // Once trainable, attention NIN_0..2 live only in the concatenated qkv variables: slice them out.
    const qkvPart = new Map<string, { from: string; part: number; channels: number }>();
    if (this.variables !== undefined) {
      for (const m of this.spec.modules) {
        if (m.className !== 'AttnBlockpp') continue;
        for (const k of [0, 1, 2]) {
          qkvPart.set(`all_modules.${m.index}.NIN_${k}.W`, { from: `all_modules.${m.index}.qkv.W`, part: k, channels: m.channels });
          qkvPart.set(`all_modules.${m.index}.NIN_${k}.b`, { from: `all_modules.${m.index}.qkv.b`, part: k, channels: m.channels });
        }
      }
    }
    for (const p of this.spec.params) {
      if (p.buffer) {
        out.set(p.name, { dtype: 'float64', shape: [...p.shape], data: Float64Array.from(this.sigmasBuffer) });
        continue;
      }
      const part = qkvPart.get(p.name);
      if (part !== undefined) {
        const c = part.channels;
        const slice = tf.tidy(() =>
          p.layout === 'vector' ? tf.slice(this.weights.vector(part.from), [part.part * c], [c]) : tf.slice(this.weights.matrix(part.from), [0, part.part * c], [c, c]),
        );
        out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: fromTfLayout(p, slice) });
        slice.dispose();
        continue;
      }
      const t = p.layout === 'conv' ? this.weights.filter(p.name) : p.layout === 'vector' ? this.weights.vector(p.name) : this.weights.matrix(p.name);
      out.set(p.name, { dtype: 'float32', shape: [...p.shape], data: fromTfLayout(p, t) });
    }
    return out;
  }

  /**
   * One network evaluation: `NCSNpp(merge_xy(x, y), sigma, feat)` of the authors' code, i.e. the
   * score of the VE SDE at noise level sigma when `scaleBySigma` (the output divided by sigma).
   *
   * @param xNHWC noisy HR estimate [B,S,S,3] (data range [0,1] when clean, S = imageSize)
   * @param yNHWC LR conditioning, bicubic-upsampled to S, [B,S,S,3] in [0,1]
   * @param sigmas noise levels sigma(t) [B] (> 0; the model embeds log sigma)
   * @param feat face descriptors F_M [B, featDim] (raw; min-max normalised per row inside)
   * @returns score for x, [B,S,S,3]
   * @throws InputError for wrong ranks, shapes or dtypes.
   */
  forward(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D, options: NcsnppForwardOptions = {}): tf.Tensor4D {
    this.assertAlive();
    this.checkInputs(xNHWC, yNHWC, sigmas, feat);
    const c = this.config;
    const w = this.weights;
    const hook = options.hook;
    let call = 0;
    const report = <T extends tf.Tensor>(moduleIndex: number, className: string, t: T): T => {
      if (hook !== undefined) hook(call, moduleIndex, className, t);
      call++;
      return t;
    };
    const mods = this.spec.modules;
    const mod = (i: number): NcsnppModuleSpec => {
      const m = mods[i];
      if (m === undefined) throw new CheckpointError(`NCSN++: module index ${i} out of range (${mods.length} modules)`);
      return m;
    };
    const block = (i: number, h: tf.Tensor4D, tembAct: tf.Tensor2D, featAct: tf.Tensor2D): tf.Tensor4D => {
      const m = mod(i);
      if (m.className !== 'ResnetBlockBigGANpp') throw new CheckpointError(`NCSN++: module ${i} is ${m.className}, expected ResnetBlockBigGANpp`);
      const spec = { prefix: `all_modules.${i}`, inCh: m.inCh, outCh: m.outCh, up: m.up, down: m.down, firKernel: c.firKernel, skipRescale: c.skipRescale };
      return report(i, m.className, resnetBlockBigGanpp(spec, w, h, tembAct, featAct));
    };
    const attn = (i: number, h: tf.Tensor4D): tf.Tensor4D => {
      const m = mod(i);
      if (m.className !== 'AttnBlockpp') throw new CheckpointError(`NCSN++: module ${i} is ${m.className}, expected AttnBlockpp`);
      return report(i, m.className, attnBlockpp(`all_modules.${i}`, m.channels, c.skipRescale, w, h));
    };

    return tf.tidy(() => {
      const batch = xNHWC.shape[0];
      const nf = c.nf;
      let m = 0;
      // Gaussian Fourier embedding of log sigma: x_proj = ((log(sigma) * W) * 2) * pi (float32, left to right).
      const fourierW = w.vector('all_modules.0.W');
      const xProj = tf.mul(tf.mul(tf.mul(tf.log(sigmas).reshape([batch, 1]), fourierW.reshape([1, nf])), 2), Math.PI);
      let temb = report(m, 'GaussianFourierProjection', tf.concat([tf.sin(xProj), tf.cos(xProj)], -1) as tf.Tensor2D);
      m++;
      temb = report(m, 'Linear', linear(temb, w.matrix('all_modules.1.weight'), w.vector('all_modules.1.bias')));
      m++;
      temb = report(m, 'Linear', linear(silu(temb), w.matrix('all_modules.2.weight'), w.vector('all_modules.2.bias')));
      // FASR: per-row min-max normalisation of the descriptor, then the SAME Linear (module 2).
      // Constant rows (max == min) would give 0/0 = NaN in the authors' code; here they map to 0.
      const fMin = tf.min(feat, 1, true);
      const range = tf.sub(tf.max(feat, 1, true), fMin);
      const safeRange = tf.where(tf.greater(range, 0), range, tf.onesLike(range));
      let featN: tf.Tensor2D = tf.div(tf.sub(feat, fMin), safeRange);
      if (w.has('feature_proj.weight')) {
        featN = report(-1, 'FeatureProjection', linear(featN, w.matrix('feature_proj.weight'), w.vector('feature_proj.bias')));
      }
      const featEmb = report(m, 'Linear', linear(silu(featN), w.matrix('all_modules.2.weight'), w.vector('all_modules.2.bias')));
      m++;
      // Every block applies act() to temb and feat: compute the activations once.
      const tembAct = silu(temb);
      const featAct = silu(featEmb);

      let x6 = mergeXY(xNHWC, yNHWC);
      if (!c.centered) x6 = tf.sub(tf.mul(x6, 2), 1); // inputs in [0,1] -> [-1,1], all 6 channels
      let inputPyramid = x6;
      const hs: tf.Tensor4D[] = [report(m, 'Conv2d', conv2d(x6, w.filter(`all_modules.${m}.weight`), w.vector(`all_modules.${m}.bias`)))];
      m++;
      const levels = c.chMult.length;
      for (let level = 0; level < levels; level++) {
        for (let b = 0; b < c.numResBlocks; b++) {
          let h = block(m++, hs[hs.length - 1] as tf.Tensor4D, tembAct, featAct);
          if (c.attnResolutions.includes(h.shape[2])) h = attn(m++, h);
          hs.push(h);
        }
        if (level !== levels - 1) {
          let h = block(m++, hs[hs.length - 1] as tf.Tensor4D, tembAct, featAct);
          inputPyramid = downsampleFir2d(inputPyramid, c.firKernel);
          // Combine (sum): Conv_0(1x1)(pyramid) + h
          const pre = `all_modules.${m}`;
          h = report(m, 'Combine', tf.add(conv2d(inputPyramid, w.filter(`${pre}.Conv_0.weight`), w.vector(`${pre}.Conv_0.bias`)), h));
          m++;
          hs.push(h);
        }
      }
      let h = hs[hs.length - 1] as tf.Tensor4D;
      h = block(m++, h, tembAct, featAct);
      h = attn(m++, h);
      h = block(m++, h, tembAct, featAct);
      for (let level = levels - 1; level >= 0; level--) {
        for (let b = 0; b <= c.numResBlocks; b++) {
          const skip = hs.pop();
          if (skip === undefined) throw new CheckpointError('NCSN++: skip-connection stack exhausted (config/spec mismatch)');
          h = block(m++, tf.concat([h, skip], 3), tembAct, featAct);
        }
        if (c.attnResolutions.includes(h.shape[2])) h = attn(m++, h);
        if (level !== 0) h = block(m++, h, tembAct, featAct);
      }
      const gn = mod(m);
      if (gn.className !== 'GroupNorm') throw new CheckpointError(`NCSN++: module ${m} is ${gn.className}, expected GroupNorm`);
      h = report(m, 'GroupNorm', groupNorm(h, w.vector(`all_modules.${m}.weight`), w.vector(`all_modules.${m}.bias`), gn.groups, 1e-6));
      h = silu(h);
      m++;
      h = report(m, 'Conv2d', conv2d(h, w.filter(`all_modules.${m}.weight`), w.vector(`all_modules.${m}.bias`)));
      m++;
      if (m !== mods.length) throw new CheckpointError(`NCSN++: forward used ${m} modules, the spec has ${mods.length}`);
      if (c.scaleBySigma) h = tf.div(h, sigmas.reshape([batch, 1, 1, 1]));
      return h;
    });
  }

  private checkInputs(x: tf.Tensor, y: tf.Tensor, sigmas: tf.Tensor, feat: tf.Tensor): void {
    const s = this.config.imageSize;
    const expect4 = (name: string, t: tf.Tensor): void => {
      if (t.rank !== 4 || t.shape[1] !== s || t.shape[2] !== s || t.shape[3] !== 3) {
        throw new InputError(`NCSN++ forward: ${name} must be [B,${s},${s},3] NHWC, received ${shapeText(t.shape)}`, { option: name });
      }
    };
    expect4('xNHWC', x);
    expect4('yNHWC', y);
    const b = x.shape[0] ?? 0;
    if (y.shape[0] !== b) throw new InputError(`NCSN++ forward: yNHWC batch ${String(y.shape[0])} differs from xNHWC batch ${b}`, { option: 'yNHWC' });
    if (sigmas.rank !== 1 || sigmas.shape[0] !== b) {
      throw new InputError(`NCSN++ forward: sigmas must be [${b}], received ${shapeText(sigmas.shape)}`, { option: 'sigmas' });
    }
    if (feat.rank !== 2 || feat.shape[0] !== b || feat.shape[1] !== this.config.featDim) {
      throw new InputError(`NCSN++ forward: feat must be [${b},${this.config.featDim}], received ${shapeText(feat.shape)}`, { option: 'feat' });
    }
    for (const [name, t] of [['xNHWC', x], ['yNHWC', y], ['sigmas', sigmas], ['feat', feat]] as const) {
      if (t.dtype !== 'float32') throw new InputError(`NCSN++ forward: ${name} must be float32, received ${t.dtype}`, { option: name });
    }
  }

  private assertAlive(): void {
    if (this.disposed) throw new InputError('NCSN++ model used after dispose()');
  }

  /** Frees every tensor of the model. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.weights.dispose();
    this.disposed = true;
  }
}
