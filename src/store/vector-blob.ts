import { StoreError } from '../contracts';
import { invalidValue } from '../validate';

/** True on little-endian hosts (all Node targets in practice); the BLOB format is fixed LE either way. */
export const HOST_IS_LE: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a vector as a BLOB of little-endian float32 values (4 bytes each), bit-exact
 * (NaN payloads and -0 included). The result is a copy: later changes to `vector` do not affect it.
 */
export function float32ToBlob(vector: Float32Array): Buffer {
  if (!(vector instanceof Float32Array)) invalidValue('float32ToBlob', 'vector', 'a Float32Array', vector, StoreError, {});
  const out = Buffer.alloc(vector.length * 4);
  if (HOST_IS_LE) {
    out.set(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  } else {
    const view = new DataView(vector.buffer, vector.byteOffset, vector.byteLength);
    for (let i = 0; i < vector.length; i++) out.writeUInt32LE(view.getUint32(i * 4, false), i * 4);
  }
  return out;
}

/**
 * Decodes a BLOB written by `float32ToBlob` into a new, aligned Float32Array.
 * @param name what the blob is, for the error message (e.g. 'embeddings.vector of row 12').
 * @throws StoreError when the byte length is not a multiple of 4.
 */
export function blobToFloat32(blob: Uint8Array, name = 'blob'): Float32Array {
  if (!(blob instanceof Uint8Array)) {
    throw new StoreError(`blobToFloat32: expected ${name} to be a Uint8Array, received ${Object.prototype.toString.call(blob)}`);
  }
  if (blob.byteLength % 4 !== 0) {
    throw new StoreError(`blobToFloat32: expected ${name} to hold a multiple of 4 bytes (float32), received ${blob.byteLength} bytes`);
  }
  const out = new Float32Array(blob.byteLength / 4);
  if (HOST_IS_LE) {
    // Copy bytes: the source may sit at an offset that is not 4-byte aligned.
    new Uint8Array(out.buffer).set(blob);
  } else {
    const src = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const dst = new DataView(out.buffer);
    for (let i = 0; i < out.length; i++) dst.setUint32(i * 4, src.getUint32(i * 4, true), false);
  }
  return out;
}
