/**
 * src/eval: the FASR paper's evaluation protocol (Tables I and II) — datasets, per-identity
 * gallery / degraded probe / F_M, the methods bicubic, esrgan, sr-nofeat, fasr-shuffled, fasr, hr, and verification,
 * identification and image-quality metrics; Markdown/JSON/PNG reports. Docs: docs/eval.md.
 */
export * from './metrics';
export { EVAL_IMAGE_EXTENSIONS, loadEvalDataset, parseCsvLine } from './dataset/load-eval-dataset';
export type { EvalDatasetLayout, EvalDatasetSource, EvalIdentitySource } from './dataset/load-eval-dataset';
export { EVAL_ALIGN_MODES, centreSquareCrop, prepareEvalFaces } from './dataset/prepare-eval-faces';
export type { EvalAlignMode, FaceLoss, PreparationCounts, PreparedIdentity, PrepareEvalFacesOptions } from './dataset/prepare-eval-faces';
export { EVAL_METHODS, FM_EVAL_METHODS, SR_EVAL_METHODS, parseEvalConfig } from './eval-config';
export { ESRGAN_PACKAGE, loadEsrganX8 } from './esrgan-upscaler';
export type { EsrganUpscaler } from './esrgan-upscaler';
export { seededDerangement } from './seeded-derangement';
export type { EvalConfig, EvalMethod } from './eval-config';
export { EVAL_COMPARISONS, runEval } from './run-eval';
export type { EvalProgress, EvalReport, EvalSamples, MethodComparison, RecognitionResult, RunEvalOptions } from './run-eval';
export { EVAL_METHOD_LABELS, formatComparisonTable, formatRecogniserNote, formatResultsBody, formatResultsMarkdown, formatResultsTable, formatTarTable } from './report/format-results-table';
export { plotRocPng, rocSvg } from './report/plot-roc';
export { sampleGridPng } from './report/sample-grid';
export { EVAL_OUTPUT_FILES, writeEvalOutputs } from './report/write-eval-outputs';
export { loadFasrSampleSrFaces, loadValidationSrFaces } from './dataset/held-out-sr-faces';
export { alternatePersonsOrder, loadIdentityValidationSrFaces } from './dataset/identity-validation-sr-faces';
export type { IdentityValidationDegradation } from './dataset/identity-validation-sr-faces';
export type { HeldOutSrFace, HeldOutSrFaceSet } from './dataset/held-out-sr-faces';
export { ABLATION_CONDITIONS, runConditioningAblation, shuffledFeatureOrder } from './conditioning-ablation';
export type { AblationCondition, AblationConditionResult, AblationFaceResult, ConditioningAblationOptions } from './conditioning-ablation';
export { formatResultsDoc, parseResultsDocSpec, resultsRefreshCommand } from './report/format-results-doc';
export type { CommittedEvalResults, ResultsDocSection, ResultsDocSpec } from './report/format-results-doc';
