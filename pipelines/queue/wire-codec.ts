import { InputError } from '../../src/contracts';

/**
 * A value as it crosses Redis: JSON, with every Uint8Array / Float32Array replaced by
 * `{ "$bytes": "<base64>" }` / `{ "$f32": "<base64 of its little-endian bytes>" }`. Base64 costs
 * 4/3 of the bytes (crops are PNG already, so a source's results stay in the hundreds of kB);
 * float32 values travel bit-exact (NaN payloads and -0 included).
 */
export type WireValue = null | boolean | number | string | readonly WireValue[] | { readonly [key: string]: WireValue };

const BYTES = '$bytes';
const F32 = '$f32';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function f32ToBase64(v: Float32Array): string {
  const bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (LITTLE_ENDIAN) return bytes.toString('base64');
  const copy = Buffer.from(bytes);
  copy.swap32();
  return copy.toString('base64');
}

function base64ToF32(text: string, where: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new InputError(`decodeWire: ${where}: float32 data of ${bytes.length} bytes (not a multiple of 4)`, { option: where });
  const out = new Float32Array(bytes.length / 4);
  const view = Buffer.from(out.buffer);
  bytes.copy(view);
  if (!LITTLE_ENDIAN) view.swap32();
  return out;
}

/**
 * Turns a value with typed arrays into plain JSON data (see {@link WireValue}). Objects are
 * copied key by key; `undefined` fields are dropped (as JSON.stringify does).
 * @throws InputError for values JSON cannot carry faithfully: non-finite numbers, other typed
 *   arrays, functions, class instances other than plain objects and arrays, and keys "$bytes"/"$f32".
 */
export function encodeWire(value: unknown, where = '(value)'): WireValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InputError(`encodeWire: ${where}: expected a finite number, received ${String(value)}`, { option: where });
    return value;
  }
  if (value instanceof Uint8Array) return { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof Float32Array) return { [F32]: f32ToBase64(value) };
  if (ArrayBuffer.isView(value)) throw new InputError(`encodeWire: ${where}: only Uint8Array and Float32Array travel, received ${value.constructor.name}`, { option: where });
  if (Array.isArray(value)) return value.map((v: unknown, i) => encodeWire(v === undefined ? null : v, `${where}[${i}]`));
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new InputError(`encodeWire: ${where}: expected plain data, received an instance of ${(value as object).constructor?.name ?? 'unknown'}`, { option: where });
    }
    const out: Record<string, WireValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === BYTES || k === F32) throw new InputError(`encodeWire: ${where}: the key ${JSON.stringify(k)} is reserved`, { option: where });
      if (v !== undefined) out[k] = encodeWire(v, `${where}.${k}`);
    }
    return out;
  }
  throw new InputError(`encodeWire: ${where}: cannot send a ${typeof value}`, { option: where });
}

/**
 * The inverse of {@link encodeWire}: `{ "$bytes" }` → Uint8Array, `{ "$f32" }` → Float32Array
 * (fresh, aligned), everything else as is (a Uint8Array or Float32Array given is returned as it is).
 * The caller checks the shape of what comes back.
 * @throws InputError for a malformed marker object.
 */
export function decodeWire(value: unknown, where = '(value)'): unknown {
  if (value === null || typeof value !== 'object') return value;
  // already decoded (a job given in-process): kept as is
  if (value instanceof Uint8Array || value instanceof Float32Array) return value;
  if (Array.isArray(value)) return value.map((v: unknown, i) => decodeWire(v, `${where}[${i}]`));
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec);
  if (keys.includes(BYTES) || keys.includes(F32)) {
    const key = keys[0];
    const text = key === undefined ? undefined : rec[key];
    if (keys.length !== 1 || typeof text !== 'string') {
      throw new InputError(`decodeWire: ${where}: a typed-array marker must be a single "$bytes" or "$f32" key with a base64 string`, { option: where });
    }
    return key === BYTES ? new Uint8Array(Buffer.from(text, 'base64')) : base64ToF32(text, where);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeWire(rec[k], `${where}.${k}`);
  return out;
}
