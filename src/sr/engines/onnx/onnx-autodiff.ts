import type { AttrInput } from './onnx-graph-builder';
import type { OnnxTape, TapeNode } from './onnx-tape';

type Attrs = Readonly<Record<string, AttrInput>>;

function ints(v: AttrInput | undefined, fallback: readonly number[]): readonly number[] {
  return Array.isArray(v) ? (v as readonly number[]) : fallback;
}

function int(v: AttrInput | undefined, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * How the weight gradient of a stride-1 convolution is computed (docs/onnx-training.md has the
 * measurements):
 * - `im2col-concat`: the k² shifted copies of the padded input concatenated into one
 *   [I·k², N·P·Q] matrix and one GEMM with dy (batch folded into the sum);
 * - `shifted-gemms`: one GEMM per shift (u, v) with that shift's slice, the k² small [O, I]
 *   results stacked: no concatenated copy of the k² slices;
 * - `batched-im2col`: im2col per sample in the input's own NCHW order ([N, k²·I, P·Q], no
 *   transpose of x), one batched MatMul with dy^T per sample, summed over the batch: the result
 *   comes out in HWIO order;
 * - `batched-shifts`: per shift (u, v) one MatMul batched over the samples, x's shifted slice
 *   [N, I, P·Q] (NCHW, no transpose of x) times dy^T [N, P·Q, O], summed over the batch: k²
 *   [I, O] results stacked in HWIO order (no concatenated copy, and the batch gives onnxruntime's
 *   two threads independent products); where O < I, dy is shifted instead of x (fewer channels
 *   copied k² times).
 */
export type ConvWeightGradient = 'im2col-concat' | 'shifted-gemms' | 'batched-im2col' | 'batched-shifts';

/** The valid {@link ConvWeightGradient} values. */
export const CONV_WEIGHT_GRADIENTS: readonly ConvWeightGradient[] = Object.freeze(['im2col-concat', 'shifted-gemms', 'batched-im2col', 'batched-shifts']);

/** Options of {@link emitGradients}. */
export interface EmitGradientsOptions {
  /** Weight-gradient form of stride-1 Conv nodes; default `batched-shifts`. */
  readonly convWeightGradient?: ConvWeightGradient;
}

/**
 * Reverse-mode differentiation of a recorded ONNX graph (docs/onnx-training.md has the maths of
 * every rule): walks the tape backwards from `loss` (a scalar) and emits, into the same graph, the
 * nodes computing d loss / d v for every value v in `wrt`. Only nodes on a path from `wrt` to the
 * loss get gradients. Values reached by several paths get the sum of the contributions.
 *
 * @returns gradient value name per entry of `wrt` (same order)
 * @throws Error when a node on the differentiated path has no gradient rule (so a graph that
 *   cannot be differentiated fails at build time), or `loss` is not a scalar.
 */
export function emitGradients(t: OnnxTape, loss: string, wrt: readonly string[], options: EmitGradientsOptions = {}): string[] {
  const convWeightGradient = options.convWeightGradient ?? 'batched-shifts';
  if (t.shape(loss).length !== 0) throw new Error(`ONNX autodiff: loss "${loss}" must be a scalar, has shape [${t.shape(loss).join(',')}]`);
  const forward = [...t.nodes];
  // Values that depend on a wrt value.
  const live = new Set(wrt);
  for (const n of forward) if (n.inputs.some((i) => live.has(i))) live.add(n.output);
  if (!live.has(loss)) throw new Error('ONNX autodiff: the loss does not depend on any differentiated value');

  const contributions = new Map<string, string[]>();
  const add = (v: string, g: string): void => {
    if (!live.has(v)) return;
    const exp = t.shape(v);
    if (!sameShape(t.shape(g), exp)) throw new Error(`ONNX autodiff: gradient of "${v}" has shape [${t.shape(g).join(',')}], expected [${exp.join(',')}]`);
    const list = contributions.get(v) ?? [];
    list.push(g);
    contributions.set(v, list);
  };
  const total = (v: string): string | undefined => {
    const list = contributions.get(v);
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const s = t.op('Sum', list);
    contributions.set(v, [s]);
    return s;
  };
  /** Sums a broadcast gradient back to the input's shape. */
  const unbroadcast = (g: string, target: readonly number[]): string => {
    const gs = t.shape(g);
    if (sameShape(gs, target)) return g;
    const lead = gs.length - target.length;
    const axes: number[] = [];
    for (let i = 0; i < gs.length; i++) if (i < lead || (target[i - lead] === 1 && gs[i] !== 1)) axes.push(i);
    const r = axes.length > 0 ? t.op('ReduceSum', [g, t.int64s(axes)], { keepdims: 1 }) : g;
    return sameShape(t.shape(r), target) ? r : t.op('Reshape', [r, t.int64s(target)]);
  };
  const expandTo = (g: string, target: readonly number[]): string => (sameShape(t.shape(g), target) ? g : t.op('Expand', [g, t.int64s(target)]));

  add(loss, t.scalar(1));
  for (let idx = forward.length - 1; idx >= 0; idx--) {
    const n = forward[idx] as TapeNode;
    if (!live.has(n.output)) continue;
    const dy = total(n.output);
    if (dy === undefined) continue; // does not reach the loss
    const custom = t.customGradientOf(n.output);
    if (custom !== undefined) {
      const gs = t.withScope(`grad/${n.output}`, () => custom.rule(dy));
      custom.inputs.forEach((v, i) => add(v, gs[i] as string));
      continue;
    }
    const needs = n.inputs.map((i) => live.has(i));
    if (!needs.some((b) => b)) continue;
    t.withScope(`grad/${n.output}`, () => emitRule(t, n, dy, needs, add, unbroadcast, expandTo, convWeightGradient));
  }
  return wrt.map((w) => {
    const g = total(w);
    if (g === undefined) throw new Error(`ONNX autodiff: "${w}" does not reach the loss (no gradient)`);
    return g;
  });
}

function emitRule(
  t: OnnxTape,
  n: TapeNode,
  dy: string,
  needs: readonly boolean[],
  add: (v: string, g: string) => void,
  unbroadcast: (g: string, target: readonly number[]) => string,
  expandTo: (g: string, target: readonly number[]) => string,
  convWeightGradient: ConvWeightGradient,
): void {
  const [a = '', b = '', c = ''] = n.inputs;
  const y = n.output;
  const attrs: Attrs = n.attrs;
  const sa = (): readonly number[] => t.shape(a);
  const sb = (): readonly number[] => t.shape(b);
  switch (n.opType) {
    case 'Identity':
      add(a, dy);
      return;
    case 'Add': // y = a + b
      if (needs[0]) add(a, unbroadcast(dy, sa()));
      if (needs[1]) add(b, unbroadcast(dy, sb()));
      return;
    case 'Sub': // y = a - b
      if (needs[0]) add(a, unbroadcast(dy, sa()));
      if (needs[1]) add(b, unbroadcast(t.op('Neg', [dy]), sb()));
      return;
    case 'Mul': // y = a b
      if (a === b) {
        add(a, t.op('Mul', [t.op('Mul', [dy, a]), t.scalar(2)]));
        return;
      }
      if (needs[0]) add(a, unbroadcast(t.op('Mul', [dy, b]), sa()));
      if (needs[1]) add(b, unbroadcast(t.op('Mul', [dy, a]), sb()));
      return;
    case 'Div': // y = a / b: da = dy / b, db = -dy y / b
      if (needs[0]) add(a, unbroadcast(t.op('Div', [dy, b]), sa()));
      if (needs[1]) add(b, unbroadcast(t.op('Neg', [t.op('Div', [t.op('Mul', [dy, y]), b])]), sb()));
      return;
    case 'Neg':
      add(a, t.op('Neg', [dy]));
      return;
    case 'Sigmoid': // dx = dy y (1 - y)
      add(a, t.op('Mul', [dy, t.op('Mul', [y, t.op('Sub', [t.scalar(1), y])])]));
      return;
    case 'Sqrt': // dx = dy / (2 y)
      add(a, t.op('Div', [t.op('Mul', [dy, t.scalar(0.5)]), y]));
      return;
    case 'Reciprocal': // dx = -dy y^2
      add(a, t.op('Neg', [t.op('Mul', [dy, t.op('Mul', [y, y])])]));
      return;
    case 'Reshape':
      add(a, t.op('Reshape', [dy, t.int64s(sa())]));
      return;
    case 'Expand':
      add(a, unbroadcast(dy, sa()));
      return;
    case 'Transpose': {
      const perm = ints(attrs.perm, [...sa().keys()].reverse());
      const inv = perm.map((_, i) => perm.indexOf(i));
      add(a, t.op('Transpose', [dy], { perm: inv }));
      return;
    }
    case 'Concat': {
      const rank = sa().length;
      const axis = (int(attrs.axis, 0) + rank) % rank;
      let off = 0;
      n.inputs.forEach((v, i) => {
        const len = t.shape(v)[axis] ?? 0;
        if (needs[i]) add(v, t.op('Slice', [dy, t.int64s([off]), t.int64s([off + len]), t.int64s([axis])]));
        off += len;
      });
      return;
    }
    case 'Slice': {
      // Zero-padded back into place (axes, starts >= 0, step 1 as this project emits them).
      const x = sa();
      const starts = n.inputs[1] ?? '';
      const axesName = n.inputs[3] ?? '';
      const startVals = t.constValues(starts);
      const axes = t.constValues(axesName);
      const pads = new Array<number>(2 * x.length).fill(0);
      const ys = t.shape(y);
      axes.forEach((ax, i) => {
        const axis = ax < 0 ? ax + x.length : ax;
        const lo = startVals[i] ?? 0;
        pads[axis] = lo;
        pads[axis + x.length] = (x[axis] ?? 0) - lo - (ys[axis] ?? 0);
      });
      add(a, t.op('Pad', [dy, t.int64s(pads)]));
      return;
    }
    case 'ReduceMean': {
      // dx = broadcast(dy) / n over the reduced axes.
      if (int(attrs.keepdims, 1) !== 1) throw new Error('ONNX autodiff: ReduceMean without keepdims is not supported');
      const x = sa();
      const count = x.reduce((p, d) => p * d, 1) / t.shape(y).reduce((p, d) => p * d, 1);
      add(a, expandTo(t.op('Mul', [dy, t.scalar(1 / count)]), x));
      return;
    }
    case 'ReduceSum': {
      const x = sa();
      const keep = int(attrs.keepdims, 1) === 1;
      if (!keep && t.shape(y).length !== 0) throw new Error('ONNX autodiff: ReduceSum without keepdims must reduce to a scalar');
      add(a, expandTo(dy, x));
      return;
    }
    case 'Softmax': {
      // dx = y (dy - sum(dy y)) along the softmax axis (the last, as emitted here).
      const rank = sa().length;
      if ((int(attrs.axis, -1) + rank) % rank !== rank - 1) throw new Error('ONNX autodiff: Softmax only over the last axis');
      const s = t.op('ReduceSum', [t.op('Mul', [dy, y]), t.int64s([-1])], { keepdims: 1 });
      add(a, t.op('Mul', [y, t.op('Sub', [dy, s])]));
      return;
    }
    case 'MatMul': {
      // y = a b: da = dy b^T, db = a^T dy (summed over a's batch when b is a shared matrix).
      const ra = sa().length;
      const rb = sb().length;
      const tr = (v: string, r: number): string => t.op('Transpose', [v], { perm: [...Array(r - 2).keys(), r - 1, r - 2] });
      if (needs[0]) add(a, unbroadcast(t.op('MatMul', [dy, tr(b, rb)]), sa()));
      if (needs[1]) {
        if (rb === ra) add(b, unbroadcast(t.op('MatMul', [tr(a, ra), dy]), sb()));
        else if (rb === 2) {
          const k = sa()[ra - 1] ?? 0;
          const nOut = sb()[1] ?? 0;
          add(b, t.op('Gemm', [t.op('Reshape', [a, t.int64s([-1, k])]), t.op('Reshape', [dy, t.int64s([-1, nOut])])], { transA: 1 }));
        } else throw new Error(`ONNX autodiff: MatMul of ranks ${ra} x ${rb} is not supported`);
      }
      return;
    }
    case 'Gemm': {
      // y = a op(b) + c (alpha = beta = 1, transA = 0).
      if (int(attrs.transA, 0) !== 0 || (attrs.alpha !== undefined && attrs.alpha !== 1) || (attrs.beta !== undefined && attrs.beta !== 1)) {
        throw new Error('ONNX autodiff: Gemm only with transA = 0, alpha = beta = 1');
      }
      const transB = int(attrs.transB, 0);
      if (needs[0]) add(a, t.op('Gemm', [dy, b], { transB: transB === 1 ? 0 : 1 }));
      if (needs[1]) add(b, transB === 1 ? t.op('Gemm', [dy, a], { transA: 1 }) : t.op('Gemm', [a, dy], { transA: 1 }));
      if (c !== '' && needs[2]) add(c, unbroadcast(dy, t.shape(c)));
      return;
    }
    case 'Conv': {
      const x = sa();
      const w = sb();
      const strides = ints(attrs.strides, [1, 1]);
      const pads = ints(attrs.pads, [0, 0, 0, 0]);
      const group = int(attrs.group, 1);
      const k = ints(attrs.kernel_shape, w.slice(2));
      if (ints(attrs.dilations, [1, 1]).some((d) => d !== 1)) throw new Error('ONNX autodiff: dilated Conv is not supported');
      const ys = t.shape(y);
      const plain = group === 1 && strides.every((v) => v === 1);
      const [kh = 1, kw = 1] = k;
      if (needs[0]) {
        if (plain) {
          // Stride 1: dx = Conv(dy padded (k-1-p), w with in/out swapped and flipped in space), a
          // forward convolution (onnxruntime's ConvTranspose is several times slower here).
          let wt = t.op('Transpose', [b], { perm: [1, 0, 2, 3] });
          if (kh > 1) wt = t.op('Gather', [wt, t.int64s([...Array(kh).keys()].reverse())], { axis: 2 });
          if (kw > 1) wt = t.op('Gather', [wt, t.int64s([...Array(kw).keys()].reverse())], { axis: 3 });
          const p = [kh - 1 - (pads[0] ?? 0), kw - 1 - (pads[1] ?? 0), kh - 1 - (pads[2] ?? 0), kw - 1 - (pads[3] ?? 0)];
          add(a, t.op('Conv', [dy, wt], { kernel_shape: k, pads: p }));
        } else {
          // dx = ConvTranspose(dy, w): the adjoint of the convolution, same strides, pads, groups.
          const outPad = [0, 1].map((i) => (x[2 + i] ?? 0) - ((strides[i] ?? 1) * ((ys[2 + i] ?? 0) - 1) + (k[i] ?? 0) - (pads[i] ?? 0) - (pads[i + 2] ?? 0)));
          const at: Record<string, AttrInput> = { kernel_shape: k, strides, pads, group };
          if (outPad.some((p) => p !== 0)) at.output_padding = outPad;
          add(a, t.op('ConvTranspose', [dy, b], at));
        }
      }
      if (needs[1]) {
        // dw[o,i,u,v] = sum_{n,p,q} dy[n,o,p,q] xpad[n,i,p+u,q+v], in one of the ConvWeightGradient forms.
        if (!plain) throw new Error('ONNX autodiff: weight gradient only for stride-1 ungrouped Conv');
        const [ci = 0] = [x[1]];
        const [n = 0, co = 0, ho = 0, wo = 0] = ys;
        if (convWeightGradient === 'batched-shifts') {
          // dw^T[u,v] = sum_n shift_uv(x)_n [I, P·Q] dy_n^T [P·Q, O]; stacked: [k, k, I, O] (HWIO).
          const hw = ho * wo;
          let dyT: string | undefined; // [N,PQ,O], made on first use
          const one = (xs: string): string => {
            dyT ??= t.op('Transpose', [t.op('Reshape', [dy, t.int64s([n, co, hw])])], { perm: [0, 2, 1] });
            return t.op('ReduceSum', [t.op('MatMul', [t.op('Reshape', [xs, t.int64s([n, ci, hw])]), dyT]), t.int64s([0])], { keepdims: 1 }); // [1,I,O]
          };
          let hwio: string;
          if (kh === 1 && kw === 1 && pads.every((p) => p === 0)) hwio = t.op('Reshape', [one(a), t.int64s([1, 1, ci, co])]);
          else {
            const parts: string[] = [];
            if (ci <= co) {
              const xp = t.op('Pad', [a, t.int64s([0, 0, pads[0] ?? 0, pads[1] ?? 0, 0, 0, pads[2] ?? 0, pads[3] ?? 0])]);
              for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) parts.push(one(t.op('Slice', [xp, t.int64s([u, v]), t.int64s([u + ho, v + wo]), t.int64s([2, 3])])));
            } else {
              // Fewer output than input channels: shift dy instead of x (k² copies of O, not I,
              // channels): dw[o,i,u,v] = sum_{n,p,q} x[n,i,p,q] dy[n,o,p-u+pad,q-v+pad], dy zero outside,
              // i.e. dy (NHWC) padded by k-1-pad and sliced from k-1-u, k-1-v.
              const [h = 0, wd = 0] = [x[2], x[3]];
              const xr = t.op('Reshape', [a, t.int64s([n, ci, h * wd])]);
              const dyNhwc = t.op('Transpose', [dy], { perm: [0, 2, 3, 1] });
              const dyp = t.op('Pad', [dyNhwc, t.int64s([0, kh - 1 - (pads[0] ?? 0), kw - 1 - (pads[1] ?? 0), 0, 0, kh - 1 - (pads[2] ?? 0), kw - 1 - (pads[3] ?? 0), 0])]);
              for (let u = 0; u < kh; u++) {
                for (let v = 0; v < kw; v++) {
                  const sl = t.op('Slice', [dyp, t.int64s([kh - 1 - u, kw - 1 - v]), t.int64s([kh - 1 - u + h, kw - 1 - v + wd]), t.int64s([1, 2])]);
                  parts.push(t.op('ReduceSum', [t.op('MatMul', [xr, t.op('Reshape', [sl, t.int64s([n, h * wd, co])])]), t.int64s([0])], { keepdims: 1 }));
                }
              }
            }
            hwio = t.op('Reshape', [t.op('Concat', parts, { axis: 0 }), t.int64s([kh, kw, ci, co])]);
          }
          add(b, t.op('Transpose', [hwio], { perm: [3, 2, 0, 1] }));
          if (c !== '' && needs[2]) add(c, t.op('ReduceSum', [dy, t.int64s([0, 2, 3])], { keepdims: 0 }));
          return;
        }
        if (convWeightGradient === 'batched-im2col') {
          // cols_n [k²·I, P·Q] (rows ordered u, v, i) from x in NCHW; dw^T = sum_n cols_n dy_n^T = [k·k·I, O] (HWIO).
          const hw = ho * wo;
          let cols: string;
          if (kh === 1 && kw === 1 && pads.every((p) => p === 0)) cols = t.op('Reshape', [a, t.int64s([n, ci, hw])]);
          else {
            const xp = t.op('Pad', [a, t.int64s([0, 0, pads[0] ?? 0, pads[1] ?? 0, 0, 0, pads[2] ?? 0, pads[3] ?? 0])]);
            const parts: string[] = [];
            for (let u = 0; u < kh; u++) {
              for (let v = 0; v < kw; v++) parts.push(t.op('Reshape', [t.op('Slice', [xp, t.int64s([u, v]), t.int64s([u + ho, v + wo]), t.int64s([2, 3])]), t.int64s([n, ci, hw])]));
            }
            cols = t.op('Concat', parts, { axis: 1 });
          }
          const dyT = t.op('Transpose', [t.op('Reshape', [dy, t.int64s([n, co, hw])])], { perm: [0, 2, 1] }); // [N,PQ,O]
          const hwio = t.op('Reshape', [t.op('ReduceSum', [t.op('MatMul', [cols, dyT]), t.int64s([0])], { keepdims: 0 }), t.int64s([kh, kw, ci, co])]);
          add(b, t.op('Transpose', [hwio], { perm: [3, 2, 0, 1] }));
          if (c !== '' && needs[2]) add(c, t.op('ReduceSum', [dy, t.int64s([0, 2, 3])], { keepdims: 0 }));
          return;
        }
        const xt = t.op('Transpose', [a], { perm: [1, 0, 2, 3] }); // [I,N,H,W]
        const dyc = t.op('Reshape', [t.op('Transpose', [dy], { perm: [1, 0, 2, 3] }), t.int64s([co, n * ho * wo])]);
        if (kh === 1 && kw === 1 && pads.every((p) => p === 0)) {
          add(b, t.op('Reshape', [t.op('Gemm', [dyc, t.op('Reshape', [xt, t.int64s([ci, n * ho * wo])])], { transB: 1 }), t.int64s([...w])]));
        } else {
          const xp = t.op('Pad', [xt, t.int64s([0, 0, pads[0] ?? 0, pads[1] ?? 0, 0, 0, pads[2] ?? 0, pads[3] ?? 0])]);
          const shift = (u: number, v: number): string => t.op('Slice', [xp, t.int64s([u, v]), t.int64s([u + ho, v + wo]), t.int64s([2, 3])]);
          const parts: string[] = [];
          if (convWeightGradient === 'im2col-concat') {
            for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) parts.push(t.op('Reshape', [shift(u, v), t.int64s([ci, 1, n * ho * wo])]));
            const cols = t.op('Reshape', [t.op('Concat', parts, { axis: 1 }), t.int64s([ci * kh * kw, n * ho * wo])]);
            add(b, t.op('Reshape', [t.op('Gemm', [dyc, cols], { transB: 1 }), t.int64s([...w])]));
          } else {
            // dw[:,:,u,v] = dy [O, N*P*Q] x shift_uv(x)^T [N*P*Q, I], stacked along the last axis.
            for (let u = 0; u < kh; u++) {
              for (let v = 0; v < kw; v++) {
                const g = t.op('Gemm', [dyc, t.op('Reshape', [shift(u, v), t.int64s([ci, n * ho * wo])])], { transB: 1 });
                parts.push(t.op('Reshape', [g, t.int64s([co, ci, 1])]));
              }
            }
            add(b, t.op('Reshape', [t.op('Concat', parts, { axis: 2 }), t.int64s([...w])]));
          }
        }
      }
      if (c !== '' && needs[2]) add(c, t.op('ReduceSum', [dy, t.int64s([0, 2, 3])], { keepdims: 0 }));
      return;
    }
    case 'ConvTranspose': {
      // dx = Conv(dy, w) (the adjoint), same strides, pads, groups; w is a constant FIR filter here.
      if (needs[1] || (c !== '' && needs[2])) throw new Error('ONNX autodiff: ConvTranspose weight gradient is not supported (FIR filters are constants)');
      const at: Record<string, AttrInput> = { kernel_shape: ints(attrs.kernel_shape, sb().slice(2)), strides: ints(attrs.strides, [1, 1]), pads: ints(attrs.pads, [0, 0, 0, 0]), group: int(attrs.group, 1) };
      add(a, t.op('Conv', [dy, b], at));
      return;
    }
    default:
      throw new Error(`ONNX autodiff: no gradient rule for ${n.opType} (node ${n.output})`);
  }
}
