/** Face detection: the FaceDetector interface and its @vladmandic/human implementation. */
export type { FaceDetector } from './face-detector';
export { HumanFaceDetector, createHumanFaceDetector, validateFrame } from './human-face-detector';
export { DEFAULT_HUMAN_FACE_DETECTOR_CONFIG, parseHumanFaceDetectorConfig } from './human-face-detector-config';
export type { HumanFaceDetectorConfig } from './human-face-detector-config';
export { analysisTiles } from './analysis-tiles';
export type { AnalysisTile } from './analysis-tiles';
export { addUncoveredDetections, boxIoMin, boxIou, mergeDetections } from './merge-detections';
export { MESH_INDEX, landmarksFromMesh } from './landmarks-from-mesh';
export type { MeshPoint } from './landmarks-from-mesh';
export { FaceApiFaceDetector, createFaceApiFaceDetector, faceApiPackageDir } from './face-api-face-detector';
export {
  DEFAULT_FACE_API_FACE_DETECTOR_CONFIG,
  FACE_API_BOX_MODELS,
  FACE_API_LANDMARK_MODELS,
  parseFaceApiFaceDetectorConfig,
} from './face-api-face-detector-config';
export type { FaceApiBoxModel, FaceApiFaceDetectorConfig, FaceApiLandmarkModel } from './face-api-face-detector-config';
export { POSE68, poseFromLandmarks68 } from './pose-from-landmarks68';
export type { Point2, Pose68 } from './pose-from-landmarks68';
export { WORKER_DETECTOR_NAMES, WorkerFaceDetector, createWorkerFaceDetector } from './worker-face-detector';
export type { WorkerDetectorName } from './worker-face-detector';
