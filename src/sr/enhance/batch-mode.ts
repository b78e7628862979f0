import * as tf from '@tensorflow/tfjs';
import type { NcsnppConfig } from '../model-config';
import { SeededNoiseSource } from '../noise';
import type { ScoreNetwork } from '../score-fn';

/**
 * How faces may share a network call without changing any face's result by a single bit:
 * - `batched`: any batch size gives every row the same bits as a call with that row alone.
 * - `pad-singletons`: batches of 2 or more agree with each other but not with batch 1 (tfjs-wasm
 *   runs a batch-1 `matMul(a, b)` without transpose through another kernel than batch ≥ 2; the
 *   attention block's `w v` hits it), so a lone face is run as a batch of 2 with a copy of itself.
 * - `sequential`: even batches of different sizes disagree: each face gets its own call.
 */
export type BatchMode = 'batched' | 'pad-singletons' | 'sequential';

function equalRows(a: Float32Array, rowA: number, b: Float32Array, rowB: number, rowSize: number): boolean {
  for (let k = 0; k < rowSize; k++) if (a[rowA * rowSize + k] !== b[rowB * rowSize + k]) return false;
  return true;
}

/**
 * Finds the {@link BatchMode} of a network on the active backend by evaluating it on three
 * seeded random faces as [a], [a, b] and [c, a, b] and comparing the rows bit for bit
 * (6 face-evaluations in 3 calls).
 */
export function probeBatchMode(network: ScoreNetwork, config: NcsnppConfig): BatchMode {
  const s = config.imageSize;
  const rowSize = s * s * 3;
  const noise = new SeededNoiseSource(20240607);
  const run = (rows: readonly number[], x: tf.Tensor4D, y: tf.Tensor4D, sigma: tf.Tensor1D, feat: tf.Tensor2D): Float32Array =>
    tf.tidy(() => {
      const idx = tf.tensor1d([...rows], 'int32');
      const out = network.forward(tf.gather(x, idx), tf.gather(y, idx), tf.gather(sigma, idx), tf.gather(feat, idx));
      return out.dataSync() as Float32Array;
    });
  const inputs = tf.tidy(() => {
    const sigma = tf.tensor1d([0.05, 3, 120], 'float32');
    const x = tf.mul(noise.normal([3, s, s, 3]), tf.reshape(sigma, [3, 1, 1, 1])) as tf.Tensor4D;
    const y = noise.uniform([3, s, s, 3]) as tf.Tensor4D;
    const feat = noise.normal([3, config.featDim]) as tf.Tensor2D;
    return { x, y, sigma, feat };
  });
  try {
    const one = run([0], inputs.x, inputs.y, inputs.sigma, inputs.feat);
    const two = run([0, 1], inputs.x, inputs.y, inputs.sigma, inputs.feat);
    const three = run([2, 0, 1], inputs.x, inputs.y, inputs.sigma, inputs.feat);
    const multiAgree = equalRows(two, 0, three, 1, rowSize) && equalRows(two, 1, three, 2, rowSize);
    if (!multiAgree) return 'sequential';
    return equalRows(one, 0, two, 0, rowSize) ? 'batched' : 'pad-singletons';
  } finally {
    tf.dispose([inputs.x, inputs.y, inputs.sigma, inputs.feat]);
  }
}
