/** Per-detection quality (frontalness, sharpness, size, confidence) and the LR_0 choice. */
export { DEFAULT_QUALITY_CONFIG, parseQualityConfig } from './quality-config';
export type { QualityConfig } from './quality-config';
export { laplacianVariance } from './laplacian-variance';
export { frontalness, cropSharpness, qualityComponents } from './quality-components';
export type { QualityComponents } from './quality-components';
export { scoreDetection, combineQuality, selectLr0 } from './score-detection';
export { toTrack } from './to-track';
