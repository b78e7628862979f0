import sharp from 'sharp';
import { InputError } from '../contracts';
import { resizeAntialiased } from './resize-antialiased';
import { validateImageShape } from './validate-image';

/**
 * One draw of the CCTV-like degradation (issue 16): what a face of `lrSide` pixels in recorded
 * footage looks like after the camera's optics, its sensor and its encoder. All fields are
 * explicit so that a degradation can be recorded, replayed and tested.
 */
export interface CctvDegradation {
  /** Side of the low-resolution face in pixels (CCTV faces: 12–64). */
  readonly lrSide: number;
  /** Gaussian blur σ in HR pixels before downsampling (optics, motion); 0 = none. */
  readonly blurSigma: number;
  /** Additive Gaussian noise σ on [0, 1] values at LR size (sensor); 0 = none. */
  readonly noiseSigma: number;
  /** JPEG quality 1–100 of the LR face (encoder), or null for none. */
  readonly jpegQuality: number | null;
  /** Alignment jitter (landmark error): shift in HR pixels and scale factor of the crop. */
  readonly jitter: { readonly dx: number; readonly dy: number; readonly scale: number };
}

/** Ranges {@link drawCctvDegradation} draws from. */
export interface CctvDegradationRanges {
  readonly lrSide: readonly [number, number];
  readonly blurSigma: readonly [number, number];
  readonly blurProbability: number;
  readonly noiseSigma: readonly [number, number];
  readonly noiseProbability: number;
  readonly jpegQuality: readonly [number, number];
  readonly jpegProbability: number;
  /** Largest |shift| in HR pixels and largest |scale − 1|; 0 = no jitter. */
  readonly jitterShift: number;
  readonly jitterScale: number;
}

/** The training ranges: LR sides 12–64 px (issue 16), mild optics, sensor noise and JPEG as NVRs store it. */
export const CCTV_DEGRADATION_RANGES: CctvDegradationRanges = Object.freeze({
  lrSide: Object.freeze([12, 64] as const),
  blurSigma: Object.freeze([0.3, 2.0] as const),
  blurProbability: 0.5,
  noiseSigma: Object.freeze([0.005, 0.03] as const),
  noiseProbability: 0.5,
  jpegQuality: Object.freeze([35, 90] as const),
  jpegProbability: 0.7,
  jitterShift: 0,
  jitterScale: 0,
});

/**
 * Draws one degradation from `ranges` with the uniform source `u` (values in [0, 1)). Sides are
 * drawn log-uniformly (as many 12–24 px faces as 32–64 px ones).
 */
export function drawCctvDegradation(u: () => number, ranges: CctvDegradationRanges = CCTV_DEGRADATION_RANGES): CctvDegradation {
  const [s0, s1] = ranges.lrSide;
  const lrSide = Math.min(s1, Math.max(s0, Math.round(Math.exp(Math.log(s0) + u() * (Math.log(s1) - Math.log(s0))))));
  const between = (r: readonly [number, number]): number => r[0] + u() * (r[1] - r[0]);
  const blurSigma = u() < ranges.blurProbability ? between(ranges.blurSigma) : 0;
  const noiseSigma = u() < ranges.noiseProbability ? between(ranges.noiseSigma) : 0;
  const jpegQuality = u() < ranges.jpegProbability ? Math.round(between(ranges.jpegQuality)) : null;
  const jitter = { dx: (2 * u() - 1) * ranges.jitterShift, dy: (2 * u() - 1) * ranges.jitterShift, scale: 1 + (2 * u() - 1) * ranges.jitterScale };
  return { lrSide, blurSigma, noiseSigma, jpegQuality, jitter };
}

/** Separable Gaussian blur of an HWC float image (edge-replicated), σ in pixels. */
export function gaussianBlurHWC(img: Float32Array, height: number, width: number, channels: number, sigma: number): Float32Array {
  if (sigma <= 0) return img.slice();
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    taps[k + radius] = w;
    sum += w;
  }
  for (let k = 0; k < taps.length; k++) taps[k] = (taps[k] ?? 0) / sum;
  const tmp = new Float32Array(img.length);
  const out = new Float32Array(img.length);
  const clamp = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = -radius; k <= radius; k++) acc += (taps[k + radius] ?? 0) * (img[(y * width + clamp(x + k, width - 1)) * channels + c] ?? 0);
        tmp[(y * width + x) * channels + c] = acc;
      }
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let k = -radius; k <= radius; k++) acc += (taps[k + radius] ?? 0) * (tmp[(clamp(y + k, height - 1) * width + x) * channels + c] ?? 0);
        out[(y * width + x) * channels + c] = acc;
      }
    }
  }
  return out;
}

/** Bilinear resampling of the square HR face under the jitter (shift, scale about the centre), edge-replicated. */
function applyJitter(img: Float32Array, size: number, jitter: CctvDegradation['jitter']): Float32Array {
  if (jitter.dx === 0 && jitter.dy === 0 && jitter.scale === 1) return img;
  const out = new Float32Array(img.length);
  const c0 = (size - 1) / 2;
  const at = (x: number, y: number, c: number): number => img[(Math.min(size - 1, Math.max(0, y)) * size + Math.min(size - 1, Math.max(0, x))) * 3 + c] ?? 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = c0 + (x - c0) * jitter.scale + jitter.dx;
      const sy = c0 + (y - c0) * jitter.scale + jitter.dy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        out[(y * size + x) * 3 + c] =
          (1 - fy) * ((1 - fx) * at(x0, y0, c) + fx * at(x0 + 1, y0, c)) + fy * ((1 - fx) * at(x0, y0 + 1, c) + fx * at(x0 + 1, y0 + 1, c));
      }
    }
  }
  return out;
}

/**
 * Degrades an aligned HR face (float HWC in [0, 1], size x size x 3) like a CCTV face of
 * `d.lrSide` pixels: jitter → Gaussian blur → the authors' antialiased (triangle) resize down to
 * lrSide → additive Gaussian noise (from `normal`, standard normal draws) → 8-bit quantisation →
 * JPEG at `d.jpegQuality`. Returns the LR face at its native size, as a recorder would store it.
 * @throws InputError on a bad shape or degradation.
 */
export async function degradeLikeCctv(hrHWC: Float32Array, size: number, d: CctvDegradation, normal: () => number): Promise<Uint8Array> {
  validateImageShape('degradeLikeCctv', hrHWC.length, size, size, 3);
  if (!Number.isInteger(d.lrSide) || d.lrSide < 2 || d.lrSide > size) {
    throw new InputError(`degradeLikeCctv: lrSide must be an integer in [2, ${size}], received ${String(d.lrSide)}`, { option: 'lrSide' });
  }
  if (d.jpegQuality !== null && (!Number.isInteger(d.jpegQuality) || d.jpegQuality < 1 || d.jpegQuality > 100)) {
    throw new InputError(`degradeLikeCctv: jpegQuality must be an integer in [1, 100] or null, received ${String(d.jpegQuality)}`, { option: 'jpegQuality' });
  }
  const jittered = applyJitter(hrHWC, size, d.jitter);
  const blurred = gaussianBlurHWC(jittered, size, size, 3, d.blurSigma);
  const small = d.lrSide === size ? blurred : resizeAntialiased(blurred, size, size, 3, d.lrSide, d.lrSide, 'triangle');
  const q = new Uint8Array(small.length);
  for (let i = 0; i < small.length; i++) {
    const v = (small[i] ?? 0) + (d.noiseSigma > 0 ? d.noiseSigma * normal() : 0);
    q[i] = Math.min(255, Math.max(0, Math.round(v * 255)));
  }
  if (d.jpegQuality === null) return q;
  const raw = { width: d.lrSide, height: d.lrSide, channels: 3 as const };
  const jpeg = await sharp(q, { raw }).jpeg({ quality: d.jpegQuality, chromaSubsampling: '4:2:0' }).toBuffer();
  const { data } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/**
 * A low-resolution face at its native size brought to the model's input size with the authors'
 * antialiased Keys-cubic resize (the second half of their degradation): the model's LR channels.
 * @returns size*size*3 floats in [0, 1].
 */
export function upsampleLrFace(lr: Uint8Array, lrSide: number, size: number): Float32Array {
  validateImageShape('upsampleLrFace', lr.length, lrSide, lrSide, 3);
  const f = new Float32Array(lr.length);
  for (let i = 0; i < lr.length; i++) f[i] = (lr[i] ?? 0) / 255;
  if (lrSide === size) return f;
  return resizeAntialiased(f, lrSide, lrSide, 3, size, size, lrSide < size ? 'keys-cubic' : 'triangle');
}
