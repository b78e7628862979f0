import * as tf from '@tensorflow/tfjs';

/**
 * 2-D FIR kernel of `upfirdn2d`: outer(k, k) normalised to sum 1, times `gain`, flipped in both
 * axes (upfirdn2d convolves, tfjs convs correlate). Row-major, `k.length` x `k.length`.
 */
export function firKernel2d(k: readonly number[], gain: number): number[] {
  const n = k.length;
  const sum = k.reduce((a, b) => a + b, 0);
  const out: number[] = new Array<number>(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // Flipped: tap (i, j) of the correlation is tap (n-1-i, n-1-j) of the kernel.
      out[i * n + j] = (((k[n - 1 - i] ?? 0) * (k[n - 1 - j] ?? 0)) / (sum * sum)) * gain;
    }
  }
  return out;
}

function depthwiseFilter(k: readonly number[], gain: number, channels: number): tf.Tensor4D {
  return tf.tidy(() => {
    const n = k.length;
    const base = tf.tensor4d(firKernel2d(k, gain), [n, n, 1, 1], 'float32');
    return tf.tile(base, [1, 1, channels, 1]) as tf.Tensor4D;
  });
}

/**
 * FIR 2x upsampling with `upfirdn2d_native` semantics (score_sde `upsample_2d`, factor 2, gain 1):
 * zero-stuff, pad (p+1)//2+1 before and p//2 after (p = K-2; (2,1) for [1,3,3,1]), convolve with
 * outer(k,k)/sum * 4. Zero padding at the borders (not edge replication).
 *
 * @param imgNHWC [B,H,W,C] @returns [B,2H,2W,C]
 */
export function upsampleFir2d(imgNHWC: tf.Tensor4D, k: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, c] = imgNHWC.shape;
    const p = k.length - 2;
    const lo = Math.floor((p + 1) / 2) + 1;
    const hi = Math.floor(p / 2);
    // Zero-stuffing: each sample followed by one zero along W, then along H.
    const zw = tf.pad(imgNHWC.reshape([b * h, w, 1, c]), [[0, 0], [0, 0], [0, 1], [0, 0]]).reshape([b, h, 1, 2 * w * c]);
    const z = tf.pad(zw, [[0, 0], [0, 0], [0, 1], [0, 0]]).reshape<tf.Tensor4D>([b, 2 * h, 2 * w, c]);
    return tf.depthwiseConv2d<tf.Tensor4D>(z, depthwiseFilter(k, 4, c), 1, [[0, 0], [lo, hi], [lo, hi], [0, 0]]);
  });
}

/**
 * FIR 2x downsampling with `upfirdn2d_native` semantics (score_sde `downsample_2d`, factor 2):
 * pad (p+1)//2 before and p//2 after (p = K-2; (1,1) for [1,3,3,1]), convolve with outer(k,k)/sum,
 * keep every second sample (a stride-2 depthwise convolution).
 *
 * @param imgNHWC [B,H,W,C] with H, W even @returns [B,H/2,W/2,C]
 */
export function downsampleFir2d(imgNHWC: tf.Tensor4D, k: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const c = imgNHWC.shape[3];
    const p = k.length - 2;
    const lo = Math.floor((p + 1) / 2);
    const hi = Math.floor(p / 2);
    return tf.depthwiseConv2d<tf.Tensor4D>(imgNHWC, depthwiseFilter(k, 1, c), 2, [[0, 0], [lo, hi], [lo, hi], [0, 0]]);
  });
}
