import type { FaceLandmarks5 } from '../../contracts';

/** A 2-D point [x, y] in image pixels. */
export type Point2 = readonly [number, number];

/**
 * Constants of the 2-D head-pose estimate in {@link poseFromLandmarks68}, fitted (least squares on
 * the angle) against Human's mesh angles on 43 faces (docs/tracking.md, "Head angles from 68 landmarks").
 */
export const POSE68 = Object.freeze({
  /** Lateral nose offset from the eye–mouth midline, in interocular distances, at 90° yaw. */
  yawSpan: 1.0,
  /** Nose position along the eye→mouth axis (0 = eye line, 1 = mouth line) of a frontal face. */
  pitchRest: 0.49,
  /** Change of that position at ±90° pitch. */
  pitchSpan: 1.0,
});

function mean(points: readonly Point2[], from: number, to: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = from; i <= to; i++) {
    const p = points[i]!;
    x += p[0];
    y += p[1];
  }
  const n = to - from + 1;
  return [x / n, y / n];
}

function asinDeg(v: number): number {
  return (Math.asin(Math.max(-1, Math.min(1, v))) * 180) / Math.PI;
}

/** The 5 landmarks and head angles derived from 68 iBUG points. */
export interface Pose68 {
  readonly landmarks: FaceLandmarks5;
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly rollDeg: number;
}

/**
 * Five landmarks and a head-pose estimate from the 68 iBUG-300W points (face-api's
 * face_landmark_68 order: 36–41 the image-left eye, 42–47 the image-right eye, 30 the nose tip,
 * 48 / 54 the mouth corners).
 *
 * - eyes: mean of each eye's six contour points; nose: point 30; mouth corners: 48 (image-left), 54.
 * - roll: angle of the eye line (image-left eye → image-right eye) from the image x axis; > 0 when
 *   the image-right eye is lower (clockwise on screen), as Human's roll.
 * - yaw: the nose tip's offset across the eye-midpoint → mouth-midpoint axis, in interocular
 *   distances d, yaw = −asin(d / yawSpan); > 0 when the head turns toward the image's left, as Human's.
 * - pitch: the nose tip's position t along that axis (0 at the eye line, 1 at the mouth line),
 *   pitch = asin((t − pitchRest) / pitchSpan); > 0 when the nose drops toward the mouth (head down).
 *
 * A 2-D estimate: it ignores perspective and individual face shape; its agreement with Human's
 * mesh angles is measured in docs/tracking.md.
 * @throws RangeError when fewer than 68 points are given.
 */
export function poseFromLandmarks68(points: readonly Point2[]): Pose68 {
  if (points.length < 68) throw new RangeError(`poseFromLandmarks68: expected 68 points, received ${points.length}`);
  const leftEye = mean(points, 36, 41);
  const rightEye = mean(points, 42, 47);
  const nose = points[30]!;
  const mouthLeft = points[48]!;
  const mouthRight = points[54]!;
  const eyeMid: Point2 = [(leftEye[0] + rightEye[0]) / 2, (leftEye[1] + rightEye[1]) / 2];
  const mouthMid: Point2 = [(mouthLeft[0] + mouthRight[0]) / 2, (mouthLeft[1] + mouthRight[1]) / 2];
  const iod = Math.hypot(rightEye[0] - leftEye[0], rightEye[1] - leftEye[1]);
  const ax = mouthMid[0] - eyeMid[0];
  const ay = mouthMid[1] - eyeMid[1];
  const axisLen = Math.hypot(ax, ay);
  const rollDeg = (Math.atan2(rightEye[1] - leftEye[1], rightEye[0] - leftEye[0]) * 180) / Math.PI;
  let yawDeg = Number.NaN;
  let pitchDeg = Number.NaN;
  if (iod > 0 && axisLen > 0) {
    const ux = ax / axisLen;
    const uy = ay / axisLen;
    const nx = nose[0] - eyeMid[0];
    const ny = nose[1] - eyeMid[1];
    // (uy, -ux) points to the image right for an upright face.
    const lateral = (nx * uy - ny * ux) / iod;
    const along = (nx * ux + ny * uy) / axisLen;
    yawDeg = -asinDeg(lateral / POSE68.yawSpan);
    pitchDeg = asinDeg((along - POSE68.pitchRest) / POSE68.pitchSpan);
  }
  return {
    landmarks: { leftEye, rightEye, nose: [nose[0], nose[1]], mouthLeft: [mouthLeft[0], mouthLeft[1]], mouthRight: [mouthRight[0], mouthRight[1]] },
    yawDeg,
    pitchDeg,
    rollDeg,
  };
}
