/** Fusion of per-detection embeddings into F_M (pure Float32Array maths). */
export { l2normalise } from './l2-normalise';
export { cosineSimilarity } from './cosine-similarity';
export { fuseMean } from './fuse-mean';
export { fuseMean3Sigma } from './fuse-mean-3sigma';
export type { ThreeSigmaOptions } from './fuse-mean-3sigma';
export { fuseQualityWeighted } from './fuse-quality-weighted';
