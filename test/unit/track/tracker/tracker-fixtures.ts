import type { Detection } from '../../../../src/contracts';

/** Frame spacing of the tracker tests: 25 fps. */
export const FPS_MS = 40;

/** A frontal detection of side `size` centred at (cx, cy) in frame `frameIndex`, landmarks placed on the face. */
export function det(frameIndex: number, cx: number, cy: number, size = 60): Detection {
  return {
    frameIndex,
    ptsMs: frameIndex * FPS_MS,
    bboxXYWH: [cx - size / 2, cy - size / 2, size, size],
    score: 0.9,
    landmarks: { leftEye: [cx - 10, cy - 5], rightEye: [cx + 10, cy - 5], nose: [cx, cy], mouthLeft: [cx - 8, cy + 12], mouthRight: [cx + 8, cy + 12] },
    yawDeg: 0,
    pitchDeg: 0,
    rollDeg: 0,
  };
}
