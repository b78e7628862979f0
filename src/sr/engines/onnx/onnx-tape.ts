import type { AttrInput } from './onnx-graph-builder';
import { OnnxGraphBuilder } from './onnx-graph-builder';

/** One recorded node: what reverse mode needs to emit its gradient. */
export interface TapeNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly attrs: Readonly<Record<string, AttrInput>>;
}

type Shape = readonly number[];

/** A hand-written gradient rule (see {@link OnnxTape.customGradient}). */
export interface CustomGradient {
  readonly inputs: readonly string[];
  readonly rule: (dy: string) => readonly string[];
}

function shapeText(s: Shape): string {
  return `[${s.join(',')}]`;
}

/** numpy/ONNX multidirectional broadcasting of two static shapes. */
export function broadcastShapes(a: Shape, b: Shape, where: string): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`ONNX tape: ${where}: shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

const UNARY = new Set(['Sigmoid', 'Neg', 'Sqrt', 'Reciprocal', 'Log', 'Sin', 'Cos', 'Exp', 'Identity', 'Softmax']);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Greater']);

function ints(v: AttrInput | undefined, fallback: readonly number[]): readonly number[] {
  if (v === undefined) return fallback;
  if (Array.isArray(v)) return v as readonly number[];
  throw new Error(`ONNX tape: expected an int list attribute, received ${JSON.stringify(v)}`);
}

function intAttr(v: AttrInput | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number') return v;
  throw new Error(`ONNX tape: expected an int attribute, received ${JSON.stringify(v)}`);
}

/**
 * An {@link OnnxGraphBuilder} that also records every node with its attributes and infers the
 * static shape of every value (training graphs have a fixed batch), which reverse mode
 * (onnx-autodiff.ts) needs to undo broadcasting and to shape the gradients. Covers the ops the
 * NCSN++ training graph uses; any other op is an error at build time, not a wrong graph.
 */
export class OnnxTape {
  readonly g = new OnnxGraphBuilder();
  readonly nodes: TapeNode[] = [];
  readonly #shapes = new Map<string, number[]>();
  readonly #int64Values = new Map<string, readonly number[]>();
  readonly #customGrads = new Map<string, CustomGradient>();

  /** Declares a graph input (or any externally provided value) of static shape. */
  declare(name: string, shape: Shape): string {
    this.#shapes.set(name, [...shape]);
    return name;
  }

  shape(v: string): readonly number[] {
    const s = this.#shapes.get(v);
    if (s === undefined) throw new Error(`ONNX tape: no shape recorded for value "${v}"`);
    return s;
  }

  scalar(value: number): string {
    return this.declare(this.g.scalar(value), []);
  }

  int64s(values: readonly number[]): string {
    const name = this.g.int64s(values);
    this.#int64Values.set(name, [...values]);
    return this.declare(name, [values.length]);
  }

  floats(name: string, dims: Shape, data: Float32Array | readonly number[]): string {
    return this.declare(this.g.floats(name, dims, data), dims);
  }

  sharedFloats(name: string, dims: Shape, data: () => Float32Array | readonly number[]): string {
    return this.declare(this.g.sharedFloats(name, dims, data), dims);
  }

  withScope<T>(scope: string, fn: () => T): T {
    return this.g.withScope(scope, fn);
  }

  /** Adds a node, records it and its output shape; returns the output name. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrInput>> = {}): string {
    const shape = this.#infer(opType, inputs, attrs);
    const out = this.g.op(opType, inputs, attrs);
    this.nodes.push({ opType, inputs: [...inputs], output: out, attrs });
    this.#shapes.set(out, shape);
    return out;
  }

  /**
   * LayerNormalization (opset 17) of `x` over the axes from `axis` on, scale `scale`, no bias, with
   * its Mean and InvStdDev outputs. Reverse mode has no rule for it: give `y` a
   * {@link customGradient}.
   */
  layerNorm(x: string, scale: string, axis: number, epsilon: number): { readonly y: string; readonly mean: string; readonly invStd: string } {
    const xs = this.shape(x);
    const ax = axis < 0 ? axis + xs.length : axis;
    const stats = xs.map((d, i) => (i < ax ? d : 1));
    const attrs = { axis, epsilon };
    const [y = '', mean = '', invStd = ''] = this.g.opMulti('LayerNormalization', [x, scale], attrs, 3);
    this.nodes.push({ opType: 'LayerNormalization', inputs: [x, scale], output: y, attrs });
    this.#shapes.set(y, [...xs]);
    this.#shapes.set(mean, [...stats]);
    this.#shapes.set(invStd, [...stats]);
    return { y, mean, invStd };
  }

  /**
   * Gives `output` a hand-written gradient (a closed form cheaper than differentiating the nodes
   * that computed it): reverse mode then calls `rule(dy)` for d loss / d inputs[i] and never
   * visits the nodes between `inputs` and `output` (they must not be used elsewhere).
   */
  customGradient(output: string, inputs: readonly string[], rule: (dy: string) => readonly string[]): void {
    this.#customGrads.set(output, { inputs: [...inputs], rule });
  }

  customGradientOf(output: string): CustomGradient | undefined {
    return this.#customGrads.get(output);
  }

  /** Values of an int64 constant made by {@link int64s}. */
  constValues(v: string): readonly number[] {
    return this.#consts(v);
  }

  #consts(v: string): readonly number[] {
    const c = this.#int64Values.get(v);
    if (c === undefined) throw new Error(`ONNX tape: "${v}" is not an int64 constant of this tape`);
    return c;
  }

  #infer(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrInput>>): number[] {
    const s = (i: number): readonly number[] => this.shape(inputs[i] ?? '');
    const rankAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
    if (UNARY.has(op)) return [...s(0)];
    if (BINARY.has(op)) return broadcastShapes(s(0), s(1), op);
    switch (op) {
      case 'Sum':
        return inputs.reduce<number[]>((acc, _, i) => broadcastShapes(acc, s(i), op), []);
      case 'Gather': {
        const x = s(0);
        const axis = rankAxis(intAttr(attrs.axis, 0), x.length);
        return [...x.slice(0, axis), ...s(1), ...x.slice(axis + 1)];
      }
      case 'Where':
        return broadcastShapes(broadcastShapes(s(0), s(1), op), s(2), op);
      case 'Reshape': {
        const x = s(0);
        const target = this.#consts(inputs[1] ?? '');
        const out = target.map((d, i) => (d === 0 ? (x[i] ?? 0) : d));
        const total = x.reduce((a, b) => a * b, 1);
        const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        return out.map((d) => (d === -1 ? total / known : d));
      }
      case 'Expand':
        return broadcastShapes(s(0), this.#consts(inputs[1] ?? ''), op);
      case 'Transpose': {
        const x = s(0);
        const perm = ints(attrs.perm, [...x.keys()].reverse());
        return perm.map((p) => x[p] ?? 0);
      }
      case 'Concat': {
        const first = s(0);
        const axis = rankAxis(intAttr(attrs.axis, 0), first.length);
        const out = [...first];
        out[axis] = inputs.reduce((n, _, i) => n + (s(i)[axis] ?? 0), 0);
        return out;
      }
      case 'Slice': {
        const x = [...s(0)];
        const starts = this.#consts(inputs[1] ?? '');
        const ends = this.#consts(inputs[2] ?? '');
        const axes = this.#consts(inputs[3] ?? '');
        axes.forEach((a, i) => {
          const ax = rankAxis(a, x.length);
          const d = x[ax] ?? 0;
          const lo = Math.min(Math.max((starts[i] ?? 0) < 0 ? (starts[i] ?? 0) + d : (starts[i] ?? 0), 0), d);
          const hi = Math.min(Math.max((ends[i] ?? d) < 0 ? (ends[i] ?? d) + d : (ends[i] ?? d), 0), d);
          x[ax] = Math.max(hi - lo, 0);
        });
        return x;
      }
      case 'Pad': {
        const x = s(0);
        const pads = this.#consts(inputs[1] ?? '');
        return x.map((d, i) => d + (pads[i] ?? 0) + (pads[i + x.length] ?? 0));
      }
      case 'ReduceMean':
      case 'ReduceMin':
      case 'ReduceMax':
      case 'ReduceSum': {
        const x = s(0);
        const axesRaw = op === 'ReduceSum' ? (inputs[1] !== undefined ? this.#consts(inputs[1]) : [...x.keys()]) : ints(attrs.axes, [...x.keys()]);
        const axes = new Set(axesRaw.map((a) => rankAxis(a, x.length)));
        const keep = intAttr(attrs.keepdims, 1) === 1;
        return keep ? x.map((d, i) => (axes.has(i) ? 1 : d)) : x.filter((_, i) => !axes.has(i));
      }
      case 'MatMul': {
        const a = s(0);
        const b = s(1);
        if (a.length < 2 || b.length < 2) throw new Error('ONNX tape: MatMul of rank < 2 is not supported');
        const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2), op);
        return [...batch, a[a.length - 2] ?? 0, b[b.length - 1] ?? 0];
      }
      case 'Gemm': {
        const a = s(0);
        const b = s(1);
        const m = intAttr(attrs.transA, 0) === 1 ? a[1] : a[0];
        const n = intAttr(attrs.transB, 0) === 1 ? b[0] : b[1];
        return [m ?? 0, n ?? 0];
      }
      case 'Conv':
      case 'ConvTranspose': {
        const x = s(0);
        const w = s(1);
        const k = ints(attrs.kernel_shape, w.slice(2));
        const strides = ints(attrs.strides, [1, 1]);
        const dil = ints(attrs.dilations, [1, 1]);
        const pads = ints(attrs.pads, [0, 0, 0, 0]);
        const group = intAttr(attrs.group, 1);
        const out: number[] = [x[0] ?? 0, op === 'Conv' ? (w[0] ?? 0) : (w[1] ?? 0) * group];
        const outPad = ints(attrs.output_padding, [0, 0]);
        for (let i = 0; i < 2; i++) {
          const d = x[2 + i] ?? 0;
          const eff = (dil[i] ?? 1) * ((k[i] ?? 1) - 1) + 1;
          const padSum = (pads[i] ?? 0) + (pads[i + 2] ?? 0);
          out.push(op === 'Conv' ? Math.floor((d + padSum - eff) / (strides[i] ?? 1)) + 1 : (strides[i] ?? 1) * (d - 1) + (outPad[i] ?? 0) + eff - padSum);
        }
        return out;
      }
      default:
        throw new Error(`ONNX tape: no shape rule for op ${op}`);
    }
  }
}
