import { encodeVarint, ProtoMessage } from '../../../../src/sr/engines/onnx/protobuf-writer';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('protobuf writer', () => {
  it('encodes varints as the protobuf spec examples', () => {
    expect(hex(encodeVarint(0))).toBe('00');
    expect(hex(encodeVarint(1))).toBe('01');
    expect(hex(encodeVarint(127))).toBe('7f');
    expect(hex(encodeVarint(128))).toBe('8001');
    expect(hex(encodeVarint(300))).toBe('ac02');
    expect(hex(encodeVarint(2 ** 32))).toBe('8080808010');
    expect(hex(encodeVarint(Number.MAX_SAFE_INTEGER))).toBe('ffffffffffffff0f');
  });

  it('encodes negative int64 as ten-byte two\'s complement varints', () => {
    expect(hex(encodeVarint(-1))).toBe('ffffffffffffffffff01');
    expect(hex(encodeVarint(-2n))).toBe('feffffffffffffffff01');
  });

  it('rejects non-integers', () => {
    expect(() => encodeVarint(1.5)).toThrow(RangeError);
    expect(() => encodeVarint(2 ** 60)).toThrow(/safe integer/);
  });

  it('writes tags, strings, fixed32 floats and nested messages', () => {
    // Field 1 varint 150 -> 08 96 01 (protobuf docs); field 2 string "testing" -> 12 07 74 65 73 74 69 6e 67.
    const m = new ProtoMessage().varint(1, 150).string(2, 'testing');
    expect(hex(m.finish())).toBe('089601120774657374696e67');
    expect(m.byteLength).toBe(12);
    const f = new ProtoMessage().float32(2, 1);
    expect(hex(f.finish())).toBe('150000803f');
    // Embedded message in field 3: 1a 03 08 96 01.
    const outer = new ProtoMessage().message(3, new ProtoMessage().varint(1, 150));
    expect(hex(outer.finish())).toBe('1a03089601');
  });

  it('references byte fields until finish (no copy) and is deterministic', () => {
    const payload = new Uint8Array(1000).map((_, i) => i % 251);
    const a = new ProtoMessage().bytes(9, payload).finish();
    const b = new ProtoMessage().bytes(9, payload).finish();
    expect(hex(a.subarray(0, 3))).toBe('4ae807');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(a.byteLength).toBe(1003);
  });

  it('rejects invalid field numbers', () => {
    expect(() => new ProtoMessage().varint(0, 1)).toThrow(/invalid field number 0/);
  });
});
