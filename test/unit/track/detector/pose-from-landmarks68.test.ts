import { POSE68, poseFromLandmarks68, type Point2 } from '../../../../src/track/detector';

/**
 * A synthetic upright frontal face in the 68-point iBUG layout: eye contours (6 points each) around
 * (40, 50) and (80, 50) (interocular 40 px), mouth corners at (45, 100) and (75, 100), nose tip on
 * the midline at the frontal rest position; the other points are unused by the estimate.
 */
function frontal(): Point2[] {
  const pts: Point2[] = Array.from({ length: 68 }, () => [60, 75] as const);
  const eye = (cx: number, from: number): void => {
    const ring: Point2[] = [[-6, 0], [-3, -2], [3, -2], [6, 0], [3, 2], [-3, 2]];
    ring.forEach(([dx, dy], i) => (pts[from + i] = [cx + dx, 50 + dy]));
  };
  eye(40, 36);
  eye(80, 42);
  pts[48] = [45, 100];
  pts[54] = [75, 100];
  pts[30] = [60, 50 + POSE68.pitchRest * 50];
  return pts;
}

function rotate(points: readonly Point2[], deg: number, about: Point2): Point2[] {
  const a = (deg * Math.PI) / 180;
  return points.map(([x, y]) => {
    const dx = x - about[0];
    const dy = y - about[1];
    return [about[0] + dx * Math.cos(a) - dy * Math.sin(a), about[1] + dx * Math.sin(a) + dy * Math.cos(a)];
  });
}

describe('poseFromLandmarks68', () => {
  it('gives the 5 landmarks (eye contour means, nose tip 30, mouth corners 48/54, image-left first) and zero angles for a frontal face', () => {
    const p = poseFromLandmarks68(frontal());
    expect(p.landmarks.leftEye).toEqual([40, 50]);
    expect(p.landmarks.rightEye).toEqual([80, 50]);
    expect(p.landmarks.nose[0]).toBe(60);
    expect(p.landmarks.mouthLeft).toEqual([45, 100]);
    expect(p.landmarks.mouthRight).toEqual([75, 100]);
    expect(p.rollDeg).toBeCloseTo(0, 10);
    expect(p.yawDeg).toBeCloseTo(0, 10);
    expect(p.pitchDeg).toBeCloseTo(0, 10);
  });

  it('roll follows the eye line (clockwise on screen > 0) and leaves yaw and pitch unchanged', () => {
    const p = poseFromLandmarks68(rotate(frontal(), 20, [60, 75]));
    expect(p.rollDeg).toBeCloseTo(20, 8);
    expect(p.yawDeg).toBeCloseTo(0, 8);
    expect(p.pitchDeg).toBeCloseTo(0, 8);
    expect(poseFromLandmarks68(rotate(frontal(), -35, [60, 75])).rollDeg).toBeCloseTo(-35, 8);
  });

  it('yaw = -asin(lateral nose offset / (yawSpan · interocular)): > 0 when the nose moves to the image left', () => {
    const pts = frontal();
    const shift = 0.25 * 40; // a quarter of the interocular distance
    pts[30] = [60 - shift, pts[30]![1]];
    const p = poseFromLandmarks68(pts);
    expect(p.yawDeg).toBeCloseTo((Math.asin(0.25 / POSE68.yawSpan) * 180) / Math.PI, 8);
    expect(p.yawDeg).toBeGreaterThan(0);
    pts[30] = [60 + shift, pts[30]![1]];
    expect(poseFromLandmarks68(pts).yawDeg).toBeLessThan(0);
    // the same offset measured across a rolled face gives the same yaw
    expect(poseFromLandmarks68(rotate(pts, 30, [60, 75])).yawDeg).toBeCloseTo(poseFromLandmarks68(pts).yawDeg, 8);
  });

  it('pitch > 0 when the nose tip sits lower toward the mouth line, clamped at ±90', () => {
    const pts = frontal();
    pts[30] = [60, 50 + (POSE68.pitchRest + 0.1) * 50];
    expect(poseFromLandmarks68(pts).pitchDeg).toBeCloseTo((Math.asin(0.1 / POSE68.pitchSpan) * 180) / Math.PI, 8);
    pts[30] = [60, 50 + (POSE68.pitchRest - 0.1) * 50];
    expect(poseFromLandmarks68(pts).pitchDeg).toBeLessThan(0);
    pts[30] = [60, 50 + 5 * 50];
    expect(poseFromLandmarks68(pts).pitchDeg).toBe(90);
  });

  it('gives NaN yaw/pitch for degenerate points and throws for fewer than 68', () => {
    const same: Point2[] = Array.from({ length: 68 }, () => [5, 5] as const);
    const p = poseFromLandmarks68(same);
    expect(Number.isNaN(p.yawDeg)).toBe(true);
    expect(Number.isNaN(p.pitchDeg)).toBe(true);
    expect(() => poseFromLandmarks68(frontal().slice(0, 67))).toThrow('poseFromLandmarks68: expected 68 points, received 67');
  });
});
