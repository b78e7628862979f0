import * as os from 'node:os';
import { ProtoMessage } from './protobuf-writer';

/**
 * The subset of onnx.proto (ONNX IR) that the exporter writes, with the field numbers of
 * github.com/onnx/onnx/blob/main/onnx/onnx.proto. Only dense tensors, tensor-typed values and
 * int/float/ints/floats/string/tensor attributes.
 */

/** TensorProto.DataType values used here. */
export const ONNX_DTYPE = Object.freeze({ float32: 1, int32: 6, int64: 7, float64: 11 });
export type OnnxDType = keyof typeof ONNX_DTYPE;

/** A dense initializer or constant. */
export interface OnnxTensor {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly dims: readonly number[];
  /** Values in row-major order; int64 tensors as a BigInt64Array. */
  readonly data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

export type OnnxAttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTensor };

export interface OnnxNode {
  readonly opType: string;
  /** Operator domain (NodeProto.domain); absent for the default ONNX domain. */
  readonly domain?: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, OnnxAttributeValue>>;
}

/** A graph input or output: element type and shape, a string dimension being symbolic (e.g. 'batch'). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dtype: OnnxDType;
  readonly shape: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  /** IR version (8 goes with opset 17). */
  readonly irVersion: number;
  /** Default-domain opset version. */
  readonly opsetVersion: number;
  /** Further opset imports by domain (e.g. `com.microsoft.nchwc`: 1), written in key order. */
  readonly domainOpsets?: Readonly<Record<string, number>>;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  /** metadata_props: key/value strings (e.g. the model config). Written in key order. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly graph: OnnxGraph;
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function tensorBytes(t: OnnxTensor): Uint8Array {
  // raw_data is little-endian; typed arrays are in host order.
  if (os.endianness() !== 'LE') throw new Error('ONNX export: big-endian hosts are not supported');
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function encodeTensor(t: OnnxTensor): ProtoMessage {
  const m = new ProtoMessage();
  for (const d of t.dims) m.varint(1, d); // dims
  m.varint(2, ONNX_DTYPE[t.dtype]); // data_type
  m.string(8, t.name); // name
  m.bytes(9, tensorBytes(t)); // raw_data
  return m;
}

function encodeAttribute(name: string, a: OnnxAttributeValue): ProtoMessage {
  const m = new ProtoMessage();
  m.string(1, name);
  switch (a.kind) {
    case 'float':
      m.float32(2, a.value);
      break;
    case 'int':
      m.varint(3, a.value);
      break;
    case 'string':
      m.string(4, a.value);
      break;
    case 'tensor':
      m.message(5, encodeTensor(a.value));
      break;
    case 'floats':
      for (const v of a.value) m.float32(7, v);
      break;
    case 'ints':
      for (const v of a.value) m.varint(8, v);
      break;
  }
  m.varint(20, ATTR_TYPE[a.kind]);
  return m;
}

function encodeNode(n: OnnxNode): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name);
  m.string(4, n.opType);
  if (n.domain !== undefined && n.domain !== '') m.string(7, n.domain);
  for (const key of Object.keys(n.attributes).sort()) {
    const a = n.attributes[key];
    if (a !== undefined) m.message(5, encodeAttribute(key, a));
  }
  return m;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.shape) {
    const dim = new ProtoMessage();
    if (typeof d === 'number') dim.varint(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoMessage().varint(1, ONNX_DTYPE[v.dtype]).message(2, shape);
  const type = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, v.name).message(2, type);
}

function encodeGraph(g: OnnxGraph): ProtoMessage {
  const m = new ProtoMessage();
  for (const n of g.nodes) m.message(1, encodeNode(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, encodeTensor(t));
  for (const v of g.inputs) m.message(11, encodeValueInfo(v));
  for (const v of g.outputs) m.message(12, encodeValueInfo(v));
  return m;
}

/** Serialises a model to the ONNX protobuf wire format (deterministic). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const m = new ProtoMessage();
  m.varint(1, model.irVersion);
  m.string(2, model.producerName);
  m.string(3, model.producerVersion);
  m.string(6, model.docString);
  m.message(7, encodeGraph(model.graph));
  m.message(8, new ProtoMessage().string(1, '').varint(2, model.opsetVersion));
  const domains = model.domainOpsets ?? {};
  for (const domain of Object.keys(domains).sort()) m.message(8, new ProtoMessage().string(1, domain).varint(2, domains[domain] ?? 1));
  for (const key of Object.keys(model.metadata).sort()) {
    m.message(14, new ProtoMessage().string(1, key).string(2, model.metadata[key] ?? ''));
  }
  return m.finish();
}
