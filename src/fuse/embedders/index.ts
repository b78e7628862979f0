/** Face embedders: one FaceEmbedder interface, three implementations, unit-norm outputs. */
export type { FaceEmbedder } from './face-embedder';
export { DEFAULT_EMBEDDER_NAME, EMBEDDER_NAMES, createFaceEmbedder } from './create-face-embedder';
export type { EmbedderName } from './create-face-embedder';
export { FaceresEmbedder, createFaceresEmbedder } from './faceres-embedder';
export type { FaceresEmbedderConfig } from './faceres-embedder';
export { DlibResnetEmbedder, FACE_API_PACKAGE, createDlibResnetEmbedder, faceApiModelDir } from './dlib-resnet-embedder';
export type { DlibResnetEmbedderConfig } from './dlib-resnet-embedder';
export { LbpEmbedder, createLbpEmbedder } from './lbp-embedder';
export type { LbpEmbedderConfig } from './lbp-embedder';
export { cropsToTensor, validateCrop } from './crops-to-tensor';
export { WorkerFaceEmbedder, createWorkerFaceEmbedder } from './worker-face-embedder';
