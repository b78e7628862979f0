import type { AttrInput } from './onnx-graph-builder';
import type { NcsnppConfig } from '../../model-config';
import type { NcsnppModuleSpec, NcsnppSpec } from '../../models';
import type { OnnxFeatureMap as Fmap } from './winograd-conv3x3';

/** A builder's primitives: an OnnxGraphBuilder for the inference export, an OnnxTape for the training graph. */
export interface NcsnppOnnxOps {
  op(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, AttrInput>>): string;
  scalar(value: number): string;
  int64s(values: readonly number[]): string;
  withScope<T>(scope: string, fn: () => T): T;
}

/**
 * The layers whose ONNX form differs between the inference export and the training graph
 * (weights as initializers or as graph inputs in the trainer's layout, GroupNorm and SiLU with or
 * without custom gradients, Winograd convolutions, the attention projections).
 */
export interface NcsnppOnnxLayers {
  /** The tensor `name` of the state dict (e.g. 'all_modules.0.W'), as the graph holds it. */
  weight(name: string): string;
  /** Whether the model has the tensor `name` (e.g. 'feature_proj.weight'). */
  has(name: string): boolean;
  silu(x: string): string;
  /** The Linear `pre` (`pre.weight`, `pre.bias`) on rows [B, in]. */
  linear(x: string, pre: string): string;
  conv(x: Fmap, pre: string, outCh: number, kernel: 1 | 3): Fmap;
  groupNorm(x: Fmap, pre: string): Fmap;
  /** FIR downsampling by 2 (upfirdn2d). */
  downsample(x: Fmap): Fmap;
  /** FIR upsampling by 2 (upfirdn2d). */
  upsample(x: Fmap): Fmap;
  /** An attention block's q, k and v ([B,HW,C] each) from its normalised tokens [B,HW,C] (NIN_0..2). */
  attentionQkv(pre: string, tokens: string, c: number): { readonly q: string; readonly k: string; readonly v: string };
  /** Throws the exporter's error for a graph that does not match the spec (a bug or a config/spec mismatch). */
  fail(message: string): never;
}

/**
 * The NCSN++ score network of FASR as ONNX nodes, in NCHW, from `xNHWC`, `yNHWC`, `sigmas` and
 * `feat` (graph values of those names) to the score [B,3,S,S] (divided by sigma when
 * scaleBySigma): the one forward of `exportNcsnppOnnx` and `exportNcsnppTrainOnnx`, node for node
 * the module order of the spec (fixtures README section 2 is the exact forward). The caller
 * transposes the result to NHWC.
 */
export function ncsnppOnnxForward(ops: NcsnppOnnxOps, layers: NcsnppOnnxLayers, spec: NcsnppSpec, config: NcsnppConfig): string {
  const l: NcsnppOnnxOps & NcsnppOnnxLayers = { op: ops.op.bind(ops), scalar: ops.scalar.bind(ops), int64s: ops.int64s.bind(ops), withScope: ops.withScope.bind(ops), ...layers };
  const S = config.imageSize;
  const mods = spec.modules;
  const mod = <C extends NcsnppModuleSpec['className']>(i: number, className: C): Extract<NcsnppModuleSpec, { readonly className: C }> => {
    const md = mods[i];
    if (md === undefined) l.fail(`module index ${i} out of range (${mods.length} modules)`);
    if (md.className !== className) l.fail(`module ${i} is ${md.className}, expected ${className}`);
    return md as Extract<NcsnppModuleSpec, { readonly className: C }>;
  };
  const rescale = (v: string): string => (config.skipRescale ? l.op('Div', [v, l.scalar(Math.SQRT2)]) : v);

  let m = 0;
  // Gaussian Fourier embedding: x_proj = ((log(sigma) * W) * 2) * pi in float32, left to right.
  const logSigma = l.op('Reshape', [l.op('Log', ['sigmas']), l.int64s([-1, 1])]);
  const xProj = l.op('Mul', [l.op('Mul', [l.op('Mul', [logSigma, l.weight('all_modules.0.W')]), l.scalar(2)]), l.scalar(Math.PI)]);
  let temb = l.op('Concat', [l.op('Sin', [xProj]), l.op('Cos', [xProj])], { axis: -1 });
  m++;
  temb = l.linear(temb, `all_modules.${m}`);
  m++;
  temb = l.linear(l.silu(temb), `all_modules.${m}`);
  // FASR: per-row min-max of the descriptor (constant rows -> 0, as the tfjs model), then the same Linear.
  const fMin = l.op('ReduceMin', ['feat'], { axes: [1], keepdims: 1 });
  const range = l.op('Sub', [l.op('ReduceMax', ['feat'], { axes: [1], keepdims: 1 }), fMin]);
  const safeRange = l.op('Where', [l.op('Greater', [range, l.scalar(0)]), range, l.scalar(1)]);
  let featN = l.op('Div', [l.op('Sub', ['feat', fMin]), safeRange]);
  if (l.has('feature_proj.weight')) featN = l.linear(featN, 'feature_proj');
  const featEmb = l.linear(l.silu(featN), `all_modules.${m}`);
  m++;
  const tembAct = l.silu(temb);
  const featAct = l.silu(featEmb);

  const resBlock = (i: number, x: Fmap): Fmap => {
    const md = mod(i, 'ResnetBlockBigGANpp');
    const pre = `all_modules.${i}`;
    return l.withScope(pre, () => {
      let xs = x;
      let h = l.groupNorm(xs, `${pre}.GroupNorm_0`);
      h = { ...h, v: l.silu(h.v) };
      if (md.up) {
        h = l.upsample(h);
        xs = l.upsample(xs);
      } else if (md.down) {
        h = l.downsample(h);
        xs = l.downsample(xs);
      }
      h = l.conv(h, `${pre}.Conv_0`, md.outCh, 3);
      const bias = l.op('Add', [l.linear(tembAct, `${pre}.Dense_0`), l.linear(featAct, `${pre}.Dense_1`)]);
      h = { ...h, v: l.op('Add', [h.v, l.op('Reshape', [bias, l.int64s([0, md.outCh, 1, 1])])]) };
      h = l.groupNorm(h, `${pre}.GroupNorm_1`);
      h = l.conv({ ...h, v: l.silu(h.v) }, `${pre}.Conv_1`, md.outCh, 3);
      if (md.inCh !== md.outCh || md.up || md.down) xs = l.conv(xs, `${pre}.Conv_2`, md.outCh, 1);
      return { v: rescale(l.op('Add', [xs.v, h.v])), c: md.outCh, s: h.s };
    });
  };
  const attn = (i: number, x: Fmap): Fmap => {
    mod(i, 'AttnBlockpp');
    const pre = `all_modules.${i}`;
    return l.withScope(pre, () => {
      const { c, s } = x;
      const h = l.groupNorm(x, `${pre}.GroupNorm_0`);
      const tokens = l.op('Transpose', [l.op('Reshape', [h.v, l.int64s([0, c, s * s])])], { perm: [0, 2, 1] }); // [B,HW,C]
      const { q, k, v } = l.attentionQkv(pre, tokens, c);
      // einsum('bchw,bcij->bhwij', q, k) * C**-0.5, softmax over all (i, j).
      const logits = l.op('Mul', [l.op('MatMul', [q, l.op('Transpose', [k], { perm: [0, 2, 1] })]), l.scalar(c ** -0.5)]);
      const o = l.op('MatMul', [l.op('Softmax', [logits], { axis: -1 }), v]);
      const nin3 = l.op('Add', [l.op('MatMul', [o, l.weight(`${pre}.NIN_3.W`)]), l.weight(`${pre}.NIN_3.b`)]);
      const out = l.op('Reshape', [l.op('Transpose', [nin3], { perm: [0, 2, 1] }), l.int64s([0, c, s, s])]);
      return { v: rescale(l.op('Add', [x.v, out])), c, s };
    });
  };

  // merge_xy: [x_r, y_r, x_g, y_g, x_b, y_b] in NCHW.
  const toNchw = (v: string): string => l.op('Reshape', [l.op('Transpose', [v], { perm: [0, 3, 1, 2] }), l.int64s([0, 3, 1, S, S])]);
  let x6 = l.op('Reshape', [l.op('Concat', [toNchw('xNHWC'), toNchw('yNHWC')], { axis: 2 }), l.int64s([0, 6, S, S])]);
  if (!config.centered) x6 = l.op('Sub', [l.op('Mul', [x6, l.scalar(2)]), l.scalar(1)]);
  let pyramid: Fmap = { v: x6, c: 6, s: S };
  const hs: Fmap[] = [l.conv(pyramid, `all_modules.${m}`, config.nf, 3)];
  m++;
  const last = (): Fmap => {
    const h = hs[hs.length - 1];
    if (h === undefined) l.fail('skip-connection stack exhausted (config/spec mismatch)');
    return h;
  };
  const levels = config.chMult.length;
  for (let level = 0; level < levels; level++) {
    for (let b = 0; b < config.numResBlocks; b++) {
      let h = resBlock(m++, last());
      if (config.attnResolutions.includes(h.s)) h = attn(m++, h);
      hs.push(h);
    }
    if (level !== levels - 1) {
      const h = resBlock(m++, last());
      pyramid = l.downsample(pyramid);
      const combined = l.conv(pyramid, `all_modules.${m}.Conv_0`, h.c, 1);
      m++;
      hs.push({ v: l.op('Add', [combined.v, h.v]), c: h.c, s: h.s });
    }
  }
  let h = last();
  h = resBlock(m++, h);
  h = attn(m++, h);
  h = resBlock(m++, h);
  for (let level = levels - 1; level >= 0; level--) {
    for (let b = 0; b <= config.numResBlocks; b++) {
      const skip = hs.pop();
      if (skip === undefined) l.fail('skip-connection stack exhausted (config/spec mismatch)');
      h = resBlock(m++, { v: l.op('Concat', [h.v, skip.v], { axis: 1 }), c: h.c + skip.c, s: h.s });
    }
    if (config.attnResolutions.includes(h.s)) h = attn(m++, h);
    if (level !== 0) h = resBlock(m++, h);
  }
  mod(m, 'GroupNorm');
  h = l.groupNorm(h, `all_modules.${m}`);
  h = { ...h, v: l.silu(h.v) };
  m++;
  h = l.conv(h, `all_modules.${m}`, config.numChannels / 2, 3);
  m++;
  if (m !== mods.length) l.fail(`graph used ${m} modules, the spec has ${mods.length}`);
  let score = h.v;
  if (config.scaleBySigma) score = l.op('Div', [score, l.op('Reshape', ['sigmas', l.int64s([-1, 1, 1, 1])])]);
  return score;
}
