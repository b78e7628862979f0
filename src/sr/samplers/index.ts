/**
 * Samplers of the reverse-time VE SDE: predictors and correctors sharing one signature
 * `(scoreFn, x, t, options) → {x, xMean, nfe}`, and the predictor–corrector sampler.
 */
export { reverseDiffusionPredictor } from './reverse-diffusion-predictor';
export type { PredictorOptions } from './reverse-diffusion-predictor';
export { eulerMaruyamaPredictor } from './euler-maruyama-predictor';
export { langevinCorrector, LANGEVIN_STEP_SIZES } from './langevin-corrector';
export type { LangevinOptions, LangevinStepSize } from './langevin-corrector';
export { pcSample, pcSampleConditional, parsePcSamplerConfig, DEFAULT_PC_SAMPLER_CONFIG, PREDICTORS, CORRECTORS } from './pc-sampler';
export type { CorrectorName, PcSamplerConfig, PcSamplerOptions, PredictorName, SamplerProgress, SamplerResult, SamplerUpdate } from './pc-sampler';
export type { UpdateContext, UpdateFn, UpdateResult } from './update-fn';
