import type * as tf from '@tensorflow/tfjs';

/** The two kinds of draw a {@link NoiseSource} provides. */
export type NoiseKind = 'normal' | 'uniform';

/**
 * Where the samplers and the loss get their randomness from. Injected explicitly (no global
 * RNG) so a result is reproducible from its seed, and so recorded draws can be replayed.
 *
 * Every call returns a new float32 tensor that the caller owns and must dispose.
 */
export interface NoiseSource {
  /** Independent N(0, 1) draws of the given shape (float32). */
  normal(shape: readonly number[]): tf.Tensor;
  /** Independent U[0, 1) draws of the given shape (float32). */
  uniform(shape: readonly number[]): tf.Tensor;
}
