/**
 * Helpers shared by the NCSN++ golden tests: fixture paths, NCHW <-> NHWC, and the error metrics
 * of fixtures/fasr-reference/README.md section 6 (normalised per batch element).
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../../../../src/sr/checkpoint';
import { readNpy } from '../../../../src/sr/checkpoint';

export const TINY = path.resolve(__dirname, '../../../../../shared/fixtures/fasr-reference/tiny');

/** A float32 fixture, as a host tensor. */
export function fixture(rel: string): HostTensor {
  return readNpy(path.join(TINY, rel));
}

/** NCHW float32 fixture -> NHWC tensor (tfjs layout). */
export function nhwcFixture(rel: string): tf.Tensor4D {
  const h = fixture(rel);
  const [b, c, hh, w] = h.shape;
  if (h.shape.length !== 4 || b === undefined || c === undefined || hh === undefined || w === undefined) throw new Error(`${rel}: expected NCHW, got [${h.shape.join(',')}]`);
  return tf.tidy(() => tf.transpose(tf.tensor4d(h.data as Float32Array, [b, c, hh, w], 'float32'), [0, 2, 3, 1]));
}

/** Any fixture as a float32 tensor of its own shape. */
export function tensorFixture(rel: string): tf.Tensor {
  const h = fixture(rel);
  return tf.tensor(h.data as Float32Array, [...h.shape], 'float32');
}

export interface BatchErrors {
  /** max_b max|a_b - ref_b| / max|ref_b| */
  readonly maxAbsRel: number;
  /** max_b ||a_b - ref_b||_2 / ||ref_b||_2 */
  readonly l2Rel: number;
}

/** Errors normalised per batch element (the two samples' scales differ by ~2000x). */
export function batchErrors(actual: ArrayLike<number>, reference: ArrayLike<number>, batch: number): BatchErrors {
  if (actual.length !== reference.length) throw new Error(`length ${actual.length} vs reference ${reference.length}`);
  const per = reference.length / batch;
  let maxAbsRel = 0;
  let l2Rel = 0;
  for (let b = 0; b < batch; b++) {
    let maxDiff = 0;
    let maxRef = 0;
    let sqDiff = 0;
    let sqRef = 0;
    for (let i = b * per; i < (b + 1) * per; i++) {
      const d = (actual[i] ?? NaN) - (reference[i] ?? NaN);
      const r = reference[i] ?? NaN;
      if (!(Math.abs(d) <= maxDiff)) maxDiff = Math.abs(d); // NaN-propagating max
      maxRef = Math.max(maxRef, Math.abs(r));
      sqDiff += d * d;
      sqRef += r * r;
    }
    maxAbsRel = Math.max(maxAbsRel, maxDiff / maxRef);
    l2Rel = Math.max(l2Rel, Math.sqrt(sqDiff / sqRef));
  }
  return { maxAbsRel, l2Rel };
}

/** Host values of a tensor in NCHW order (rank 4 NHWC inputs are transposed). */
export function nchwValues(t: tf.Tensor): Float32Array {
  if (t.rank !== 4) return Float32Array.from(t.dataSync());
  return tf.tidy(() => Float32Array.from(tf.transpose(t, [0, 3, 1, 2]).dataSync()));
}
