import type { NcsnppConfig } from '../../model-config';
import { buildNcsnppSpec, firKernel2d, groupNormGroups } from '../../models';
import { emitGradients } from './onnx-autodiff';
import type { EmitGradientsOptions } from './onnx-autodiff';
import { ncsnppOnnxForward } from './ncsnpp-onnx-forward';
import { encodeOnnxModel } from './onnx-proto';
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-proto';
import { OnnxTape } from './onnx-tape';
import { NCSNPP_ONNX_IR_VERSION, NCSNPP_ONNX_OPSET } from './export-ncsnpp-onnx';

/**
 * A tensor the training graph takes as input, in the trainer's (tfjs) layout: conv filters HWIO,
 * Linear and NIN weights (in,out), vectors; each attention block's q/k/v projections as one
 * concatenated `qkv.W` (C,3C) / `qkv.b` (3C), exactly as `NcsnppModel#trainableVariables()`.
 */
export interface NcsnppTrainParam {
  readonly name: string;
  readonly shape: readonly number[];
  /** False only for the frozen Fourier weights `all_modules.0.W` (an input without a gradient). */
  readonly trainable: boolean;
}

/**
 * The training graph's parameters in the order and layout of `NcsnppModel#trainableVariables()`,
 * followed by the frozen `all_modules.0.W`.
 */
export function ncsnppTrainParams(config: NcsnppConfig): NcsnppTrainParam[] {
  const spec = buildNcsnppSpec(config);
  const attn = new Map<string, number>();
  for (const m of spec.modules) if (m.className === 'AttnBlockpp') attn.set(`all_modules.${m.index}`, m.channels);
  const out: NcsnppTrainParam[] = [];
  const derived: NcsnppTrainParam[] = [];
  let fourier: NcsnppTrainParam | undefined;
  for (const p of spec.params) {
    if (p.buffer) continue;
    if (!p.trainable) {
      fourier = { name: p.name, shape: [...p.shape], trainable: false };
      continue;
    }
    const nin = /^(all_modules\.\d+)\.NIN_([012])\.([Wb])$/.exec(p.name);
    if (nin !== null) {
      const c = attn.get(nin[1] ?? '') ?? 0;
      if (nin[2] === '0') derived.push({ name: `${nin[1]}.qkv.${nin[3]}`, shape: nin[3] === 'W' ? [c, 3 * c] : [3 * c], trainable: true });
      continue;
    }
    const s = p.shape;
    const shape = p.layout === 'conv' ? [s[2] ?? 0, s[3] ?? 0, s[1] ?? 0, s[0] ?? 0] : p.layout === 'linear' ? [s[1] ?? 0, s[0] ?? 0] : [...s];
    out.push({ name: p.name, shape, trainable: true });
  }
  // trainableVariables() lists the derived qkv tensors after all others, W then b per block.
  const byBlock = [...attn.keys()].flatMap((pre) => [`${pre}.qkv.W`, `${pre}.qkv.b`]);
  for (const name of byBlock) {
    const d = derived.find((x) => x.name === name);
    if (d !== undefined) out.push(d);
  }
  if (fourier !== undefined) out.push(fourier);
  return out;
}

/** Names of the training graph's data inputs and outputs (images NHWC like the trainer's tensors). */
export const NCSNPP_TRAIN_IO = Object.freeze({
  /** x (network input, [B,S,S,3]), y (LR, [B,S,S,3]), sigmas [B], feat [B,featDim]. */
  network: Object.freeze(['xNHWC', 'yNHWC', 'sigmas', 'feat'] as const),
  /** Per-sample a_b, c_b, w_b [B] and the skip s_b and target y_b images [B,S,S,3] of the generic loss. */
  loss: Object.freeze(['lossA', 'lossC', 'lossW', 'lossSkipNHWC', 'lossTargetNHWC'] as const),
});

/** The serialised training graph and the names of its gradient outputs. */
export interface NcsnppTrainGraph {
  readonly bytes: Uint8Array;
  readonly params: readonly NcsnppTrainParam[];
  /** Graph output holding d loss / d param, by trainable parameter name. */
  readonly gradOutputs: ReadonlyMap<string, string>;
  /** Graph output of the scalar loss. */
  readonly lossOutput: string;
  /** Graph output of the per-sample sums sum_pixels (pred_b - target_b)^2, [B]. */
  readonly perSampleOutput: string;
  /** Multiply-adds of the network's forward pass for the whole batch (Conv, ConvTranspose, Gemm, MatMul). */
  readonly forwardMacs: number;
}

/** The training graph before serialisation ({@link buildNcsnppTrainModel}): the model and its names. */
export interface NcsnppTrainModel extends Omit<NcsnppTrainGraph, 'bytes'> {
  readonly model: OnnxModel;
}

/**
 * Forms of the training graph that compute the same values with different kernels (measured in
 * docs/onnx-training.md, A/B with scripts/profile-onnx-train-step.ts --ab); the defaults are the
 * fastest measured here.
 */
export interface NcsnppTrainGraphOptions extends EmitGradientsOptions {
  /**
   * SiLU's backward: `ops` differentiates y = x·sigmoid(x) node by node (six full-size passes),
   * `closed-form` emits dx = dy·(s + y·(1 − s)) with s = sigmoid(x) (four). Default `closed-form`.
   */
  readonly siluGradient?: 'ops' | 'closed-form';
  /**
   * GroupNorm's normalisation: `ops` as the inference exporter's direct form (ReduceMean, Sub, Mul,
   * ReduceMean, Sqrt, Reciprocal, Mul: five full-size passes), `layer-norm` one LayerNormalization
   * node over each group (its InvStdDev output feeds the same closed-form backward). Default
   * `ops`: `layer-norm` measured no faster, and onnxruntime's LayerNormalization takes the
   * variance as E[x²] − E[x]² in one pass (cancellation where |mean| ≫ std; from its source, untested).
   */
  readonly groupNorm?: 'ops' | 'layer-norm';
  /**
   * Runs the 3×3 stride-1 convolutions whose input and output channel counts are multiples of
   * this block size (the forward convs and the backward pass's dx convs, a forward conv of the
   * flipped filter) as onnxruntime's blocked-layout kernel: `com.microsoft.nchwc` ReorderInput →
   * Conv (its filter reordered OIHW → OIHWBiBo inside the graph, the weights being graph inputs)
   * → ReorderOutput (`nchwcConvGraph`). Must equal the machine's MLAS NCHWc block size (8 on
   * AVX2, 16 on AVX512F; detectNchwcBlockSize): with another, the convolutions compute wrong
   * values (the filter layout differs, and onnxruntime's shape checks pass when the channel
   * counts are multiples of both). 0 or left out: plain Conv
   * nodes (createOnnxTrainStep fills in the detected block size when left out: measured faster).
   */
  readonly nchwcConvBlock?: number;
}

/** The onnxruntime contrib domain of the blocked-layout (NCHWc) CPU kernels. */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

/**
 * Rewrites every plain 3×3 convolution of `graph` (default domain, stride 1, no dilation, one
 * group, filter [O, I, 3, 3] with O and I multiples of `block`, `shapeOf` giving the filter's
 * static shape) as ReorderInput → nchwc Conv → ReorderOutput, the filter reordered in the graph
 * from OIHW to MLAS's OIHWBiBo, D[ob][ib][u][v][bi][bo] = W[ob·B + bo][ib·B + bi][u][v]
 * (MlasReorderFilterOIHWBiBo): Reshape [O/B, B, I/B, B, 3, 3], Transpose (0, 2, 4, 5, 3, 1),
 * Reshape back to [O, I, 3, 3]. The nchwc Conv reads its filter at every run (no pre-packing),
 * so a filter computed in the graph is valid. Same values as the plain convolutions up to float32
 * summation order (scripts/nchwc-conv-probe.ts).
 */
export function nchwcConvGraph(graph: OnnxGraph, block: number, shapeOf: (value: string) => readonly number[]): OnnxGraph {
  if (!Number.isInteger(block) || block < 4 || block % 4 !== 0) throw new Error(`nchwcConvGraph: block must be a positive multiple of 4, received ${block}`);
  const extra: OnnxTensor[] = [];
  const i64 = new Map<string, string>();
  const int64s = (values: readonly number[]): string => {
    const key = values.join(',');
    let name = i64.get(key);
    if (name === undefined) {
      name = `const/nchwc/i64[${key}]`;
      extra.push({ name, dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
      i64.set(key, name);
    }
    return name;
  };
  const ints = (n: OnnxNode, key: string): readonly number[] | undefined => {
    const a = n.attributes[key];
    return a?.kind === 'ints' ? a.value : undefined;
  };
  const nodes: OnnxNode[] = [];
  for (const n of graph.nodes) {
    const [x = '', w = '', bias] = n.inputs;
    const ws = n.opType === 'Conv' && (n.domain ?? '') === '' ? shapeOf(w) : [];
    const group = n.attributes.group;
    const rewrite =
      ws.length === 4 &&
      ws[2] === 3 &&
      ws[3] === 3 &&
      (ws[0] ?? 0) % block === 0 &&
      (ws[1] ?? 0) % block === 0 &&
      (group === undefined || (group.kind === 'int' && group.value === 1)) &&
      (ints(n, 'strides') ?? [1, 1]).every((v) => v === 1) &&
      (ints(n, 'dilations') ?? [1, 1]).every((v) => v === 1);
    if (!rewrite) {
      nodes.push(n);
      continue;
    }
    const [co = 0, ci = 0] = ws;
    const p = `${n.name}/nchwc`;
    const node = (opType: string, inputs: readonly string[], attributes: OnnxNode['attributes'], domain?: string): string => {
      const name = `${p}/${opType}_${nodes.length}`;
      nodes.push({ opType, ...(domain === undefined ? {} : { domain }), name, inputs, outputs: [name], attributes });
      return name;
    };
    const r = node('Reshape', [w, int64s([co / block, block, ci / block, block, 3, 3])], {});
    const tr = node('Transpose', [r], { perm: { kind: 'ints', value: [0, 2, 4, 5, 3, 1] } });
    const wb = node('Reshape', [tr, int64s([co, ci, 3, 3])], {});
    const xb = node('ReorderInput', [x], {}, NCHWC_DOMAIN);
    const convAttrs: Record<string, OnnxNode['attributes'][string]> = {};
    for (const key of ['kernel_shape', 'pads', 'auto_pad'] as const) {
      const a = n.attributes[key];
      if (a !== undefined) convAttrs[key] = a;
    }
    const yb = node('Conv', bias === undefined || bias === '' ? [xb, wb] : [xb, wb, bias], convAttrs, NCHWC_DOMAIN);
    nodes.push({ opType: 'ReorderOutput', domain: NCHWC_DOMAIN, name: `${p}/ReorderOutput`, inputs: [yb], outputs: n.outputs, attributes: { channels: { kind: 'int', value: co } } });
  }
  return { ...graph, nodes, initializers: [...graph.initializers, ...extra] };
}

/** Multiply-adds of the Conv/ConvTranspose/Gemm/MatMul nodes recorded so far on `t`. */
function countMacs(t: OnnxTape): number {
  let macs = 0;
  const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  for (const n of t.nodes) {
    const out = t.shape(n.output);
    if (n.opType === 'Conv') {
      const w = t.shape(n.inputs[1] ?? '');
      macs += prod(out) * prod(w.slice(1));
    } else if (n.opType === 'ConvTranspose') {
      const w = t.shape(n.inputs[1] ?? '');
      macs += prod(t.shape(n.inputs[0] ?? '')) * prod(w.slice(1));
    } else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const a = t.shape(n.inputs[0] ?? '');
      const k = n.opType === 'Gemm' && n.attrs.transA === 1 ? a[a.length - 2] : a[a.length - 1];
      macs += prod(out) * (k ?? 0);
    }
  }
  return macs;
}

function tile(kernel: readonly number[], times: number): Float32Array {
  const out = new Float32Array(kernel.length * times);
  for (let i = 0; i < times; i++) out.set(kernel, i * kernel.length);
  return out;
}

function firKernelUnflipped(k: readonly number[], gain: number): number[] {
  const sum = k.reduce((a, b) => a + b, 0);
  return k.flatMap((a) => k.map((b) => ((a * b) / (sum * sum)) * gain));
}

interface Fm {
  readonly v: string;
  readonly c: number;
  readonly s: number;
}

/**
 * Builds the NCSN++ training graph (docs/onnx-training.md): the network's forward pass in the
 * exporter's 'direct' form (the same ops and order as `exportNcsnppOnnx(.., 'direct')`, weights
 * as graph inputs in the trainer's layout), the generic regression loss
 *
 *   F_b    = NCSNpp(merge_xy(x_b, y_b), sigma_b, feat_b)   (divided by sigma_b when scaleBySigma)
 *   pred_b = a_b * s_b + c_b * F_b
 *   loss   = sum_b w_b * sum_{h,w,ch} (pred_b - target_b)^2
 *
 * and its reverse-mode gradient with respect to every trainable parameter (onnx-autodiff.ts).
 * Shapes are static: batch `batchSize`, side `config.imageSize`.
 *
 * @param options how some gradients are formed (the same values either way; for measurements)
 * @throws Error if an op on the differentiated path has no gradient rule (a bug, not bad input).
 */
export function exportNcsnppTrainOnnx(config: NcsnppConfig, batchSize: number, options: NcsnppTrainGraphOptions = {}): NcsnppTrainGraph {
  const { model, ...rest } = buildNcsnppTrainModel(config, batchSize, options);
  return { bytes: encodeOnnxModel(model), ...rest };
}

/**
 * The graph of {@link exportNcsnppTrainOnnx} before serialisation (measurement scripts rewrite
 * it, e.g. scripts/profile-onnx-train-step.ts).
 */
export function buildNcsnppTrainModel(config: NcsnppConfig, batchSize: number, options: NcsnppTrainGraphOptions = {}): NcsnppTrainModel {
  const spec = buildNcsnppSpec(config);
  const params = ncsnppTrainParams(config);
  const t = new OnnxTape();
  const B = batchSize;
  const S = config.imageSize;
  const eps = 1e-6;
  const inputs: OnnxValueInfo[] = [];
  const input = (name: string, shape: readonly number[]): string => {
    inputs.push({ name, dtype: 'float32', shape: [...shape] });
    return t.declare(name, shape);
  };
  input('xNHWC', [B, S, S, 3]);
  input('yNHWC', [B, S, S, 3]);
  input('sigmas', [B]);
  input('feat', [B, config.featDim]);
  for (const n of NCSNPP_TRAIN_IO.loss) input(n, n.endsWith('NHWC') ? [B, S, S, 3] : [B]);
  const paramShape = new Map<string, readonly number[]>();
  for (const p of params) {
    input(p.name, p.shape);
    paramShape.set(p.name, p.shape);
  }
  const param = (name: string): string => {
    if (!paramShape.has(name)) throw new Error(`ONNX training graph: no parameter "${name}"`);
    return name;
  };
  const vec = (name: string, c: number): string => t.op('Reshape', [param(name), t.int64s([c, 1, 1])]);

  const siluClosedForm = (options.siluGradient ?? 'closed-form') === 'closed-form';
  const silu = (x: string): string => {
    const sig = t.op('Sigmoid', [x]);
    const y = t.op('Mul', [x, sig]);
    // d/dx x s(x) = s + x s (1 - s) = s + y (1 - s).
    if (siluClosedForm) t.customGradient(y, [x], (dy) => [t.op('Mul', [dy, t.op('Add', [sig, t.op('Mul', [y, t.op('Sub', [t.scalar(1), sig])])])])]);
    return y;
  };
  // Weights (in,out) as tfjs holds them: y = x W + b.
  const linear = (x: string, pre: string): string => t.op('Gemm', [x, param(`${pre}.weight`), param(`${pre}.bias`)]);
  const conv = (x: Fm, pre: string, outCh: number, kernel: 1 | 3): Fm => {
    const p = kernel === 3 ? 1 : 0;
    const w = t.op('Transpose', [param(`${pre}.weight`)], { perm: [3, 2, 0, 1] }); // HWIO -> OIHW
    return { v: t.op('Conv', [x.v, w, param(`${pre}.bias`)], { kernel_shape: [kernel, kernel], pads: [p, p, p, p] }), c: outCh, s: x.s };
  };
  const groupNormLayerNorm = (options.groupNorm ?? 'ops') === 'layer-norm';
  const groupNorm = (x: Fm, pre: string): Fm => {
    const groups = groupNormGroups(x.c);
    const r = t.op('Reshape', [x.v, t.int64s([0, groups, -1])]);
    let nr: string;
    let inv: string;
    if (groupNormLayerNorm) {
      const len = (x.c / groups) * x.s * x.s;
      ({ y: nr, invStd: inv } = t.layerNorm(r, t.sharedFloats(`ones/${len}`, [len], () => new Float32Array(len).fill(1)), 2, eps));
    } else {
      const mean = t.op('ReduceMean', [r], { axes: [2], keepdims: 1 });
      const d = t.op('Sub', [r, mean]);
      const variance = t.op('ReduceMean', [t.op('Mul', [d, d])], { axes: [2], keepdims: 1 });
      inv = t.op('Reciprocal', [t.op('Sqrt', [t.op('Add', [variance, t.scalar(eps)])])]);
      nr = t.op('Mul', [d, inv]);
    }
    // Closed form instead of differentiating the five nodes above (6 full-size passes, not ~12):
    // dr = inv * (dn - mean(dn) - n * mean(dn * n)) over each group.
    t.customGradient(nr, [r], (dn) => {
      const m1 = t.op('ReduceMean', [dn], { axes: [2], keepdims: 1 });
      const m2 = t.op('ReduceMean', [t.op('Mul', [dn, nr])], { axes: [2], keepdims: 1 });
      return [t.op('Mul', [t.op('Sub', [t.op('Sub', [dn, m1]), t.op('Mul', [nr, m2])]), inv])];
    });
    const n = t.op('Reshape', [nr, t.int64s([0, x.c, x.s, x.s])]);
    return { v: t.op('Add', [t.op('Mul', [n, vec(`${pre}.weight`, x.c)]), vec(`${pre}.bias`, x.c)]), c: x.c, s: x.s };
  };
  const k = config.firKernel;
  const K = k.length;
  const downsample = (x: Fm): Fm => {
    const w = t.sharedFloats(`fir/down/c${x.c}`, [x.c, 1, K, K], () => tile(firKernel2d(k, 1), x.c));
    const lo = Math.floor((K - 1) / 2);
    const hi = Math.floor((K - 2) / 2);
    return { v: t.op('Conv', [x.v, w], { group: x.c, kernel_shape: [K, K], strides: [2, 2], pads: [lo, lo, hi, hi] }), c: x.c, s: x.s / 2 };
  };
  const upsample = (x: Fm): Fm => {
    const w = t.sharedFloats(`fir/up/c${x.c}`, [x.c, 1, K, K], () => tile(firKernelUnflipped(k, 4), x.c));
    const lo = Math.floor((K - 1) / 2) + 1;
    const b = K - 1 - lo;
    const e = lo - 1;
    return { v: t.op('ConvTranspose', [x.v, w], { group: x.c, kernel_shape: [K, K], strides: [2, 2], pads: [b, b, e, e] }), c: x.c, s: x.s * 2 };
  };
  // an attention block's q, k, v from one projection by the concatenated qkv weights (C,3C), as the trainer holds them
  const attentionQkv = (pre: string, tokens: string, c: number): { q: string; k: string; v: string } => {
    const qkv = t.op('Add', [t.op('MatMul', [tokens, param(`${pre}.qkv.W`)]), param(`${pre}.qkv.b`)]); // [B,HW,3C]
    const part = (j: number): string => t.op('Slice', [qkv, t.int64s([j * c]), t.int64s([(j + 1) * c]), t.int64s([2])]);
    const q = part(0);
    const k = part(1);
    return { q, k, v: part(2) };
  };
  const fail = (message: string): never => {
    throw new Error(`ONNX training graph: ${message}`);
  };
  const has = (name: string): boolean => paramShape.has(name);
  const net = ncsnppOnnxForward(t, { weight: param, has, silu, linear, conv, groupNorm, downsample, upsample, attentionQkv, fail }, spec, config);
  const fNHWC = t.op('Transpose', [net], { perm: [0, 2, 3, 1] });

  // Generic loss: sum_b w_b sum (a_b s_b + c_b F_b - target_b)^2.
  const perB = (n: string): string => t.op('Reshape', [n, t.int64s([-1, 1, 1, 1])]);
  const pred = t.op('Add', [t.op('Mul', [perB('lossA'), 'lossSkipNHWC']), t.op('Mul', [perB('lossC'), fNHWC])]);
  const diff = t.op('Sub', [pred, 'lossTargetNHWC']);
  const perSample = t.op('ReduceSum', [t.op('Mul', [diff, diff]), t.int64s([1, 2, 3])], { keepdims: 1 }); // [B,1,1,1]
  const loss = t.op('ReduceSum', [t.op('Mul', [perSample, perB('lossW')]), t.int64s([0, 1, 2, 3])], { keepdims: 0 });
  const perSampleOut = t.op('Reshape', [perSample, t.int64s([B])]);

  const forwardMacs = countMacs(t);
  const trainable = params.filter((p) => p.trainable).map((p) => p.name);
  const grads = emitGradients(t, loss, trainable, { convWeightGradient: options.convWeightGradient });
  const gradOutputs = new Map<string, string>();
  trainable.forEach((name, i) => gradOutputs.set(name, grads[i] as string));
  if (new Set(grads).size !== grads.length) throw new Error('ONNX training graph: two parameters share a gradient value');
  const outputs: OnnxValueInfo[] = [
    { name: loss, dtype: 'float32', shape: [] },
    { name: perSampleOut, dtype: 'float32', shape: [B] },
    ...trainable.map((name, i) => ({ name: grads[i] as string, dtype: 'float32' as const, shape: [...(paramShape.get(name) ?? [])] })),
  ];
  const block = options.nchwcConvBlock === 0 ? undefined : options.nchwcConvBlock;
  const built = t.g.build('ncsnpp_train', inputs, outputs);
  const model: OnnxModel = {
    irVersion: NCSNPP_ONNX_IR_VERSION,
    opsetVersion: NCSNPP_ONNX_OPSET,
    ...(block === undefined ? {} : { domainOpsets: { [NCHWC_DOMAIN]: 1 } }),
    producerName: 'fasr',
    producerVersion: '1',
    docString: 'FASR NCSN++ training step: forward, generic regression loss and reverse-mode gradients (docs/onnx-training.md)',
    metadata: { 'fasr.format': 'fasr-ncsnpp-train/1', 'fasr.ncsnpp.config': JSON.stringify(config), 'fasr.train.outputs': JSON.stringify({ loss, perSample: perSampleOut }) },
    graph: block === undefined ? built : nchwcConvGraph(built, block, (v) => t.shape(v)),
  };
  return { model, params, gradOutputs, lossOutput: loss, perSampleOutput: perSampleOut, forwardMacs };
}
