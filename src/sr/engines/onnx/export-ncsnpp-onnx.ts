import { CheckpointError } from '../../../contracts';
import type { StateDict } from '../../checkpoint';
import { numel } from '../../checkpoint';
import type { NcsnppConfig } from '../../model-config';
import { buildNcsnppSpec, checkNcsnppStateDict, firKernel2d, groupNormGroups } from '../../models';
import { ncsnppOnnxForward } from './ncsnpp-onnx-forward';
import { encodeOnnxModel } from './onnx-proto';
import type { OnnxValueInfo } from './onnx-proto';
import { OnnxGraphBuilder } from './onnx-graph-builder';
import { emitWinogradConv3x3 } from './winograd-conv3x3';
import type { OnnxFeatureMap as Fmap } from './winograd-conv3x3';

/** Opset of the exported graph (onnxruntime 1.30 implements it fully on CPU and CUDA). */
export const NCSNPP_ONNX_OPSET = 17;
/** IR version matching opset 17. */
export const NCSNPP_ONNX_IR_VERSION = 8;
/** `metadata_props` key holding the format tag, and its value. */
export const NCSNPP_ONNX_FORMAT_KEY = 'fasr.format';
export const NCSNPP_ONNX_FORMAT = 'fasr-ncsnpp-score/1';
/** `metadata_props` key holding the NcsnppConfig as JSON. */
export const NCSNPP_ONNX_CONFIG_KEY = 'fasr.ncsnpp.config';

/** Names of the exported graph's inputs and output (all NHWC images, like the tfjs model). */
export const NCSNPP_ONNX_IO = Object.freeze({
  inputs: Object.freeze(['xNHWC', 'yNHWC', 'sigmas', 'feat'] as const),
  output: 'scoreNHWC',
});

/**
 * The form of the exported graph (the same function either way):
 * - 'direct': one ONNX Conv per convolution, GroupNorm as a ReduceMean two-pass decomposition, FIR
 *   upsampling as a depthwise ConvTranspose; the reference form, closest to the authors' code.
 * - 'fast' (for CPUs): 3x3 convolutions with at least {@link WINOGRAD_MIN_CHANNELS} input and output
 *   channels on {@link WINOGRAD_MAP_SIZES} px maps become Winograd F(4x4,3x3) (4x fewer
 *   multiplications; see winograd-conv3x3.ts), GroupNorm is Reshape + InstanceNormalization, and
 *   FIR upsampling with the [1,3,3,1] kernel is bilinear Resize times a border mask (exact: the
 *   same 1/4, 3/4 taps; Resize clamps at the border where upfirdn2d pads zeros, so border rows and
 *   columns are scaled by 3/4). Other FIR kernels keep the ConvTranspose.
 */
export const NCSNPP_ONNX_GRAPH_FORMS = ['direct', 'fast'] as const;
export type NcsnppOnnxGraphForm = (typeof NCSNPP_ONNX_GRAPH_FORMS)[number];

/**
 * Where Winograd pays on onnxruntime's CPU provider (measured on the paper config, docs/engines.md):
 * with fewer channels or on 128 px maps the tile transforms' memory traffic costs more than the
 * saved multiplications (and at 128 px the timings turned erratic), and on maps of 16 px or less
 * the small GEMMs run too far below peak to win.
 */
export const WINOGRAD_MIN_CHANNELS = 128;
export const WINOGRAD_MAP_SIZES: readonly number[] = Object.freeze([32, 64]);

/** Largest serialised ModelProto protobuf can represent (2 GiB - 1). */
const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

/** upfirdn2d's FIR kernel for ConvTranspose (not flipped): outer(k,k)/sum(k)^2 * gain. */
function firKernelUnflipped(k: readonly number[], gain: number): number[] {
  const sum = k.reduce((a, b) => a + b, 0);
  return k.flatMap((a) => k.map((b) => ((a * b) / (sum * sum)) * gain));
}

function tile(kernel: readonly number[], times: number): Float32Array {
  const out = new Float32Array(kernel.length * times);
  for (let i = 0; i < times; i++) out.set(kernel, i * kernel.length);
  return out;
}

/**
 * Exports the NCSN++ score network of FASR to ONNX (opset 17), built node by node from the same
 * module spec and state_dict as `NcsnppModel` (src/sr/models; fixtures README section 2 is the exact
 * forward). The graph works in NCHW inside (onnxruntime's CPU convolutions are NCHW) and takes and
 * returns NHWC at its boundary (one Transpose each), so the tensors a tfjs sampler holds feed it
 * unchanged:
 *
 *   inputs  `xNHWC` [B,S,S,3], `yNHWC` [B,S,S,3] (LR, bicubic-upsampled), `sigmas` [B] (> 0),
 *           `feat` [B,featDim] (raw F_M; min-max normalised per row inside)
 *   output  `scoreNHWC` [B,S,S,3] = NCSNpp(merge_xy(x, y), sigma, feat) (divided by sigma when scaleBySigma)
 *
 * B is symbolic ('batch'). Weights are initializers named as in the authors' state_dict (raw
 * little-endian float32). GroupNorm is a two-pass Reshape/ReduceMean decomposition (torch's
 * biased variance, eps 1e-6); FIR downsampling is a depthwise stride-2 Conv, FIR upsampling a
 * depthwise stride-2 ConvTranspose (both exactly upfirdn2d with zero padding). The same inputs
 * always give the same bytes.
 *
 * Build the state dict with `NcsnppModel#toStateDict()` or `loadTorchStateDict` (names without
 * `module.`, the float64 `sigmas` buffer included; it is checked but not exported).
 *
 * @param form 'direct' (default; the reference form) or 'fast' (see {@link NCSNPP_ONNX_GRAPH_FORMS})
 * @returns the serialised ModelProto
 * @throws CheckpointError for a missing, extra, misshapen or wrongly typed tensor, or a model over protobuf's 2 GiB.
 */
export function exportNcsnppOnnx(config: NcsnppConfig, stateDict: StateDict, form: NcsnppOnnxGraphForm = 'direct'): Uint8Array {
  const spec = buildNcsnppSpec(config);
  checkNcsnppStateDict(spec, stateDict, 'ONNX export: state dict');
  const g = new OnnxGraphBuilder();
  const S = config.imageSize;
  const eps = 1e-6;

  const raw = (name: string): Float32Array => {
    const t = stateDict.get(name);
    if (t === undefined || !(t.data instanceof Float32Array)) throw new CheckpointError(`ONNX export: no float32 tensor "${name}"`, { tensor: name });
    return t.data;
  };
  const weights = new Map<string, string>();
  /** The state_dict tensor `name` as an initializer, optionally viewed with other dims (same values). */
  const weight = (name: string, dims?: readonly number[]): string => {
    const cached = weights.get(name);
    if (cached !== undefined) return cached;
    const t = stateDict.get(name);
    if (t === undefined) throw new CheckpointError(`ONNX export: no tensor "${name}"`, { tensor: name });
    const v = g.floats(name, dims ?? t.shape, raw(name));
    weights.set(name, v);
    return v;
  };
  const channelVector = (name: string, c: number): string => weight(name, [c, 1, 1]);

  const silu = (x: string): string => g.op('Mul', [x, g.op('Sigmoid', [x])]);
  const linear = (x: string, pre: string): string => g.op('Gemm', [x, weight(`${pre}.weight`), weight(`${pre}.bias`)], { transB: 1 });
  const fast = form === 'fast';
  const conv = (x: Fmap, pre: string, outCh: number, kernel: 1 | 3): Fmap => {
    if (fast && kernel === 3 && x.c >= WINOGRAD_MIN_CHANNELS && outCh >= WINOGRAD_MIN_CHANNELS && WINOGRAD_MAP_SIZES.includes(x.s)) {
      // The initializer holds G g G^T [36, O, C], not the state_dict tensor: it gets its own name.
      const v = emitWinogradConv3x3(g, x, outCh, raw(`${pre}.weight`), raw(`${pre}.bias`), { weight: `${pre}.weight/winograd-f4`, bias: `${pre}.bias` });
      return { v, c: outCh, s: x.s };
    }
    const p = kernel === 3 ? 1 : 0;
    return { v: g.op('Conv', [x.v, weight(`${pre}.weight`), weight(`${pre}.bias`)], { kernel_shape: [kernel, kernel], pads: [p, p, p, p] }), c: outCh, s: x.s };
  };
  // torch.nn.GroupNorm: (x - mean) / sqrt(var + eps) * gamma + beta, biased variance over (C/G, H, W), two passes.
  const groupNorm = (x: Fmap, pre: string): Fmap => {
    const groups = groupNormGroups(x.c);
    const r = g.op('Reshape', [x.v, g.int64s([0, groups, -1])]);
    if (fast) {
      const ones = g.sharedFloats(`groupnorm/ones/g${groups}`, [groups], () => new Float32Array(groups).fill(1));
      const zeros = g.sharedFloats(`groupnorm/zeros/g${groups}`, [groups], () => new Float32Array(groups));
      const n = g.op('Reshape', [g.op('InstanceNormalization', [r, ones, zeros], { epsilon: eps }), g.int64s([0, x.c, x.s, x.s])]);
      return { v: g.op('Add', [g.op('Mul', [n, channelVector(`${pre}.weight`, x.c)]), channelVector(`${pre}.bias`, x.c)]), c: x.c, s: x.s };
    }
    const mean = g.op('ReduceMean', [r], { axes: [2], keepdims: 1 });
    const d = g.op('Sub', [r, mean]);
    const variance = g.op('ReduceMean', [g.op('Mul', [d, d])], { axes: [2], keepdims: 1 });
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
    const n = g.op('Reshape', [g.op('Mul', [d, inv]), g.int64s([0, x.c, x.s, x.s])]);
    return { v: g.op('Add', [g.op('Mul', [n, channelVector(`${pre}.weight`, x.c)]), channelVector(`${pre}.bias`, x.c)]), c: x.c, s: x.s };
  };
  const k = config.firKernel;
  const K = k.length;
  // upfirdn2d(down=2, pad=((p+1)//2, p//2)), p = K-2: depthwise Conv (correlation: flipped taps), stride 2.
  const downsample = (x: Fmap): Fmap => {
    const w = g.sharedFloats(`fir/down/c${x.c}`, [x.c, 1, K, K], () => tile(firKernel2d(k, 1), x.c));
    const lo = Math.floor((K - 1) / 2);
    const hi = Math.floor((K - 2) / 2);
    return { v: g.op('Conv', [x.v, w], { group: x.c, kernel_shape: [K, K], strides: [2, 2], pads: [lo, lo, hi, hi] }), c: x.c, s: x.s / 2 };
  };
  // upfirdn2d(up=2, pad=(lo, hi)) with lo = (p+1)//2+1, gain 4 == depthwise ConvTranspose, stride 2,
  // pads (K-1-lo, lo-1): out[j] = sum_i x[i] k[j + K-1-lo - 2i].
  const bilinearFir = k.length === 4 && k[0] === 1 && k[1] === 3 && k[2] === 3 && k[3] === 1;
  const upsample = (x: Fmap): Fmap => {
    if (fast && bilinearFir) {
      const s2 = x.s * 2;
      const mask = g.sharedFloats(`fir/up/border-mask/${s2}`, [s2, s2], () => {
        const edge = (i: number): number => (i === 0 || i === s2 - 1 ? 0.75 : 1);
        const values = new Float32Array(s2 * s2);
        for (let i = 0; i < s2; i++) for (let j = 0; j < s2; j++) values[i * s2 + j] = edge(i) * edge(j);
        return values;
      });
      const up = g.op('Resize', [x.v, '', g.sharedFloats('resize/scales/x2', [4], () => [1, 1, 2, 2])], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
      return { v: g.op('Mul', [up, mask]), c: x.c, s: s2 };
    }
    const w = g.sharedFloats(`fir/up/c${x.c}`, [x.c, 1, K, K], () => tile(firKernelUnflipped(k, 4), x.c));
    const lo = Math.floor((K - 1) / 2) + 1;
    const b = K - 1 - lo;
    const e = lo - 1;
    return { v: g.op('ConvTranspose', [x.v, w], { group: x.c, kernel_shape: [K, K], strides: [2, 2], pads: [b, b, e, e] }), c: x.c, s: x.s * 2 };
  };
  const inputs: OnnxValueInfo[] = [
    { name: 'xNHWC', dtype: 'float32', shape: ['batch', S, S, 3] },
    { name: 'yNHWC', dtype: 'float32', shape: ['batch', S, S, 3] },
    { name: 'sigmas', dtype: 'float32', shape: ['batch'] },
    { name: 'feat', dtype: 'float32', shape: ['batch', config.featDim] },
  ];
  const outputs: OnnxValueInfo[] = [{ name: NCSNPP_ONNX_IO.output, dtype: 'float32', shape: ['batch', S, S, 3] }];

  // an attention block's q, k, v: NIN_0..2 as the state dict holds them
  const attentionQkv = (pre: string, tokens: string): { q: string; k: string; v: string } => {
    const nin = (j: number): string => g.op('Add', [g.op('MatMul', [tokens, weight(`${pre}.NIN_${j}.W`)]), weight(`${pre}.NIN_${j}.b`)]);
    const q = nin(0);
    const k = nin(1);
    return { q, k, v: nin(2) };
  };
  const fail = (message: string): never => {
    throw new CheckpointError(`ONNX export: ${message}`);
  };
  const has = (name: string): boolean => stateDict.has(name);
  const score = ncsnppOnnxForward(g, { weight, has, silu, linear, conv, groupNorm, downsample, upsample, attentionQkv, fail }, spec, config);
  g.op('Transpose', [score], { perm: [0, 2, 3, 1] });
  g.renameLastOutput(NCSNPP_ONNX_IO.output);

  const bytes = encodeOnnxModel({
    irVersion: NCSNPP_ONNX_IR_VERSION,
    opsetVersion: NCSNPP_ONNX_OPSET,
    producerName: 'fasr',
    producerVersion: '1',
    docString: 'FASR NCSN++ score network (NHWC in/out); see docs/engines.md',
    metadata: { [NCSNPP_ONNX_FORMAT_KEY]: NCSNPP_ONNX_FORMAT, [NCSNPP_ONNX_CONFIG_KEY]: JSON.stringify(config) },
    graph: g.build('ncsnpp_score', inputs, outputs),
  });
  if (bytes.byteLength > PROTOBUF_LIMIT_BYTES) {
    throw new CheckpointError(`ONNX export: the model is ${bytes.byteLength} bytes, over protobuf's 2 GiB limit (external data is not implemented)`);
  }
  return bytes;
}
