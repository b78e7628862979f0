import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InputError } from '../../contracts';

/**
 * The decay used at update number n (1-based) by score_sde's `ExponentialMovingAverage` with
 * `use_num_updates=True`: min(decay, (1 + n) / (10 + n)).
 */
export function emaDecayAt(decay: number, n: number): number {
  return Math.min(decay, (1 + n) / (10 + n));
}

/**
 * Exponential moving average of the weights (score_sde models/ema.py): shadow ← shadow −
 * (1 − d)(shadow − param), d = {@link emaDecayAt}(decay, n), n counting updates from 1. The
 * shadow starts as a copy of the weights. Owns its tensors: call {@link dispose}.
 */
export class ExponentialMovingAverage {
  readonly decay: number;
  #numUpdates = 0;
  readonly #shadow = new Map<string, tf.Tensor>();

  /** @param variables the weights to average; copied now. @param decay in (0, 1). */
  constructor(variables: ReadonlyMap<string, tf.Tensor>, decay: number) {
    if (!(decay > 0 && decay < 1)) throw new InputError(`ExponentialMovingAverage: decay must be in (0, 1), received ${decay}`, { option: 'decay' });
    this.decay = decay;
    for (const [name, v] of variables) this.#shadow.set(name, tf.clone(v));
  }

  /** Updates applied so far (score_sde `num_updates`). */
  get numUpdates(): number {
    return this.#numUpdates;
  }

  /** The averaged weights by name (owned by this object). */
  get shadow(): ReadonlyMap<string, tf.Tensor> {
    return this.#shadow;
  }

  /**
   * One update towards the current weights.
   * @throws InputError when a weight the average tracks is missing.
   */
  update(variables: ReadonlyMap<string, tf.Tensor>): void {
    for (const name of this.#shadow.keys()) {
      if (!variables.has(name)) throw new InputError(`ExponentialMovingAverage.update: no weight "${name}"`, { option: name });
    }
    const n = this.#numUpdates + 1;
    const oneMinusDecay = 1 - emaDecayAt(this.decay, n);
    for (const [name, s] of this.#shadow) {
      const p = variables.get(name) as tf.Tensor;
      const next = tf.tidy(() => tf.sub(s, tf.mul(tf.sub(s, p), oneMinusDecay)));
      s.dispose();
      this.#shadow.set(name, next);
    }
    this.#numUpdates = n;
  }

  /**
   * Restores a saved state; takes ownership of the tensors.
   * @throws CheckpointError when the names or shapes differ from the tracked weights.
   */
  restore(numUpdates: number, shadow: ReadonlyMap<string, tf.Tensor>): void {
    if (!Number.isInteger(numUpdates) || numUpdates < 0) throw new CheckpointError(`EMA state: num_updates must be an integer >= 0, received ${numUpdates}`);
    for (const [name, s] of this.#shadow) {
      const t = shadow.get(name);
      if (t === undefined || t.shape.join(',') !== s.shape.join(',')) {
        throw new CheckpointError(`EMA state: tensor "${name}" is missing or has shape [${t?.shape.join(',') ?? ''}], expected [${s.shape.join(',')}]`, { tensor: name });
      }
    }
    if (shadow.size !== this.#shadow.size) throw new CheckpointError(`EMA state: ${shadow.size} tensors, expected ${this.#shadow.size}`);
    for (const s of this.#shadow.values()) s.dispose();
    this.#shadow.clear();
    for (const [name, t] of shadow) this.#shadow.set(name, t);
    this.#numUpdates = numUpdates;
  }

  dispose(): void {
    for (const s of this.#shadow.values()) s.dispose();
    this.#shadow.clear();
  }
}
