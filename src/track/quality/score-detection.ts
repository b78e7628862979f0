import { InputError, type Detection, type FaceCrop, type ScoredDetection } from '../../contracts';
import { qualityComponents, type QualityComponents } from './quality-components';
import { DEFAULT_QUALITY_CONFIG, type QualityConfig } from './quality-config';

/** q = Π c_k^{w_k / Σw}: the weighted geometric mean of the factors (one poor factor cannot be bought back by the others). */
export function combineQuality(c: QualityComponents, config: Readonly<QualityConfig>): number {
  const w = config.weights;
  const total = w.frontal + w.sharpness + w.size + w.confidence;
  const pow = (v: number, k: number): number => (k === 0 ? 1 : Math.pow(v, k / total));
  return pow(c.frontalness, w.frontal) * pow(c.sharpness, w.sharpness) * pow(c.size, w.size) * pow(c.confidence, w.confidence);
}

/**
 * Scores one detection for LR_0 selection and fusion weights (docs/tracking.md, "Quality").
 * @param crop the detection's face crop (normally the aligned crop from src/track/align).
 * @param config a config from parseQualityConfig; defaults to DEFAULT_QUALITY_CONFIG.
 * @returns the detection with `quality`, `sharpness` (Laplacian variance at the reference size) and `frontalness`.
 * @throws InputError on non-finite angles or score, an empty box or a bad crop.
 */
export function scoreDetection(
  detection: Detection,
  crop: FaceCrop,
  config: Readonly<QualityConfig> = DEFAULT_QUALITY_CONFIG,
): ScoredDetection {
  const c = qualityComponents(detection, crop, config);
  return { ...detection, quality: combineQuality(c, config), sharpness: c.sharpnessVar, frontalness: c.frontalness };
}

/**
 * Index of LR_0, the best detection of a track by quality (the earliest on ties).
 * @throws InputError on an empty list or a non-finite quality.
 */
export function selectLr0(detections: readonly ScoredDetection[]): number {
  if (detections.length === 0) throw new InputError('selectLr0: a track needs at least one detection');
  let best = 0;
  detections.forEach((d, i) => {
    if (!Number.isFinite(d.quality)) throw new InputError(`selectLr0: detection ${i} has a non-finite quality ${String(d.quality)}`);
    if (d.quality > (detections[best]?.quality ?? -Infinity)) best = i;
  });
  return best;
}
