import type * as tf from '@tensorflow/tfjs';
import type { NoiseKind, NoiseSource } from './noise-source';
import type { NoiseRecording } from './replay-noise-source';

/**
 * Passes draws through from an inner source and keeps a copy of each, so a run can be replayed
 * later with {@link ReplayNoiseSource} (e.g. to rerun a sampler with a different score function).
 */
export class RecordingNoiseSource implements NoiseSource {
  readonly #inner: NoiseSource;
  readonly #recordings: NoiseRecording[] = [];

  constructor(inner: NoiseSource) {
    this.#inner = inner;
  }

  /** Copies of the draws so far, in order. */
  get recordings(): readonly NoiseRecording[] {
    return [...this.#recordings];
  }

  normal(shape: readonly number[]): tf.Tensor {
    return this.#record('normal', shape, this.#inner.normal(shape));
  }

  uniform(shape: readonly number[]): tf.Tensor {
    return this.#record('uniform', shape, this.#inner.uniform(shape));
  }

  #record(kind: NoiseKind, shape: readonly number[], t: tf.Tensor): tf.Tensor {
    this.#recordings.push({ kind, shape: [...shape], data: Float32Array.from(t.dataSync()) });
    return t;
  }
}
