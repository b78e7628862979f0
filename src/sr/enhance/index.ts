/**
 * SR enhancement service: load a model (ours or the authors' checkpoint), enhance faces with
 * per-face seeds in batches, from a stored track (`enhanceTrack`) or from image files. See
 * docs/sr-usage.md.
 */
export { PerFaceNoiseSource } from './per-face-noise-source';
export { probeBatchMode } from './batch-mode';
export type { BatchMode } from './batch-mode';
export { BUNDLED_MODELS_DIR, TORCH_CHECKPOINT_EXTENSIONS, listBundledModels, loadSrModel, resolveSrModelConfig } from './load-sr-model';
export type { LoadSrModelOptions, SrModel } from './load-sr-model';
export { SR_CONDITIONINGS, SR_SAMPLING_KEYS, enhanceFaces, isSrSamplingConfig, parseSrSamplingConfig, samplingFromOptions, srSamplingForModel } from './enhance-faces';
export { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER, chooseResidualDefaultSampler, defaultSrSampler } from './default-sr-sampler';
export type { RecipeValidationRow } from './default-sr-sampler';
export type { EnhanceFacesOptions, EnhanceProgress, EnhancedFace, SrConditioning, SrSamplingConfig, SrSamplingInput } from './enhance-faces';
export { SYNTHESIZED_LABEL, encodeSrPng } from './encode-sr-png';
export { modelLrFromCrop, nativeModelLr } from './model-lr-from-crop';
export { enhanceImageFiles } from './enhance-image-files';
export type { EnhanceImageFilesOptions, EnhanceImageFilesResult, FoundFace } from './enhance-image-files';
