import { CheckpointError } from '../../contracts';
import type { HostData, HostDType, HostTensor, StateDict } from './host-tensor';
import { numel } from './host-tensor';
import { ELEMENT_BYTES, typedFromBytes } from './torch-tensor';

/** safetensors dtype names for each host dtype. */
const TO_ST: Readonly<Record<HostDType, string>> = {
  float16: 'F16',
  bfloat16: 'BF16',
  float32: 'F32',
  float64: 'F64',
  int8: 'I8',
  uint8: 'U8',
  int16: 'I16',
  int32: 'I32',
  int64: 'I64',
  bool: 'BOOL',
};
const FROM_ST: ReadonlyMap<string, HostDType> = new Map(Object.entries(TO_ST).map(([h, s]) => [s, h as HostDType]));

/** Header size limit (as in the reference implementation). */
const MAX_HEADER_BYTES = 100_000_000;

/** The typed-array class each dtype is held in (float16/bfloat16 widened to float32). */
const DATA_CLASS: Readonly<Record<HostDType, new (n: number) => HostData>> = {
  float16: Float32Array,
  bfloat16: Float32Array,
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
};

/** Contents of a safetensors file. */
export interface Safetensors {
  /** Tensors by name, in name order. */
  readonly tensors: StateDict;
  /** The `__metadata__` string map ({} when absent). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** float32 bits → IEEE half bits, round to nearest even. */
function toHalfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry correctly rounds up into the exponent
  return sign | h;
}

/** float32 bits → bfloat16 bits, round to nearest even. */
function toBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function checkTensor(name: string, t: HostTensor): void {
  if (name.length === 0 || name === '__metadata__' || name.split('.').includes('__proto__')) {
    throw new CheckpointError(`safetensors: invalid tensor name ${JSON.stringify(name)}`, { tensor: name });
  }
  const cls = DATA_CLASS[t.dtype];
  if (cls === undefined) {
    throw new CheckpointError(`safetensors: tensor '${name}' has unknown dtype ${String(t.dtype)}; valid: ${Object.keys(TO_ST).join(', ')}`, { tensor: name });
  }
  if (!Array.isArray(t.shape) || !t.shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new CheckpointError(`safetensors: tensor '${name}' has an invalid shape ${JSON.stringify(t.shape)}`, { tensor: name });
  }
  if (!(t.data instanceof cls)) {
    throw new CheckpointError(`safetensors: tensor '${name}' (${t.dtype}) must hold a ${cls.name}, got ${t.data?.constructor?.name ?? typeof t.data}`, {
      tensor: name,
    });
  }
  if (t.data.length !== numel(t.shape)) {
    throw new CheckpointError(`safetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`, {
      tensor: name,
      expected: numel(t.shape),
      actual: t.data.length,
    });
  }
}

function tensorBytes(t: HostTensor): Uint8Array {
  if (t.dtype === 'float16' || t.dtype === 'bfloat16') {
    const conv = t.dtype === 'float16' ? toHalfBits : toBf16Bits;
    const out = new Uint16Array(t.data.length);
    const src = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    for (let i = 0; i < out.length; i++) out[i] = conv(src[i] as number);
    return new Uint8Array(out.buffer);
  }
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/**
 * Serialises tensors as safetensors: 8-byte little-endian header length, a JSON header
 * (`__metadata__` first, then the tensors ordered by element size descending and name, so every
 * tensor is aligned), padded with spaces to a multiple of 8, then the raw little-endian data.
 * @throws CheckpointError for an invalid name, dtype, shape or data length, or non-string metadata.
 */
export function formatSafetensors(tensors: StateDict, metadata: Readonly<Record<string, string>> = {}): Buffer {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointError(`safetensors: metadata '${k}' must be a string, got ${typeof v}`);
  }
  const names = [...tensors.keys()];
  for (const n of names) checkTensor(n, tensors.get(n) as HostTensor);
  names.sort((a, b) => {
    const d = ELEMENT_BYTES[(tensors.get(b) as HostTensor).dtype] - ELEMENT_BYTES[(tensors.get(a) as HostTensor).dtype];
    return d !== 0 ? d : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const n of names) {
    const t = tensors.get(n) as HostTensor;
    const bytes = tensorBytes(t);
    Object.defineProperty(header, n, {
      value: { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] },
      enumerable: true,
    });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - ((8 + jsonBytes) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json, 'utf8')));
  return Buffer.concat([head, Buffer.from(json, 'utf8'), ...chunks]);
}

/**
 * Parses a safetensors buffer with strict validation: header length and JSON, known dtypes,
 * shapes, offsets that are in range, match each tensor's byte size and tile the data section
 * exactly (no gaps, overlaps or trailing bytes).
 * @throws CheckpointError naming the file and tensor for any violation.
 */
export function parseSafetensors(bytes: Uint8Array, name = '<buffer>'): Safetensors {
  const bad = (msg: string, tensor?: string): never => {
    throw new CheckpointError(`${name}: invalid safetensors: ${msg}`, tensor === undefined ? { path: name } : { path: name, tensor });
  };
  if (bytes.byteLength < 8) bad(`${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) bad(`header length ${n} exceeds ${MAX_HEADER_BYTES}`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.byteLength) bad(`header length ${headerLen} exceeds the file (${bytes.byteLength} bytes)`);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    if (!text.startsWith('{')) bad('header does not start with {');
    header = JSON.parse(text);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    bad(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return bad('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: HostDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('__metadata__ is not an object');
      for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
        if (typeof mv !== 'string') bad(`__metadata__ '${mk}' is not a string`);
        Object.defineProperty(metadata, mk, { value: mv, enumerable: true });
      }
      continue;
    }
    if (key.length === 0 || key.split('.').includes('__proto__')) bad(`invalid tensor name ${JSON.stringify(key)}`, key);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`entry '${key}' is not an object`, key);
    const e = value as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length > 0) bad(`entry '${key}' has unknown fields ${extra.join(', ')}`, key);
    const dtype = typeof e.dtype === 'string' ? FROM_ST.get(e.dtype) : undefined;
    if (dtype === undefined) return bad(`tensor '${key}' has unsupported dtype ${JSON.stringify(e.dtype)}; valid: ${[...FROM_ST.keys()].join(', ')}`, key);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      return bad(`tensor '${key}' has an invalid shape ${JSON.stringify(shape)}`, key);
    }
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) || (off[0] as number) > (off[1] as number)) {
      return bad(`tensor '${key}' has invalid data_offsets ${JSON.stringify(off)}`, key);
    }
    const [begin, end] = off as [number, number];
    if (end > dataLen) bad(`tensor '${key}' data_offsets [${begin}, ${end}] exceed the data section of ${dataLen} bytes`, key);
    const expected = numel(shape as number[]) * ELEMENT_BYTES[dtype];
    if (end - begin !== expected) {
      bad(`tensor '${key}' (${TO_ST[dtype]} [${(shape as number[]).join(', ')}]) needs ${expected} bytes, data_offsets span ${end - begin}`, key);
    }
    entries.push({ name: key, dtype, shape: shape as number[], begin, end });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectBegin = 0;
  for (const e of byOffset) {
    if (e.begin !== expectBegin) {
      bad(`tensor '${e.name}' starts at ${e.begin}, expected ${expectBegin} (${e.begin < expectBegin ? 'overlap' : 'gap'})`, e.name);
    }
    expectBegin = e.end;
  }
  if (expectBegin !== dataLen) bad(`tensors cover ${expectBegin} bytes of a ${dataLen}-byte data section`);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const raw = bytes.slice(dataStart + e.begin, dataStart + e.end);
    const data = typedFromBytes(e.dtype, raw, numel(e.shape));
    if (e.dtype === 'bool' && (data as Uint8Array).some((b) => b > 1)) bad(`tensor '${e.name}' (BOOL) holds a byte other than 0 or 1`, e.name);
    tensors.set(e.name, Object.freeze({ dtype: e.dtype, shape: Object.freeze([...e.shape]), data }));
  }
  return { tensors, metadata };
}
