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

/** True for kernels proportional to [1,3,3,1] (the paper's), which have a fast upsampling path. */
function isBinomial4(k: readonly number[]): boolean {
  const a = k[0] ?? 0;
  return k.length === 4 && a > 0 && k[1] === 3 * a && k[2] === 3 * a && k[3] === a;
}

/** Per-axis border factor of zero padding vs edge clamping: 0.75 at both ends, 1 inside. */
function borderMask(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === 0 || i === n - 1 ? 0.75 : 1));
}

/**
 * FIR 2x upsampling with `upfirdn2d_native` semantics (score_sde `upsample_2d`, factor 2, gain 1):
 * zero-stuff, pad (p+1)//2+1 before and p//2 after (p = K-2; (2,1) for [1,3,3,1]), convolve with
 * outer(k,k)/sum * 4. Zero padding at the borders (not edge replication).
 *
 * For [1,3,3,1] the result is, per axis, out[2i] = (x[i-1] + 3x[i])/4 and
 * out[2i+1] = (3x[i] + x[i+1])/4: half-pixel bilinear 2x resizing, except at the borders where
 * bilinear clamps (x[-1] := x[0]) and upfirdn2d pads zeros, which scales the first and last
 * row/column by exactly 3/4. That path (resizeBilinear times a border mask) avoids the 4x larger
 * zero-stuffed map; other kernels take the direct zero-stuff + depthwise-convolution path.
 *
 * @param imgNHWC [B,H,W,C] @returns [B,2H,2W,C]
 */
export function upsampleFir2d(imgNHWC: tf.Tensor4D, k: readonly number[]): tf.Tensor4D {
  if (!isBinomial4(k)) return upsampleFir2dDirect(imgNHWC, k);
  // tfjs' ResizeBilinearGrad (cpu and wasm, 4.22) ignores halfPixelCenters, so autodiff through
  // the resize would give a wrong gradient: supply the exact adjoint (see upsampleFir2dAdjoint).
  const up = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    return {
      value: tf.tidy(() => {
        const [, h, w] = x.shape;
        const mh = borderMask(2 * h);
        const mw = borderMask(2 * w);
        const mask = tf.tensor4d(mh.flatMap((u) => mw.map((v) => u * v)), [1, 2 * h, 2 * w, 1], 'float32');
        return tf.mul(tf.image.resizeBilinear(x, [2 * h, 2 * w], false, true), mask) as tf.Tensor4D;
      }),
      gradFunc: (dy: tf.Tensor4D) => upsampleFir2dAdjoint(dy, k),
    };
  });
  return up(imgNHWC) as tf.Tensor4D;
}

/**
 * The adjoint (vector-Jacobian product) of {@link upsampleFir2d}: with g = outer(k,k)/sum^2 * 4
 * (not flipped), dx[i] = sum_j dy[j] g[j - 2i + K-1-lo] per axis (lo = (p+1)//2 + 1), i.e. a
 * stride-2 depthwise correlation of dy padded (K-1-lo, lo-1) with g.
 *
 * @param dyNHWC [B,2H,2W,C] @returns [B,H,W,C]
 */
export function upsampleFir2dAdjoint(dyNHWC: tf.Tensor4D, k: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const n = k.length;
    const c = dyNHWC.shape[3];
    const sum = k.reduce((a, b) => a + b, 0);
    const g = k.flatMap((a) => k.map((b) => ((a * b) / (sum * sum)) * 4));
    const filter = tf.tile(tf.tensor4d(g, [n, n, 1, 1], 'float32'), [1, 1, c, 1]) as tf.Tensor4D;
    const lo = Math.floor((n - 1) / 2) + 1;
    const before = n - 1 - lo;
    const after = lo - 1;
    const padded = tf.pad(dyNHWC, [[0, 0], [before, after], [before, after], [0, 0]]);
    return tf.depthwiseConv2d<tf.Tensor4D>(padded as tf.Tensor4D, filter, 2, 'valid');
  });
}

/** {@link upsampleFir2d} computed literally (zero-stuffing + depthwise convolution), for any kernel. */
export function upsampleFir2dDirect(imgNHWC: tf.Tensor4D, k: readonly number[]): tf.Tensor4D {
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
