import type { PipelineDetection } from '../../../pipelines';

/** Stream time of a frame in these fixtures: 200 ms (5 fps, the pipeline's default analysis rate). */
export const FIXTURE_FRAME_MS = 200;

/** A pipeline detection at `frameIndex` (pts frameIndex * 200 ms) of `quality`, the rest fixed. */
export function pipelineDetection(detectionKey: number, frameIndex: number, quality: number): PipelineDetection {
  return {
    detectionKey,
    frameIndex,
    ptsMs: frameIndex * FIXTURE_FRAME_MS,
    bboxXYWH: [10, 20, 30, 40],
    score: 0.9,
    landmarks: { leftEye: [1, 2], rightEye: [3, 2], nose: [2, 3], mouthLeft: [1, 4], mouthRight: [3, 4] },
    yawDeg: 1,
    pitchDeg: 2,
    rollDeg: 3,
    quality,
    sharpness: 100 * quality,
    frontalness: 0.9,
  };
}
