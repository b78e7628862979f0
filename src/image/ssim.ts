import { InputError } from '../contracts';

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** Image width in pixels. Integer ≥ 11 (the window). */
  readonly width: number;
  /** Image height in pixels. Integer ≥ 11. */
  readonly height: number;
  /** Interleaved channels per pixel (HWC). Integer ≥ 1. Default 3. */
  readonly channels?: number;
  /** L, the dynamic range of the samples: 1 for floats in [0, 1] (default), 255 for 8-bit. */
  readonly dataRange?: number;
}

const WINDOW = 11;
const SIGMA = 1.5;
const K1 = 0.01;
const K2 = 0.03;

/** The normalised 1-D Gaussian (size 11, σ 1.5); the 2-D window is its outer product. */
function gaussianKernel(): Float64Array {
  const k = new Float64Array(WINDOW);
  const c = (WINDOW - 1) / 2;
  let sum = 0;
  for (let i = 0; i < WINDOW; i++) {
    k[i] = Math.exp(-((i - c) ** 2) / (2 * SIGMA * SIGMA));
    sum += k[i] ?? 0;
  }
  return k.map((v) => v / sum);
}

/** 'valid' separable Gaussian filtering of a w×h plane: (w−10)×(h−10) outputs. */
function filterValid(plane: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const ow = w - WINDOW + 1;
  const oh = h - WINDOW + 1;
  const rows = new Float64Array(ow * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < WINDOW; i++) s += (k[i] ?? 0) * (plane[y * w + x + i] ?? 0);
      rows[y * ow + x] = s;
    }
  }
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < WINDOW; i++) s += (k[i] ?? 0) * (rows[(y + i) * ow + x] ?? 0);
      out[y * ow + x] = s;
    }
  }
  return out;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality assessment: from
 * error visibility to structural similarity", Eq. 13 with their reference settings): an 11×11
 * Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03, C1 = (K1 L)², C2 = (K2 L)², local
 * statistics over the 'valid' window positions (no padding, as their ssim_index.m), the SSIM map
 * averaged per channel, then the channel means averaged. Computed in float64.
 *
 * @param aHWC, bHWC interleaved HWC samples of equal length width·height·channels
 * @returns SSIM in [−1, 1]; 1 for identical images.
 * @throws InputError for sizes below the window, mismatched lengths, bad options, non-finite samples.
 */
export function ssim(aHWC: ArrayLike<number>, bHWC: ArrayLike<number>, opts: SsimOptions): number {
  const { width: w, height: h } = opts;
  const channels = opts.channels ?? 3;
  const range = opts.dataRange ?? 1;
  for (const [name, v, min] of [
    ['width', w, WINDOW],
    ['height', h, WINDOW],
    ['channels', channels, 1],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new InputError(`ssim: ${name} must be an integer >= ${min} (the window is ${WINDOW}x${WINDOW}), received ${String(v)}`, { option: name });
  }
  if (!(typeof range === 'number' && Number.isFinite(range) && range > 0)) {
    throw new InputError(`ssim: dataRange must be a finite number > 0, received ${String(range)}`, { option: 'dataRange' });
  }
  const n = w * h * channels;
  if (aHWC.length !== n || bHWC.length !== n) {
    throw new InputError(`ssim: inputs must both have width*height*channels = ${n} samples, received ${aHWC.length} and ${bHWC.length}`);
  }
  const k = gaussianKernel();
  const c1 = (K1 * range) ** 2;
  const c2 = (K2 * range) ** 2;
  let total = 0;
  for (let c = 0; c < channels; c++) {
    const a = new Float64Array(w * h);
    const b = new Float64Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const av = Number(aHWC[i * channels + c]);
      const bv = Number(bHWC[i * channels + c]);
      if (!Number.isFinite(av) || !Number.isFinite(bv)) throw new InputError(`ssim: sample ${i * channels + c} is not finite`);
      a[i] = av;
      b[i] = bv;
    }
    const muA = filterValid(a, w, h, k);
    const muB = filterValid(b, w, h, k);
    const eAA = filterValid(a.map((v) => v * v), w, h, k);
    const eBB = filterValid(b.map((v) => v * v), w, h, k);
    const eAB = filterValid(a.map((v, i) => v * (b[i] ?? 0)), w, h, k);
    let sum = 0;
    for (let i = 0; i < muA.length; i++) {
      const ma = muA[i] ?? 0;
      const mb = muB[i] ?? 0;
      const va = (eAA[i] ?? 0) - ma * ma;
      const vb = (eBB[i] ?? 0) - mb * mb;
      const cov = (eAB[i] ?? 0) - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2)); // Eq. 13
    }
    total += sum / muA.length;
  }
  return total / channels;
}
