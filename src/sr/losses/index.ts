/** Training objectives of the SR score model. */
export { denoisingScoreMatchingLoss, denoisingScoreMatchingLossTerms } from './dsm-loss';
export type { DsmBatch, DsmLossOptions, DsmLossTerms } from './dsm-loss';
