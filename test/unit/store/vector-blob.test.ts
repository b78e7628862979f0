import { StoreError } from '../../../src/contracts';
import { blobToFloat32, float32ToBlob } from '../../../src/store/vector-blob';

function bits(v: Float32Array): number[] {
  return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
}

describe('float32 vector BLOB codec', () => {
  it('writes little-endian IEEE-754 float32', () => {
    expect(Array.from(float32ToBlob(new Float32Array([1, -2])))).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('round-trips bit-exact, -0, subnormals, infinities and NaN payloads included', () => {
    const v = new Float32Array([0, -0, 1.4e-45, -1.17549435e-38, 3.4028234663852886e38, Infinity, -Infinity, 0.1, Math.PI]);
    const withNaN = new Float32Array(v.length + 1);
    withNaN.set(v);
    new Uint32Array(withNaN.buffer)[v.length] = 0x7fc01234; // a NaN with a payload
    const back = blobToFloat32(float32ToBlob(withNaN));
    expect(bits(back)).toEqual(bits(withNaN));
  });

  it('copies: the blob does not alias the vector, and a view at an odd offset decodes', () => {
    const v = new Float32Array([1, 2, 3]);
    const blob = float32ToBlob(v);
    v[0] = 99;
    expect(Array.from(blobToFloat32(blob))).toEqual([1, 2, 3]);
    // A subarray of a Float32Array (non-zero byteOffset) encodes only its own elements.
    expect(Array.from(blobToFloat32(float32ToBlob(new Float32Array([5, 6, 7, 8]).subarray(1, 3))))).toEqual([6, 7]);
    // Unaligned source bytes (offset 1) still decode.
    const shifted = new Uint8Array(blob.length + 1);
    shifted.set(blob, 1);
    expect(Array.from(blobToFloat32(shifted.subarray(1)))).toEqual([1, 2, 3]);
    expect(blobToFloat32(new Uint8Array(0))).toHaveLength(0);
  });

  it('rejects a length that is not a multiple of 4 and a non-Float32Array', () => {
    expect(() => blobToFloat32(new Uint8Array(6), 'embeddings.vector of embedding 3')).toThrow(
      new StoreError('blobToFloat32: expected embeddings.vector of embedding 3 to hold a multiple of 4 bytes (float32), received 6 bytes'),
    );
    expect(() => float32ToBlob(new Float64Array(2) as unknown as Float32Array)).toThrow(
      'float32ToBlob.vector: expected a Float32Array, received a Float64Array of length 2',
    );
  });
});
