/**
 * src/fuse: face embedders behind one FaceEmbedder interface, and the fusion of a track's
 * embeddings into F_M (pure Float32Array maths). Outside code imports this file only.
 */
export type { FaceEmbedder, EmbedderName, FaceresEmbedderConfig, DlibResnetEmbedderConfig, LbpEmbedderConfig } from './embedders';
export { DEFAULT_EMBEDDER_NAME, EMBEDDER_NAMES, createFaceEmbedder } from './embedders';
export { FaceresEmbedder, createFaceresEmbedder, DlibResnetEmbedder, createDlibResnetEmbedder, FACE_API_PACKAGE, faceApiModelDir, LbpEmbedder, createLbpEmbedder } from './embedders';
export { cropsToTensor, validateCrop } from './embedders';
export { WorkerFaceEmbedder, createWorkerFaceEmbedder } from './embedders';
// fusion's cosineSimilarity and l2normalise are the stage's (the embedders' l2Normalize is their internal twin).
export { l2normalise, cosineSimilarity, fuseMean, fuseMean3Sigma, fuseQualityWeighted } from './fusion';
export type { ThreeSigmaOptions } from './fusion';
