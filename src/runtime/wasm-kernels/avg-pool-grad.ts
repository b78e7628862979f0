import * as tf from '@tensorflow/tfjs';

/** Attributes of the `AvgPoolGrad` kernel (tfjs `AvgPoolGradAttrs`). */
export interface AvgPoolGradAttrs {
  readonly filterSize: [number, number] | number;
  readonly strides: [number, number] | number;
  readonly pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Whether {@link avgPoolGradFromOps} handles these attributes: unpadded pooling whose windows
 * tile the input exactly (stride = window, or a single window per axis), as GroupNorm's spatial
 * means in NCSN++ use it.
 */
export function avgPoolGradSupported(inputShape: readonly number[], attrs: AvgPoolGradAttrs): boolean {
  const [fh, fw] = pair(attrs.filterSize);
  const [sh, sw] = pair(attrs.strides);
  const [, h = 0, w = 0] = inputShape;
  const tiles = (size: number, f: number, s: number): boolean => size % f === 0 && (s === f || size === f);
  if (!tiles(h, fh, sh) || !tiles(w, fw, sw)) return false;
  const info = tf.backend_util.computePool2DInfo(inputShape as [number, number, number, number], [fh, fw], [sh, sw], 1, attrs.pad);
  const p = info.padInfo;
  return p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;
}

/**
 * Gradient of a tiling average pool: every input pixel receives dy of its window / (fh·fw), i.e.
 * dy repeated fh×fw times (a broadcasting multiply; wasm's own AvgPoolGrad loops per pixel and
 * was the largest backward cost of GroupNorm). Call only when {@link avgPoolGradSupported}.
 *
 * @param dy [B,OH,OW,C] @param inputShape [B,H,W,C] @returns dx [B,H,W,C]
 */
export function avgPoolGradFromOps(dy: tf.Tensor4D, inputShape: readonly [number, number, number, number], attrs: AvgPoolGradAttrs): tf.Tensor4D {
  const [b, h, w, c] = inputShape;
  const [oh, ow] = [dy.shape[1], dy.shape[2]];
  const rh = h / oh;
  const rw = w / ow;
  void attrs;
  return tf.tidy(() => {
    // A broadcasting multiply (native in wasm) rather than broadcastTo (a slow Tile there).
    const weights = tf.fill(oh === 1 && ow === 1 ? [1, h, w, 1] : [1, 1, rh, 1, rw, 1], 1 / (rh * rw));
    if (oh === 1 && ow === 1) return tf.mul(dy, weights) as tf.Tensor4D;
    return tf.reshape(tf.mul(tf.reshape(dy, [b, oh, 1, ow, 1, c]), weights), [b, h, w, c]) as tf.Tensor4D;
  });
}
