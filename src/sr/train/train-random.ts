import { philox4x32 } from '../noise';

const TWO_POW_32 = 2 ** 32;

/** Independent random streams of a training run, all derived from (seed, stream, index). */
export const TRAIN_STREAMS = Object.freeze({ order: 1, flip: 2, patch: 3, noise: 4, validation: 5 } as const);
export type TrainStream = keyof typeof TRAIN_STREAMS;

/**
 * Counter-based randomness of a training run: every draw is Philox4x32-10 of
 * (index, stream) under the key `seed`, so the state of the whole run is just its step number,
 * and a resumed run draws exactly what an uninterrupted one would have.
 */
export class TrainRandom {
  readonly seed: number;
  readonly #key: Uint32Array;

  /** @param seed integer in [0, 2^53 − 1] (validated by the training config). */
  constructor(seed: number) {
    this.seed = seed;
    this.#key = new Uint32Array([seed % TWO_POW_32, Math.floor(seed / TWO_POW_32)]);
  }

  /** 4 uint32 words for (stream, index, sub). */
  words(stream: TrainStream, index: number, sub = 0): Uint32Array {
    const out = new Uint32Array(4);
    philox4x32([index % TWO_POW_32, Math.floor(index / TWO_POW_32), TRAIN_STREAMS[stream], sub], this.#key, out);
    return out;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(stream: TrainStream, index: number, sub = 0): number {
    const w = this.words(stream, index, sub);
    return ((w[0] ?? 0) * 2 ** 21 + ((w[1] ?? 0) >>> 11)) / 2 ** 53;
  }

  /** Integer in [0, n) (n ≤ 2^32). */
  below(n: number, stream: TrainStream, index: number, sub = 0): number {
    return Math.floor(this.uniform(stream, index, sub) * n);
  }

  /** A seed for a `SeededNoiseSource` (integer in [0, 2^53 − 1]). */
  childSeed(stream: TrainStream, index: number): number {
    const w = this.words(stream, index);
    return (w[0] ?? 0) * 2 ** 21 + ((w[1] ?? 0) >>> 11);
  }

  /** Fisher–Yates permutation of 0..n−1 for epoch `epoch` (data order). */
  permutation(n: number, epoch: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1, 'order', epoch, i);
      const tmp = p[i] ?? 0;
      p[i] = p[j] ?? 0;
      p[j] = tmp;
    }
    return p;
  }

  /**
   * The sample positions (into the training split) of step `step`'s batch: the run walks through
   * one permutation per epoch, batches running on across epoch boundaries.
   */
  batchPositions(step: number, batchSize: number, n: number, cache?: Map<number, Uint32Array>): number[] {
    const out: number[] = [];
    for (let k = 0; k < batchSize; k++) {
      const global = step * batchSize + k;
      const epoch = Math.floor(global / n);
      let perm = cache?.get(epoch);
      if (perm === undefined) {
        perm = this.permutation(n, epoch);
        if (cache !== undefined) {
          cache.clear();
          cache.set(epoch, perm);
        }
      }
      out.push(perm[global % n] ?? 0);
    }
    return out;
  }
}

/** One standard normal draw from two uniforms of `u` (Box–Muller, cosine branch; 1 − u keeps log away from 0). */
export function boxMullerNormal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}
