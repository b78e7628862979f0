import * as tf from '@tensorflow/tfjs';
import type { DsmBatch } from '../losses';
import type { TrainingData } from './training-data';

/** How one sample of a batch is taken from the data. */
export interface SampleSpec {
  /** Row of the training data. */
  readonly row: number;
  /** Mirror left↔right (HR, LR, and the descriptor of the mirrored HR). */
  readonly flip: boolean;
  /** Top-left corner of the patch in HR pixels (0, 0 for whole faces). */
  readonly top: number;
  readonly left: number;
}

/**
 * Builds a {@link DsmBatch} from the uint8 cache: x0 = HR/255 and y = LR/255 as [B,P,P,3]
 * float32 (P = patchPx, the whole face when P = hrSizePx), feat [B,D] the stored descriptor (of
 * the mirrored face when flipped). The caller owns the tensors.
 */
export function assembleBatch(data: TrainingData, samples: readonly SampleSpec[], patchPx: number): DsmBatch {
  const s = data.manifest.hrSizePx;
  const d = data.manifest.embedder.dim;
  const b = samples.length;
  const hr = new Float32Array(b * patchPx * patchPx * 3);
  const lr = new Float32Array(b * patchPx * patchPx * 3);
  const feat = new Float32Array(b * d);
  samples.forEach((sp, k) => {
    const base = sp.row * s * s * 3;
    const outBase = k * patchPx * patchPx * 3;
    for (let y = 0; y < patchPx; y++) {
      const srcRow = base + (sp.top + y) * s * 3;
      for (let x = 0; x < patchPx; x++) {
        const sx = sp.flip ? s - 1 - (sp.left + x) : sp.left + x;
        const src = srcRow + sx * 3;
        const dst = outBase + (y * patchPx + x) * 3;
        for (let c = 0; c < 3; c++) {
          hr[dst + c] = (data.hr[src + c] ?? 0) / 255;
          lr[dst + c] = (data.lr[src + c] ?? 0) / 255;
        }
      }
    }
    feat.set((sp.flip ? data.featuresFlipped : data.features).subarray(sp.row * d, (sp.row + 1) * d), k * d);
  });
  return {
    x0NHWC: tf.tensor4d(hr, [b, patchPx, patchPx, 3], 'float32'),
    yNHWC: tf.tensor4d(lr, [b, patchPx, patchPx, 3], 'float32'),
    feat: tf.tensor2d(feat, [b, d], 'float32'),
  };
}
