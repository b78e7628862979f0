import { z } from 'zod';
import { ConfigError } from '../../contracts';

/**
 * Parameters of the per-detection quality score (docs/tracking.md, "Quality").
 * q = frontal^wF · sharp^wS · size^wZ · conf^wC with the weights normalised to sum 1.
 */
export interface QualityConfig {
  /** Frontalness Gaussian width for yaw, degrees, > 0. Default 30 (yaw 30° → 0.61, 60° → 0.14). */
  readonly yawSigmaDeg: number;
  /** Frontalness Gaussian width for pitch, degrees, > 0. Default 25. */
  readonly pitchSigmaDeg: number;
  /** Frontalness Gaussian width for roll, degrees, > 0. Default 60 (alignment removes roll, so it matters little). */
  readonly rollSigmaDeg: number;
  /** Side of the square the grey crop is resized to (antialiased) before the Laplacian, px, integer ≥ 8. Default 64. */
  readonly sharpnessRefSizePx: number;
  /**
   * Laplacian variance (grey 0–255, at the reference size) that scores 0.5; score = v / (v + this), > 0.
   * Default 100: sharp 128-px CelebA faces measure 300–1080 (0.75–0.92), the same after the 4x
   * down-up degradation 46–215, after 8x 7–36 (0.07–0.26).
   */
  readonly sharpnessHalfVar: number;
  /** Face size sqrt(w·h) of the bbox at which the size score saturates at 1, px, > 0. Default 64. */
  readonly sizeFullPx: number;
  /** Exponents of the weighted geometric mean, each ≥ 0, not all 0; normalised to sum 1. */
  readonly weights: {
    /** Default 0.35. */
    readonly frontal: number;
    /** Default 0.3. */
    readonly sharpness: number;
    /** Default 0.2. */
    readonly size: number;
    /** Detector confidence. Default 0.15. */
    readonly confidence: number;
  };
}

/** Frozen defaults of {@link QualityConfig}. */
export const DEFAULT_QUALITY_CONFIG: Readonly<QualityConfig> = Object.freeze({
  yawSigmaDeg: 30,
  pitchSigmaDeg: 25,
  rollSigmaDeg: 60,
  sharpnessRefSizePx: 64,
  sharpnessHalfVar: 100,
  sizeFullPx: 64,
  weights: Object.freeze({ frontal: 0.35, sharpness: 0.3, size: 0.2, confidence: 0.15 }),
});

const positive = z.number().finite().positive();
const weight = z.number().finite().min(0);
const schema = z
  .object({
    yawSigmaDeg: positive,
    pitchSigmaDeg: positive,
    rollSigmaDeg: positive,
    sharpnessRefSizePx: z.number().int().min(8),
    sharpnessHalfVar: positive,
    sizeFullPx: positive,
    weights: z
      .object({ frontal: weight, sharpness: weight, size: weight, confidence: weight })
      .strict()
      .partial()
      .optional(),
  })
  .strict()
  .partial();

/**
 * Validates a partial quality config (unknown or misspelled keys rejected) and fills in the defaults.
 * @throws ConfigError listing every problem with its key path.
 */
export function parseQualityConfig(input: unknown = {}): Readonly<QualityConfig> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`quality config: ${issues}`, { issues: r.error.issues });
  }
  const weights = { ...DEFAULT_QUALITY_CONFIG.weights, ...(r.data.weights ?? {}) };
  if (weights.frontal + weights.sharpness + weights.size + weights.confidence <= 0) {
    throw new ConfigError('quality config: weights must not all be 0');
  }
  return Object.freeze({ ...DEFAULT_QUALITY_CONFIG, ...r.data, weights: Object.freeze(weights) });
}
