import { encodeOnnxModel } from '../../../../src/sr/engines/onnx/onnx-proto';
import type { OnnxModel } from '../../../../src/sr/engines/onnx/onnx-proto';
import { OnnxGraphBuilder } from '../../../../src/sr/engines/onnx/onnx-graph-builder';

/** A minimal protobuf reader for the test: field number -> list of raw values (bigint varints, Uint8Array payloads, fixed32 as number). */
type Field = bigint | Uint8Array | number;
function decode(buf: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    let value: Field;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = Number(varint());
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 5) {
      value = new DataView(buf.buffer, buf.byteOffset + pos, 4).getFloat32(0, true);
      pos += 4;
    } else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
const text = (v: Field | undefined): string => Buffer.from(v as Uint8Array).toString('utf8');
const sub = (v: Field | undefined): Map<number, Field[]> => decode(v as Uint8Array);

function sampleModel(): OnnxModel {
  const g = new OnnxGraphBuilder();
  const w = g.floats('w', [2], [1.5, -2]);
  const r = g.op('Reshape', ['x', g.int64s([-1, 2])]);
  g.op('ReduceMean', [g.op('Mul', [r, w])], { axes: [-1], keepdims: 1, alpha: 0.5 });
  g.renameLastOutput('y');
  return {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'fasr',
    producerVersion: '1',
    docString: 'doc',
    metadata: { b: '2', a: '1' },
    graph: g.build('g', [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }], [{ name: 'y', dtype: 'float32', shape: ['batch', 1] }]),
  };
}

describe('ONNX ModelProto encoding', () => {
  it('writes the onnx.proto field numbers: ir_version, opset_import, graph, metadata_props in key order', () => {
    const m = decode(encodeOnnxModel(sampleModel()));
    expect(m.get(1)).toEqual([8n]);
    expect(text(m.get(2)?.[0])).toBe('fasr');
    const opset = sub(m.get(8)?.[0]);
    expect(text(opset.get(1)?.[0])).toBe('');
    expect(opset.get(2)).toEqual([17n]);
    expect((m.get(14) ?? []).map((p) => text(sub(p).get(1)?.[0]))).toEqual(['a', 'b']);
  });

  it('writes nodes with attributes (type field 20), initializers as raw little-endian data, symbolic dims', () => {
    const graph = sub(decode(encodeOnnxModel(sampleModel())).get(7)?.[0]);
    const nodes = (graph.get(1) ?? []).map(sub);
    expect(nodes.map((n) => text(n.get(4)?.[0]))).toEqual(['Reshape', 'Mul', 'ReduceMean']);
    expect(text(nodes[2]?.get(2)?.[0])).toBe('y');
    const attrs = (nodes[2]?.get(5) ?? []).map(sub);
    // Sorted by name: alpha (FLOAT=1), axes (INTS=7, -1 as a 10-byte varint), keepdims (INT=2).
    expect(attrs.map((a) => [text(a.get(1)?.[0]), a.get(20)?.[0]])).toEqual([
      ['alpha', 1n],
      ['axes', 7n],
      ['keepdims', 2n],
    ]);
    expect(attrs[0]?.get(2)).toEqual([0.5]);
    expect(attrs[1]?.get(8)).toEqual([2n ** 64n - 1n]);
    const inits = (graph.get(5) ?? []).map(sub);
    const w = inits.find((t) => text(t.get(8)?.[0]) === 'w');
    expect(w?.get(1)).toEqual([2n]);
    expect(w?.get(2)).toEqual([1n]); // FLOAT
    expect(Array.from(new Float32Array(Uint8Array.from(w?.get(9)?.[0] as Uint8Array).buffer))).toEqual([1.5, -2]);
    const shapeConst = inits.find((t) => t.get(2)?.[0] === 7n); // INT64
    expect(Array.from(new BigInt64Array(Uint8Array.from(shapeConst?.get(9)?.[0] as Uint8Array).buffer))).toEqual([-1n, 2n]);
    const input = sub(graph.get(11)?.[0]);
    const tensorType = sub(sub(input.get(2)?.[0]).get(1)?.[0]);
    const dims = (sub(tensorType.get(2)?.[0]).get(1) ?? []).map(sub);
    expect(text(dims[0]?.get(2)?.[0])).toBe('batch');
    expect(dims[1]?.get(1)).toEqual([2n]);
  });

  it('writes a node domain (NodeProto field 7) and the extra opset imports in key order', () => {
    const g = new OnnxGraphBuilder();
    g.opInDomain('com.microsoft.nchwc', 'ReorderInput', ['x']);
    g.op('Relu', [g.renameLastOutput('xb')]);
    const m = decode(encodeOnnxModel({ ...sampleModel(), domainOpsets: { 'com.microsoft.nchwc': 1, 'a.domain': 3 }, graph: g.build('g', [], []) }));
    const opsets = (m.get(8) ?? []).map(sub).map((o) => [text(o.get(1)?.[0]), o.get(2)?.[0]]);
    expect(opsets).toEqual([
      ['', 17n],
      ['a.domain', 3n],
      ['com.microsoft.nchwc', 1n],
    ]);
    const nodes = (sub(m.get(7)?.[0]).get(1) ?? []).map(sub);
    expect(nodes.map((n) => [text(n.get(4)?.[0]), n.has(7) ? text(n.get(7)?.[0]) : undefined])).toEqual([
      ['ReorderInput', 'com.microsoft.nchwc'],
      ['Relu', undefined],
    ]);
  });

  it('is deterministic and shares repeated constants', () => {
    expect(Buffer.from(encodeOnnxModel(sampleModel())).equals(Buffer.from(encodeOnnxModel(sampleModel())))).toBe(true);
    const g = new OnnxGraphBuilder();
    expect(g.int64s([0, 1])).toBe(g.int64s([0, 1]));
    expect(g.scalar(2)).toBe(g.scalar(2));
    expect(g.scalar(2)).not.toBe(g.scalar(3));
    expect(() => g.floats('w', [3], [1, 2])).toThrow(/has 2 values for dims \[3\]/);
    g.floats('w', [1], [1]);
    expect(() => g.floats('w', [1], [1])).toThrow(/duplicate value name "w"/);
  });
});
