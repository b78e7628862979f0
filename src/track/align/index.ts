/** Face alignment: FFHQ's oriented crop as a similarity transform, warped with antialiasing. */
export { alignFace } from './align-face';
export type { AlignOptions, AlignedFace } from './align-face';
export { ffhqCrop } from './ffhq-transform';
export type { FfhqCrop } from './ffhq-transform';
export { canonicalLandmarks } from './canonical-landmarks';
export type { FaceProportions } from './canonical-landmarks';
export { applySimilarity, invertSimilarity } from './similarity-transform';
export type { SimilarityTransform } from './similarity-transform';
export { warpSimilarity } from './warp-similarity';
export type { WarpOptions } from './warp-similarity';
