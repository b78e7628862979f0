import type * as tf from '@tensorflow/tfjs';
import type { NcsnppConfig } from '../model-config';
import type { ScoreNetwork } from '../score-fn';

/** The inference engines a user can choose (`--engine onnx|tfjs`). */
export const SR_ENGINE_NAMES = ['onnx', 'tfjs'] as const;
export type SrEngineName = (typeof SR_ENGINE_NAMES)[number];

/** Time spent by an engine since it was created (or since {@link SrEngine.resetTiming}). */
export interface SrEngineTiming {
  /** Network calls (`forward`) completed. */
  readonly calls: number;
  /** Wall time inside `forward`, ms (boundary conversions included). */
  readonly totalMs: number;
  /**
   * Time of the network itself, ms (onnx: `session.run` in its worker thread; tfjs: equal to
   * totalMs). totalMs - networkMs is the boundary overhead (tensor copies, thread hand-off).
   */
  readonly networkMs: number;
}

/**
 * One way of evaluating the FASR score network (NCSN++). Implements the {@link ScoreNetwork} that
 * `makeScoreFn` (src/sr/score-fn.ts) turns into the samplers' `ConditionalScoreFn`, so every
 * sampler runs on either engine unchanged: tf tensors in and out, NHWC images, any batch size
 * (several tracks' faces in one call).
 */
export interface SrEngine extends ScoreNetwork {
  readonly name: SrEngineName;
  /** The network's configuration (image size, feature dimension, ...). */
  readonly config: NcsnppConfig;
  /**
   * One network evaluation, synchronous (the samplers' score functions are).
   * @param xNHWC [B,S,S,3] float32 @param yNHWC [B,S,S,3] float32
   * @param sigmas [B] float32 noise levels (> 0) @param feat [B,featDim] float32 raw descriptors
   * @returns score [B,S,S,3], owned by the caller; the inputs are not disposed.
   * @throws InputError for wrong ranks, shapes or dtypes, or after dispose.
   */
  forward(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D): tf.Tensor4D;
  /** Time spent so far. */
  timing(): SrEngineTiming;
  resetTiming(): void;
  /** Frees the engine's model (weights, session, worker thread). Idempotent. */
  dispose(): Promise<void>;
}
