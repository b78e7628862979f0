import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../contracts';
import { checkNoiseShape } from './check-shape';
import type { NoiseKind, NoiseSource } from './noise-source';

/** One recorded draw. `data` is row-major for `shape`. */
export interface NoiseRecording {
  readonly kind: NoiseKind;
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** Where the draw came from (e.g. a fixture file name); used in error messages. */
  readonly label?: string;
}

const fmtShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * Returns recorded draws in order, e.g. the 9 `torch.randn` draws of the fixture's PC sampler
 * run. Each request must match the next recording's kind and shape exactly; there is no
 * fallback to fresh randomness.
 */
export class ReplayNoiseSource implements NoiseSource {
  readonly #recordings: readonly NoiseRecording[];
  #next = 0;

  /** @throws InputError when a recording's data length does not match its shape. */
  constructor(recordings: readonly NoiseRecording[]) {
    recordings.forEach((r, i) => {
      const n = checkNoiseShape(`ReplayNoiseSource: recording #${i}`, r.shape);
      if (r.kind !== 'normal' && r.kind !== 'uniform') {
        throw new InputError(`ReplayNoiseSource: recording #${i} has kind ${JSON.stringify(r.kind)}; expected "normal" or "uniform"`);
      }
      if (!(r.data instanceof Float32Array) || r.data.length !== n) {
        throw new InputError(
          `ReplayNoiseSource: recording #${i}${r.label !== undefined ? ` (${r.label})` : ''} has ${r.data?.length ?? 'no'} values for shape ${fmtShape(r.shape)} (expected ${n})`,
        );
      }
    });
    this.#recordings = [...recordings];
  }

  /** Number of draws already replayed. */
  get consumed(): number {
    return this.#next;
  }

  /** Number of recorded draws not yet replayed. */
  get remaining(): number {
    return this.#recordings.length - this.#next;
  }

  /** @throws InputError when some recorded draws were not used. */
  assertExhausted(): void {
    if (this.remaining !== 0) {
      throw new InputError(`ReplayNoiseSource: ${this.remaining} of ${this.#recordings.length} recorded draws were not used`);
    }
  }

  normal(shape: readonly number[]): tf.Tensor {
    return this.#take('normal', shape);
  }

  uniform(shape: readonly number[]): tf.Tensor {
    return this.#take('uniform', shape);
  }

  #take(kind: NoiseKind, shape: readonly number[]): tf.Tensor {
    checkNoiseShape(`ReplayNoiseSource.${kind}`, shape);
    const index = this.#next;
    const rec = this.#recordings[index];
    if (rec === undefined) {
      throw new InputError(
        `ReplayNoiseSource: recording exhausted: draw #${index} (${kind} ${fmtShape(shape)}) requested but only ${this.#recordings.length} draws were recorded`,
      );
    }
    const label = rec.label !== undefined ? ` (${rec.label})` : '';
    if (rec.kind !== kind || rec.shape.length !== shape.length || rec.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(
        `ReplayNoiseSource: draw #${index}${label} was recorded as ${rec.kind} ${fmtShape(rec.shape)} but ${kind} ${fmtShape(shape)} was requested`,
      );
    }
    this.#next += 1;
    return tf.tensor(rec.data, [...shape], 'float32');
  }
}
