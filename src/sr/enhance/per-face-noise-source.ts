import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import { SeededNoiseSource } from '../noise';
import type { NoiseSource } from '../noise';

/**
 * A {@link NoiseSource} for a batch of faces with one seed each: a draw of shape [B, ...rest] is
 * B draws of shape [1, ...rest], row i from face i's own `SeededNoiseSource(seeds[i])`, stacked.
 * So face i's noise (prior, Langevin and predictor draws) depends only on its seed and on the
 * sequence of draw shapes, never on which other faces share its batch or where it sits in it.
 */
export class PerFaceNoiseSource implements NoiseSource {
  readonly seeds: readonly number[];
  readonly #sources: readonly SeededNoiseSource[];

  /**
   * @param seeds one integer in [0, 2^53 - 1] per face (row of every draw).
   * @throws InputError for an empty list or a bad seed.
   */
  constructor(seeds: readonly number[]) {
    if (!Array.isArray(seeds) || seeds.length === 0) throw new InputError('PerFaceNoiseSource: seeds must be a non-empty array', { option: 'seeds' });
    this.seeds = Object.freeze([...seeds]);
    this.#sources = Object.freeze(seeds.map((s) => new SeededNoiseSource(s)));
  }

  #draw(kind: 'normal' | 'uniform', shape: readonly number[]): tf.Tensor {
    const b = this.#sources.length;
    if (!Array.isArray(shape) || shape.length < 1 || shape[0] !== b) {
      throw new InputError(`PerFaceNoiseSource.${kind}: shape must start with the batch size ${b} (one row per face), received [${String(shape)}]`, {
        option: 'shape',
      });
    }
    const rest = shape.slice(1);
    const per = rest.reduce((a, d) => a * d, 1);
    const out = new Float32Array(b * per);
    this.#sources.forEach((src, i) => {
      out.set(kind === 'normal' ? src.normalArray(per) : src.uniformArray(per), i * per);
    });
    return tf.tensor(out, [...shape], 'float32');
  }

  normal(shape: readonly number[]): tf.Tensor {
    return this.#draw('normal', shape);
  }

  uniform(shape: readonly number[]): tf.Tensor {
    return this.#draw('uniform', shape);
  }
}
