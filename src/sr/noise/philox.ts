/**
 * Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3" (SC'11), as in Random123, cuRAND and PyTorch's CUDA generator. Pure 32-bit integer
 * arithmetic, so every JavaScript engine produces the same words.
 */

const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 values. */
function mulHi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const hh = ah * bh;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * One Philox4x32-10 block: encrypts the 128-bit counter `ctr` (4 uint32 words) under the 64-bit
 * key `key` (2 uint32 words) and writes 4 uint32 words to `out` at `offset`.
 */
export function philox4x32(ctr: ArrayLike<number>, key: ArrayLike<number>, out: Uint32Array, offset = 0): void {
  let c0 = (ctr[0] ?? 0) >>> 0;
  let c1 = (ctr[1] ?? 0) >>> 0;
  let c2 = (ctr[2] ?? 0) >>> 0;
  let c3 = (ctr[3] ?? 0) >>> 0;
  let k0 = (key[0] ?? 0) >>> 0;
  let k1 = (key[1] ?? 0) >>> 0;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulHi32(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulHi32(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[offset] = c0;
  out[offset + 1] = c1;
  out[offset + 2] = c2;
  out[offset + 3] = c3;
}
