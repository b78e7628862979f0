import { InputError, type Detection, type FaceCrop } from '../../contracts';
import { resizeAntialiased, rgbToGrey } from '../../image';
import { laplacianVariance } from './laplacian-variance';
import type { QualityConfig } from './quality-config';

/** The four quality factors of one detection, each in [0, 1], plus the raw sharpness. */
export interface QualityComponents {
  /** exp(−½[(yaw/σy)² + (pitch/σp)² + (roll/σr)²]). */
  readonly frontalness: number;
  /** Laplacian variance of the grey crop resized to sharpnessRefSizePx², grey 0–255 units. */
  readonly sharpnessVar: number;
  /** sharpnessVar / (sharpnessVar + sharpnessHalfVar). */
  readonly sharpness: number;
  /** min(1, sqrt(w·h) / sizeFullPx) of the detection box. */
  readonly size: number;
  /** Detector score, clamped to [0, 1]. */
  readonly confidence: number;
}

/** Frontalness in [0, 1] from head angles in degrees (1 = frontal). */
export function frontalness(yawDeg: number, pitchDeg: number, rollDeg: number, config: Readonly<QualityConfig>): number {
  for (const [n, v] of [
    ['yawDeg', yawDeg],
    ['pitchDeg', pitchDeg],
    ['rollDeg', rollDeg],
  ] as const) {
    if (!Number.isFinite(v)) throw new InputError(`frontalness: ${n} must be finite, got ${String(v)}`, { option: n });
  }
  const e = (yawDeg / config.yawSigmaDeg) ** 2 + (pitchDeg / config.pitchSigmaDeg) ** 2 + (rollDeg / config.rollSigmaDeg) ** 2;
  return Math.exp(-0.5 * e);
}

/**
 * Sharpness of a face crop, made comparable across crop sizes by resizing the grey crop
 * (antialiased triangle filter) to a fixed reference size first.
 */
export function cropSharpness(crop: FaceCrop, config: Readonly<QualityConfig>): { variance: number; score: number } {
  if (crop.rgb.length !== crop.width * crop.height * 3 || crop.width < 3 || crop.height < 3) {
    throw new InputError(`cropSharpness: crop must be at least 3x3 RGB with width*height*3 bytes, got ${crop.width}x${crop.height}, ${crop.rgb.length} bytes`);
  }
  const ref = config.sharpnessRefSizePx;
  const grey = rgbToGrey(crop.rgb, crop.height, crop.width);
  const g = resizeAntialiased(grey, crop.height, crop.width, 1, ref, ref, 'triangle');
  const variance = laplacianVariance(g, ref, ref);
  return { variance, score: variance / (variance + config.sharpnessHalfVar) };
}

/** All four factors for one detection and its face crop (aligned or not). */
export function qualityComponents(detection: Detection, crop: FaceCrop, config: Readonly<QualityConfig>): QualityComponents {
  const [, , w, h] = detection.bboxXYWH;
  if (!(w > 0 && h > 0)) throw new InputError(`qualityComponents: bboxXYWH must have positive width and height, got [${detection.bboxXYWH.join(', ')}]`);
  if (!Number.isFinite(detection.score)) throw new InputError(`qualityComponents: detection score must be finite, got ${String(detection.score)}`);
  const sharp = cropSharpness(crop, config);
  return {
    frontalness: frontalness(detection.yawDeg, detection.pitchDeg, detection.rollDeg, config),
    sharpnessVar: sharp.variance,
    sharpness: sharp.score,
    size: Math.min(1, Math.sqrt(w * h) / config.sizeFullPx),
    confidence: Math.min(1, Math.max(0, detection.score)),
  };
}
