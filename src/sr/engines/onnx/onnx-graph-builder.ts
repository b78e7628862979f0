import type { OnnxAttributeValue, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnx-proto';

/** Attribute shorthands: integers and integer lists become INT/INTS, other numbers FLOAT. */
export type AttrInput = number | readonly number[] | string | { readonly floats: readonly number[] };

function toAttribute(v: AttrInput): OnnxAttributeValue {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
  if ('floats' in v) return { kind: 'floats', value: v.floats };
  return { kind: 'ints', value: v };
}

/**
 * Builds an ONNX graph node by node. Value names are generated deterministically
 * (`<prefix>/<op><counter>`), initializers keep the names given (state_dict names for weights).
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();
  private readonly scalarCache = new Map<string, string>();
  private counter = 0;
  private scope = '';

  /** Runs `fn` with node names prefixed by `scope` (e.g. the state_dict module prefix). */
  withScope<T>(scope: string, fn: () => T): T {
    const saved = this.scope;
    this.scope = scope;
    try {
      return fn();
    } finally {
      this.scope = saved;
    }
  }

  private fresh(op: string): string {
    const name = `${this.scope === '' ? '' : `${this.scope}/`}${op}_${this.counter++}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  op(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttrInput>> = {}): string {
    const name = this.fresh(opType);
    const attrs: Record<string, OnnxAttributeValue> = {};
    for (const [k, v] of Object.entries(attributes)) attrs[k] = toAttribute(v);
    this.nodes.push({ opType, name, inputs, outputs: [name], attributes: attrs });
    return name;
  }

  /** Adds a node of operator `opType` in `domain` (e.g. `com.microsoft.nchwc`) with one output and returns its name. */
  opInDomain(domain: string, opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttrInput>> = {}): string {
    const name = this.fresh(opType);
    const attrs: Record<string, OnnxAttributeValue> = {};
    for (const [k, v] of Object.entries(attributes)) attrs[k] = toAttribute(v);
    this.nodes.push({ opType, domain, name, inputs, outputs: [name], attributes: attrs });
    return name;
  }

  /** Adds a node with `count` outputs and returns their names (the first is the node's name). */
  opMulti(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, AttrInput>>, count: number): string[] {
    const name = this.fresh(opType);
    const outputs = [name];
    for (let i = 1; i < count; i++) {
      const extra = `${name}:${i}`;
      this.names.add(extra);
      outputs.push(extra);
    }
    const attrs: Record<string, OnnxAttributeValue> = {};
    for (const [k, v] of Object.entries(attributes)) attrs[k] = toAttribute(v);
    this.nodes.push({ opType, name, inputs, outputs, attributes: attrs });
    return outputs;
  }

  /** Adds an initializer (the name must be unique) and returns its name. */
  initializer(tensor: OnnxTensor): string {
    if (this.names.has(tensor.name)) throw new Error(`ONNX graph: duplicate value name "${tensor.name}"`);
    this.names.add(tensor.name);
    this.initializers.push(tensor);
    return tensor.name;
  }

  /** float32 initializer. */
  floats(name: string, dims: readonly number[], data: Float32Array | readonly number[]): string {
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    const n = dims.reduce((a, b) => a * b, 1);
    if (values.length !== n) throw new Error(`ONNX graph: initializer "${name}" has ${values.length} values for dims [${dims.join(',')}]`);
    return this.initializer({ name, dtype: 'float32', dims, data: values });
  }

  /** int64 1-D constant (shapes, axes), shared between nodes with the same values. */
  int64s(values: readonly number[]): string {
    const key = `i64:${values.join(',')}`;
    const cached = this.scalarCache.get(key);
    if (cached !== undefined) return cached;
    const name = this.initializer({ name: `const/i64[${values.join(',')}]`, dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
    this.scalarCache.set(key, name);
    return name;
  }

  /**
   * float32 constant shared by name: the first call adds the initializer, later calls with the same
   * name return it (for constants that depend only on their name, e.g. a transform matrix).
   * `data` is only read on the first call.
   */
  sharedFloats(name: string, dims: readonly number[], data: () => Float32Array | readonly number[]): string {
    const key = `f32:${name}`;
    const cached = this.scalarCache.get(key);
    if (cached !== undefined) return cached;
    const v = this.floats(name, dims, data());
    this.scalarCache.set(key, v);
    return v;
  }

  /** float32 scalar constant (rank 0, broadcasts), shared between nodes with the same value. */
  scalar(value: number): string {
    const f = Math.fround(value);
    const key = `f32:${Object.is(f, -0) ? '-0' : String(f)}`;
    const cached = this.scalarCache.get(key);
    if (cached !== undefined) return cached;
    const name = this.initializer({ name: `const/f32(${String(f)})`, dtype: 'float32', dims: [], data: Float32Array.of(f) });
    this.scalarCache.set(key, name);
    return name;
  }

  /** The finished graph. */
  build(name: string, inputs: readonly OnnxValueInfo[], outputs: readonly OnnxValueInfo[]): OnnxGraph {
    return { name, nodes: [...this.nodes], initializers: [...this.initializers], inputs, outputs };
  }

  /** Renames the output of the last node (to give a graph output its public name). */
  renameLastOutput(name: string): string {
    const last = this.nodes.pop();
    if (last === undefined) throw new Error('ONNX graph: no node to rename');
    this.nodes.push({ ...last, outputs: [name] });
    return name;
  }
}
