/** Evaluation metrics: similarity matrices, 1:1 verification (ROC, AUC, TAR@FAR), 1:N identification, image quality. Pure. */
export { cosineSimilarityMatrix, validateSimilarityMatrix } from './similarity-matrix';
export type { SimilarityMatrix } from './similarity-matrix';
export { aucMannWhitney, pairScores, rocArea, rocCurve, tarAtFar } from './verification';
export type { PairScores, RocPoint, TarAtFar } from './verification';
export { identificationRates, probeRanks } from './identification';
export type { IdentificationRates, ProbeRank } from './identification';
export { imageQuality } from './image-quality';
export type { ImageQuality } from './image-quality';
export { pairedBootstrap } from './paired-bootstrap';
export type { PairedBootstrapOptions, PairedBootstrapResult, PairedDifference } from './paired-bootstrap';
export { psnrY } from './psnr-y';
