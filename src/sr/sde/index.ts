/** Stochastic differential equations of score-based generative modelling (score_sde's sde_lib). */
export { Sde, perSample } from './sde';
export type { Discretization, MarginalProb, ReverseSde, SdeCoefficients } from './sde';
export { VeSde, DEFAULT_VE_SDE_CONFIG, parseVeSdeConfig } from './ve-sde';
export type { VeSdeConfig } from './ve-sde';
export { bindCondition } from './score-fn';
export type { ConditionalScoreFn, ScoreFn } from './score-fn';
export { torchLinspaceFloat32 } from './torch-linspace';
export { expFloat32, fmaFloat32 } from './exp-float32';
