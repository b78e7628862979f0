/**
 * src/track: face detection, multi-face tracking, canonical alignment and per-detection quality.
 * Outside code imports this file only. Detail: docs/tracking.md.
 */
export type { FaceDetector, HumanFaceDetectorConfig } from './detector';
export { HumanFaceDetector, createHumanFaceDetector, validateFrame, DEFAULT_HUMAN_FACE_DETECTOR_CONFIG, parseHumanFaceDetectorConfig } from './detector';
export { addUncoveredDetections, analysisTiles, landmarksFromMesh, MESH_INDEX } from './detector';
export { WORKER_DETECTOR_NAMES, WorkerFaceDetector, createWorkerFaceDetector } from './detector';
export type { WorkerDetectorName } from './detector';
export type { AnalysisTile, MeshPoint } from './detector';
export {
  FaceApiFaceDetector,
  createFaceApiFaceDetector,
  DEFAULT_FACE_API_FACE_DETECTOR_CONFIG,
  FACE_API_BOX_MODELS,
  FACE_API_LANDMARK_MODELS,
  parseFaceApiFaceDetectorConfig,
  POSE68,
  poseFromLandmarks68,
} from './detector';
export type { FaceApiBoxModel, FaceApiFaceDetectorConfig, FaceApiLandmarkModel, Point2, Pose68 } from './detector';
// The tracker's boxIou is the stage's one IoU (the detector's is the same formula, internal to its tile merge).
export { createTracker, trackFaces, trackFrames, DEFAULT_TRACKER_CONFIG, parseTrackerConfig, solveAssignment, boxIou } from './tracker';
export type { DetectionForecast, FaceTracker, FrameDetections, TrackedFrame, TrackerConfig, TrackEvent, FinishedTrack, Assignment } from './tracker';
export { alignFace, ffhqCrop, canonicalLandmarks, applySimilarity, invertSimilarity, warpSimilarity } from './align';
export type { AlignOptions, AlignedFace, FfhqCrop, FaceProportions, SimilarityTransform, WarpOptions } from './align';
export { DEFAULT_QUALITY_CONFIG, parseQualityConfig, laplacianVariance, frontalness, cropSharpness, qualityComponents, scoreDetection, combineQuality, selectLr0, toTrack } from './quality';
export type { QualityConfig, QualityComponents } from './quality';
