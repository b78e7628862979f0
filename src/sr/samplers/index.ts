/**
 * Samplers of the reverse-time VE SDE: predictors and correctors sharing one signature
 * `(scoreFn, x, t, options) → {x, xMean, nfe}`; the fixed-step samplers (PC, Heun, Euler-ODE) as
 * a schedule plus a stepper driven by one loop (`runSamplerLoop`); the adaptive solver.
 */
export { reverseDiffusionPredictor } from './reverse-diffusion-predictor';
export { eulerMaruyamaPredictor } from './euler-maruyama-predictor';
export { langevinCorrector, LANGEVIN_STEP_SIZES } from './langevin-corrector';
export type { LangevinOptions, LangevinStepSize } from './langevin-corrector';
export { pcSample, pcSampleConditional, parsePcSamplerConfig, DEFAULT_PC_SAMPLER_CONFIG, PREDICTORS, CORRECTORS } from './pc-sampler';
export type { CorrectorName, PcSamplerConfig, PcSamplerOptions, PredictorName, SamplerProgress, SamplerResult, SamplerUpdate } from './pc-sampler';
export type { PredictorOptions, UpdateContext, UpdateFn, UpdateResult } from './update-fn';
export { karrasSigmas, veTimeOfSigma } from './karras-sigmas';
export { runSamplerLoop } from './sampler-loop';
export type { SamplerLoopOptions, SamplerLoopResult, SamplerSchedule, SamplerStepper, StepResult } from './sampler-loop';
export { karrasSigmasSchedule, pcTimeSchedule } from './sampler-schedules';
export { pcStepper } from './pc-sampler';
export { heunSample, heunStepper, parseHeunSamplerConfig, DEFAULT_HEUN_SAMPLER_CONFIG, HEUN_SAMPLER_CONFIG_KEYS } from './heun-sampler';
export type { HeunSamplerConfig, HeunSamplerOptions } from './heun-sampler';
export { eulerOdeSample, eulerOdeStepper, parseEulerOdeSamplerConfig, DEFAULT_EULER_ODE_SAMPLER_CONFIG, EULER_ODE_SAMPLER_CONFIG_KEYS } from './euler-ode-sampler';
export type { EulerOdeSamplerConfig, EulerOdeSamplerOptions } from './euler-ode-sampler';
export { adaptiveSample, parseAdaptiveSamplerConfig, AdaptiveSamplerError, DEFAULT_ADAPTIVE_SAMPLER_CONFIG, ADAPTIVE_SAMPLER_CONFIG_KEYS } from './adaptive-sampler';
export type { AdaptiveSamplerConfig, AdaptiveSamplerOptions, AdaptiveSamplerResult } from './adaptive-sampler';
export type { SamplerRunOptions } from './sampler-run-options';
export { checkProgressAndSignal } from './sampler-run-options';
export {
  SAMPLER_NAMES,
  SAMPLER_OPTION_KEYS,
  DEFAULT_SAMPLER_NAME,
  isParsedSamplerConfig,
  parseSamplerConfig,
  parseSamplerOptionPairs,
  runSampler,
  runSamplerConditional,
  samplerLabel,
  samplerNfe,
} from './sampler-registry';
export type { PcFamilySamplerConfig, PcRegistryConfig, RunSamplerOptions, SamplerConfig, SamplerName } from './sampler-registry';
export { chooseDefaultSampler, parseSamplerQualityTable, DEFAULT_SAMPLER_RULE } from './choose-default-sampler';
export type { DefaultSamplerDecision, DefaultSamplerRule, SamplerQualityRow, SamplerQualityTable } from './choose-default-sampler';
