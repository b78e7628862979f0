import type { SrFormulation } from '../formulation';

/**
 * The sampler an SR run of a paper-recipe model (formulation `vesde-score`, the authors'
 * checkpoint included) gets when it names none (no sampler, steps, snr or sampler options:
 * `fasr sr`, `fasr process --sr`, batch, eval, the UI): issue 5's rule, `chooseDefaultSampler` —
 * the fewest-NFE sampler within 0.3 dB PSNR and 0.01 identity cosine of the paper's 2000-step PC
 * sampler — applied to docs/samplers-table.json, the table `npm run bench:samplers` measured with
 * the earlier bundled model (fasr-ncsnpp-nf16-128) on held-out faces: the adaptive SDE solver
 * (Jolicoeur-Martineau et al. 2021) at epsRel 0.1, 199 NFE per face instead of 4000. A unit test
 * re-derives it from that table. Steps without a sampler keep meaning the paper's PC sampler.
 */
export const DEFAULT_SR_SAMPLER: Readonly<Record<string, unknown>> = Object.freeze({ sampler: 'adaptive', epsRel: 0.1 });

/**
 * The default of a residual-EDM model (issue 16): EDM's deterministic Heun sampler from σ_max of
 * the model over N Karras levels, 2N − 1 network calls. N is issue 16's rule — the fewest calls
 * (at most 20) within 0.2 dB PSNR of the model's best setting — applied to the table
 * scripts/recipe-validation.ts measured on validation identities (docs/training.md).
 */
export const DEFAULT_RESIDUAL_SR_SAMPLER: Readonly<Record<string, unknown>> = Object.freeze({ sampler: 'heun', steps: 4 });

/** The default sampler of a model of this formulation (absent: the paper's). */
export function defaultSrSampler(formulation?: SrFormulation): Readonly<Record<string, unknown>> {
  return formulation?.kind === 'residual-edm' ? DEFAULT_RESIDUAL_SR_SAMPLER : DEFAULT_SR_SAMPLER;
}
