/**
 * A minimal Protocol Buffers encoder (wire format only: varints, 64-bit-free fixed32 floats and
 * length-delimited fields), enough to write ONNX ModelProto. Field payloads are kept as a list of
 * chunks so that large byte fields (weights) are never copied until {@link ProtoMessage.finish}.
 *
 * Encoding is deterministic: the same calls in the same order give the same bytes.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/** Varint bytes of a non-negative integer < 2^53 or of any int64 (negatives as 64-bit two's complement). */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint: expected a safe integer, received ${String(value)}`);
    if (value >= 0) {
      const out: number[] = [];
      let v = value;
      while (v >= 0x80) {
        out.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      out.push(v);
      return Uint8Array.from(out);
    }
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** One protobuf message under construction. */
export class ProtoMessage {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** Encoded length in bytes. */
  get byteLength(): number {
    return this.size;
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
  }

  private tag(field: number, wire: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 536870911) throw new RangeError(`protobuf: invalid field number ${String(field)}`);
    this.push(encodeVarint(field * 8 + wire));
  }

  /** int32/int64/uint64/enum/bool field (varint). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.push(encodeVarint(value));
    return this;
  }

  /** float field (fixed32, little-endian). */
  float32(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** bytes field; the array is referenced, not copied, until {@link finish}. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.push(encodeVarint(value.byteLength));
    this.push(value);
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Embedded message field. */
  message(field: number, value: ProtoMessage): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.push(encodeVarint(value.size));
    for (const c of value.chunks) this.push(c);
    return this;
  }

  /** The encoded message as one contiguous array. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  }
}
