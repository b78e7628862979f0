/** Face detection: the FaceDetector interface and its @vladmandic/human implementation. */
export type { FaceDetector } from './face-detector';
export { HumanFaceDetector, createHumanFaceDetector, validateFrame } from './human-face-detector';
export { DEFAULT_HUMAN_FACE_DETECTOR_CONFIG, parseHumanFaceDetectorConfig } from './human-face-detector-config';
export type { HumanFaceDetectorConfig } from './human-face-detector-config';
export { analysisTiles } from './analysis-tiles';
export type { AnalysisTile } from './analysis-tiles';
export { boxIoMin, boxIou, mergeDetections } from './merge-detections';
export { MESH_INDEX, landmarksFromMesh } from './landmarks-from-mesh';
export type { MeshPoint } from './landmarks-from-mesh';
