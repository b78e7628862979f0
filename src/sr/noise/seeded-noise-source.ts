import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import { checkNoiseShape } from './check-shape';
import type { NoiseSource } from './noise-source';
import { philox4x32 } from './philox';

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;
const TWO_PI = 2 * Math.PI;

/**
 * Seeded noise generated in JavaScript, independent of the tfjs backend.
 *
 * Algorithm: Philox4x32-10 (see `philox.ts`) keyed by the seed (key = [seed mod 2^32,
 * floor(seed / 2^32)]), counter = a 64-bit block index (words 0-1; words 2-3 are 0) starting at 0.
 * Each call to `normal`/`uniform` starts at a fresh block and consumes ceil(n / 4) blocks for
 * n values, so the values depend only on the seed and on the sequence of (kind, shape) calls.
 *
 * - uniform: word w → (w >>> 8) · 2^-24, exactly representable in float32, in [0, 1).
 * - normal: Box–Muller on consecutive word pairs (a, b): u1 = (a + 1) · 2^-32 ∈ (0, 1],
 *   θ = 2π · b · 2^-32, r = sqrt(-2 ln u1), values r·cos θ then r·sin θ, evaluated in float64 and
 *   rounded once to float32 (|z| ≤ 6.66 by construction).
 *
 * Reproducible bit for bit across runs, machines and tfjs backends: the integer part is exact and
 * the float64 part uses `Math.log/cos/sin/sqrt` (V8 implements log/cos/sin with its fdlibm port,
 * identical on every platform; sqrt is IEEE-exact). A different JavaScript engine may differ in
 * the last float64 bit of those functions, which can flip the float32 rounding of rare values.
 */
export class SeededNoiseSource implements NoiseSource {
  /** The seed this source was created with. */
  readonly seed: number;
  readonly #key: Uint32Array;
  /** Next block index (64-bit counter kept as a safe integer; 2^53 blocks is plenty). */
  #block = 0;

  /**
   * @param seed integer in [0, 2^53 - 1].
   * @throws InputError for anything else.
   */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
      throw new InputError(`SeededNoiseSource: seed must be an integer in [0, 2^53 - 1], received ${String(seed)}`, { option: 'seed' });
    }
    this.seed = seed;
    this.#key = new Uint32Array([seed % TWO_POW_32, Math.floor(seed / TWO_POW_32)]);
  }

  /** Number of Philox blocks consumed so far (4 uint32 words each). */
  get blocksConsumed(): number {
    return this.#block;
  }

  /** Draws `count` uint32 words from fresh blocks. */
  #words(count: number): Uint32Array {
    const blocks = Math.ceil(count / 4);
    const out = new Uint32Array(blocks * 4);
    const ctr = new Uint32Array(4);
    for (let i = 0; i < blocks; i++) {
      const index = this.#block + i;
      ctr[0] = index % TWO_POW_32;
      ctr[1] = Math.floor(index / TWO_POW_32);
      philox4x32(ctr, this.#key, out, i * 4);
    }
    this.#block += blocks;
    return out;
  }

  /** Standard normal float32 draws (Box–Muller on Philox words). */
  normalArray(count: number): Float32Array {
    const pairs = Math.ceil(count / 2);
    const w = this.#words(pairs * 2);
    const out = new Float32Array(count);
    for (let p = 0; p < pairs; p++) {
      const a = w[2 * p] ?? 0;
      const b = w[2 * p + 1] ?? 0;
      const r = Math.sqrt(-2 * Math.log((a + 1) * TWO_POW_MINUS_32));
      const theta = TWO_PI * b * TWO_POW_MINUS_32;
      out[2 * p] = r * Math.cos(theta);
      if (2 * p + 1 < count) out[2 * p + 1] = r * Math.sin(theta);
    }
    return out;
  }

  /** U[0, 1) float32 draws with 24 random bits each. */
  uniformArray(count: number): Float32Array {
    const w = this.#words(count);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = ((w[i] ?? 0) >>> 8) * TWO_POW_MINUS_24;
    return out;
  }

  normal(shape: readonly number[]): tf.Tensor {
    const n = checkNoiseShape('SeededNoiseSource.normal', shape);
    return tf.tensor(this.normalArray(n), [...shape], 'float32');
  }

  uniform(shape: readonly number[]): tf.Tensor {
    const n = checkNoiseShape('SeededNoiseSource.uniform', shape);
    return tf.tensor(this.uniformArray(n), [...shape], 'float32');
  }
}
