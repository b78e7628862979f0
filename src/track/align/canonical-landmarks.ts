import { InputError, type FaceLandmarks5 } from '../../contracts';
import { checkOptionKeys } from '../../validate';

/** Face proportions that fix where the FFHQ crop puts the landmarks. */
export interface FaceProportions {
  /** |eye_to_mouth| / |eye_to_eye|. Default 1.1546, from the ArcFace 112x112 5-point template. */
  readonly eyeToMouthRatio?: number;
  /** Mouth width / |eye_to_eye|. Default 0.8281 (ArcFace template). */
  readonly mouthWidthRatio?: number;
  /** Nose tip below the eye line / |eye_to_eye|. Default 0.5715 (ArcFace template). */
  readonly noseDropRatio?: number;
}

const DEFAULT_PROPORTIONS = Object.freeze({ eyeToMouthRatio: 1.1546, mouthWidthRatio: 0.8281, noseDropRatio: 0.5715 });

/**
 * Where the five landmarks of a frontal, upright, symmetric face with the given proportions land
 * in a `sizePx` crop made by {@link ffhqCrop} (pixel-index coordinates). Closed form of the FFHQ
 * rule: with eye distance d and r = eyeToMouthRatio, the quad half-side is s = max(2, 1.8·r)·d
 * and its centre c lies 0.1·r·d below the eye midpoint, so a point p maps to
 * (p − c + (s, s)) / (2s) · S − 0.5. For r ≤ 1/0.9 the eyes land at x = 3S/8 − 0.5 and 5S/8 − 0.5 (FFHQ 1024: ≈ 384 and 640).
 * @throws InputError on a bad size or non-positive ratios.
 */
export function canonicalLandmarks(sizePx: number, proportions: FaceProportions = {}): FaceLandmarks5 {
  if (!Number.isInteger(sizePx) || sizePx <= 0) {
    throw new InputError(`canonicalLandmarks: sizePx must be a positive integer, got ${String(sizePx)}`, { option: 'sizePx' });
  }
  checkOptionKeys('canonicalLandmarks', proportions, Object.keys(DEFAULT_PROPORTIONS), { error: InputError });
  const p = { ...DEFAULT_PROPORTIONS, ...proportions };
  for (const [k, v] of Object.entries(p)) {
    if (!(Number.isFinite(v) && v > 0)) throw new InputError(`canonicalLandmarks: ${k} must be > 0, got ${String(v)}`, { option: k });
  }
  const r = p.eyeToMouthRatio;
  const s = Math.max(2, 1.8 * r);
  // Coordinates in units of the eye distance, relative to the quad centre c.
  const map = (u: number, v: number): readonly [number, number] => [
    ((u + s) / (2 * s)) * sizePx - 0.5,
    ((v + s) / (2 * s)) * sizePx - 0.5,
  ];
  const eyeV = -0.1 * r;
  const mouthV = 0.9 * r;
  return {
    leftEye: map(-0.5, eyeV),
    rightEye: map(0.5, eyeV),
    nose: map(0, eyeV + p.noseDropRatio),
    mouthLeft: map(-p.mouthWidthRatio / 2, mouthV),
    mouthRight: map(p.mouthWidthRatio / 2, mouthV),
  };
}
