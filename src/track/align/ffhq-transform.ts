import { InputError, type FaceLandmarks5 } from '../../contracts';
import type { SimilarityTransform } from './similarity-transform';

type Vec = readonly [number, number];

/** The FFHQ crop of one face: the oriented square in the frame and the map from crop pixels to frame pixels. */
export interface FfhqCrop {
  /** Crop pixel index → frame pixel index, for a crop of `sizePx` x `sizePx`. */
  readonly cropToFrame: SimilarityTransform;
  /** Side of the output crop in pixels. */
  readonly sizePx: number;
  /** Side of the oriented square in frame pixels (FFHQ `qsize` = 2·|x|): the face's native crop size. */
  readonly quadSizePx: number;
  /** Corners in frame pixels, FFHQ order: top-left, bottom-left, bottom-right, top-right (of the upright crop). */
  readonly quadXY: readonly [Vec, Vec, Vec, Vec];
  /** The eye on the crop's left (image-left for an upright face), after resolving the detector's left/right convention. */
  readonly eyeLeftXY: Vec;
  readonly eyeRightXY: Vec;
}

function finitePoint(name: string, p: readonly [number, number] | undefined): Vec {
  if (p === undefined || p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new InputError(`ffhqCrop: landmark '${name}' must be two finite numbers, got ${JSON.stringify(p)}`, { option: name });
  }
  return p;
}

/**
 * The oriented crop square of FFHQ's `recreate_aligned_images` (NVlabs ffhq-dataset,
 * download_ffhq.py) from eye centres and mouth corners:
 *   eye_avg = (eye_l + eye_r)/2, eye_to_eye = eye_r − eye_l, mouth_avg = (mouth_l + mouth_r)/2,
 *   eye_to_mouth = mouth_avg − eye_avg,
 *   x = eye_to_eye − flipud(eye_to_mouth)·[−1, 1];  x /= |x|;  x *= max(2.0·|eye_to_eye|, 1.8·|eye_to_mouth|),
 *   y = flipud(x)·[−1, 1]  (x turned +90° in y-down image coordinates, i.e. pointing to the mouth),
 *   c = eye_avg + 0.1·eye_to_mouth,  quad = [c−x−y, c−x+y, c+x+y, c+x−y].
 * FFHQ maps the quad onto the output with PIL QUAD using `quad + 0.5` (pixel-edge coordinates),
 * i.e. output pixel centre i ∈ [0, S) ↦ c + x·(2(i+0.5)/S − 1) + y·(2(j+0.5)/S − 1) in index
 * coordinates: a similarity, returned as `cropToFrame`.
 *
 * Left/right: the detector may label eyes from the subject's or the viewer's side. The eye pair
 * is ordered so that eye_to_eye × eye_to_mouth > 0 (the mouth is below the eye line in the crop),
 * which is FFHQ's image-left/image-right order for an upright face; mouth corners only enter
 * through their mean.
 *
 * @param sizePx output side in pixels (positive integer).
 * @param quadScale multiplies FFHQ's quad (x and y) about c: 1 = FFHQ (default); < 1 frames the face
 *   tighter. ≈ 0.74–0.80 approximates the framing of the FASR authors' 128 px CelebA HR images (eye
 *   distance ≈ 0.31–0.34 of the width there, ≈ 0.24–0.25 with FFHQ; best PSNR of the re-crop against the HR image: probe 3 at 0.74, 28.9 dB; probe 5 at 0.80, 23 dB, landmarks read by hand).
 * @throws InputError on non-finite landmarks, a non-integer size, a bad quadScale or a degenerate geometry.
 */
export function ffhqCrop(landmarks: FaceLandmarks5, sizePx: number, quadScale = 1): FfhqCrop {
  if (!(Number.isFinite(quadScale) && quadScale > 0)) {
    throw new InputError(`ffhqCrop: quadScale must be a positive number, got ${String(quadScale)}`, { option: 'quadScale' });
  }
  if (!Number.isInteger(sizePx) || sizePx <= 0) {
    throw new InputError(`ffhqCrop: sizePx must be a positive integer, got ${String(sizePx)}`, { option: 'sizePx' });
  }
  let eyeL = finitePoint('leftEye', landmarks.leftEye);
  let eyeR = finitePoint('rightEye', landmarks.rightEye);
  const mouthL = finitePoint('mouthLeft', landmarks.mouthLeft);
  const mouthR = finitePoint('mouthRight', landmarks.mouthRight);
  const eyeAvg: Vec = [(eyeL[0] + eyeR[0]) / 2, (eyeL[1] + eyeR[1]) / 2];
  const mouthAvg: Vec = [(mouthL[0] + mouthR[0]) / 2, (mouthL[1] + mouthR[1]) / 2];
  const e2m: Vec = [mouthAvg[0] - eyeAvg[0], mouthAvg[1] - eyeAvg[1]];
  let e2e: Vec = [eyeR[0] - eyeL[0], eyeR[1] - eyeL[1]];
  if (e2e[0] * e2m[1] - e2e[1] * e2m[0] < 0) {
    [eyeL, eyeR] = [eyeR, eyeL];
    e2e = [-e2e[0], -e2e[1]];
  }
  // x = eye_to_eye - flipud(eye_to_mouth) * [-1, 1]
  const xRaw: Vec = [e2e[0] + e2m[1], e2e[1] - e2m[0]];
  const xLen = Math.hypot(xRaw[0], xRaw[1]);
  const half = Math.max(Math.hypot(e2e[0], e2e[1]) * 2.0, Math.hypot(e2m[0], e2m[1]) * 1.8) * quadScale;
  if (!(xLen > 1e-9) || !(half > 1e-9)) {
    throw new InputError('ffhqCrop: degenerate landmarks (eyes and mouth coincide); cannot orient the face', {
      reason: 'degenerate landmarks',
    });
  }
  const x: Vec = [(xRaw[0] / xLen) * half, (xRaw[1] / xLen) * half];
  // y = flipud(x) * [-1, 1]
  const y: Vec = [-x[1], x[0]];
  const c: Vec = [eyeAvg[0] + 0.1 * e2m[0], eyeAvg[1] + 0.1 * e2m[1]];
  const corner = (sx: number, sy: number): Vec => [c[0] + sx * x[0] + sy * y[0], c[1] + sx * x[1] + sy * y[1]];
  const k = 1 / sizePx - 1;
  const a = (2 * x[0]) / sizePx;
  const b = (2 * x[1]) / sizePx;
  return {
    cropToFrame: { a, b, tx: c[0] + k * (x[0] + y[0]), ty: c[1] + k * (x[1] + y[1]) },
    sizePx,
    quadSizePx: 2 * half,
    quadXY: [corner(-1, -1), corner(-1, 1), corner(1, 1), corner(1, -1)],
    eyeLeftXY: eyeL,
    eyeRightXY: eyeR,
  };
}
