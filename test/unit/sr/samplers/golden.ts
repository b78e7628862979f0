/** Helpers to load the fasr-reference goldens (NCHW float32) as NHWC and compare per sample. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readNpy } from '../../../../src/sr/checkpoint/npy';

/** tiny/ fixtures, relative to this file (shared/ sits beside the repository). */
export const TINY_DIR = path.resolve(__dirname, '../../../../../shared/fixtures/fasr-reference/tiny');

/** A float32 fixture as stored (any layout). */
export function loadRaw(rel: string): { shape: number[]; data: Float32Array } {
  const t = readNpy(path.join(TINY_DIR, rel));
  if (t.dtype !== 'float32') throw new Error(`${rel}: expected float32, found ${t.dtype}`);
  return { shape: [...t.shape], data: t.data as Float32Array };
}

/** A (B,C,H,W) fixture transposed to NHWC, on the host. */
export function loadNhwcData(rel: string): { shape: [number, number, number, number]; data: Float32Array } {
  const { shape, data } = loadRaw(rel);
  const [b, c, h, w] = shape;
  if (shape.length !== 4 || b === undefined || c === undefined || h === undefined || w === undefined) {
    throw new Error(`${rel}: expected a 4-d NCHW array, found shape ${JSON.stringify(shape)}`);
  }
  const out = new Float32Array(data.length);
  for (let n = 0; n < b; n++)
    for (let ci = 0; ci < c; ci++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((n * h + y) * w + x) * c + ci] = data[((n * c + ci) * h + y) * w + x] ?? NaN;
  return { shape: [b, h, w, c], data: out };
}

/** A (B,C,H,W) fixture as an NHWC tensor. */
export function loadNhwc(rel: string): tf.Tensor4D {
  const { shape, data } = loadNhwcData(rel);
  return tf.tensor4d(data, shape, 'float32');
}

/**
 * README §6 metric: for each batch element b, max|a_b - ref_b| / max|ref_b|, and the L2-relative
 * error ‖a_b - ref_b‖ / ‖ref_b‖ (the two samples' scales differ by ~2000×).
 */
export function perSampleErrors(actual: ArrayLike<number>, ref: ArrayLike<number>, batch: number): { maxRel: number[]; l2Rel: number[] } {
  if (actual.length !== ref.length) throw new Error(`length mismatch: ${actual.length} vs ${ref.length}`);
  const per = ref.length / batch;
  const maxRel: number[] = [];
  const l2Rel: number[] = [];
  for (let b = 0; b < batch; b++) {
    let maxErr = 0;
    let maxRef = 0;
    let se = 0;
    let sr = 0;
    for (let i = b * per; i < (b + 1) * per; i++) {
      const a = actual[i] ?? NaN;
      const r = ref[i] ?? NaN;
      const e = Math.abs(a - r);
      maxErr = Number.isNaN(e) ? Infinity : Math.max(maxErr, e);
      maxRef = Math.max(maxRef, Math.abs(r));
      se += (a - r) ** 2;
      sr += r * r;
    }
    maxRel.push(maxErr / maxRef);
    l2Rel.push(Math.sqrt(se / sr));
  }
  return { maxRel, l2Rel };
}

/** Bit patterns of float32 values (for exact comparisons that also distinguish ±0). */
export function float32Bits(values: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}
