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
export const DEFAULT_RESIDUAL_SR_SAMPLER: Readonly<Record<string, unknown>> = Object.freeze({ sampler: 'heun', steps: 1 });

/** The default sampler of a model of this formulation (absent: the paper's). */
export function defaultSrSampler(formulation?: SrFormulation): Readonly<Record<string, unknown>> {
  return formulation?.kind === 'residual-edm' ? DEFAULT_RESIDUAL_SR_SAMPLER : DEFAULT_SR_SAMPLER;
}

/** A row of scripts/recipe-validation.ts's JSON (one model, LR_0 setting, condition and sampler). */
export interface RecipeValidationRow {
  readonly model: string;
  readonly degradation: string;
  readonly method: string;
  /** 'heun:N' (or another `name:steps`), as recipe-validation names it. */
  readonly sampler: string;
  readonly nfe: number;
  readonly psnrDb: number;
}

/**
 * Issue 16's rule for a residual-EDM model's default sampler, on recipe-validation rows of one
 * model with its true F_M: each sampler's PSNR is averaged over the LR_0 settings; the best is
 * the highest; the default is the fewest-NFE sampler with at most `maxNfe` network calls whose
 * PSNR is within `maxPsnrLossDb` of the best. @returns its options and the figures behind it.
 * @throws Error when no row fits.
 */
export function chooseResidualDefaultSampler(
  rows: readonly RecipeValidationRow[],
  model: string,
  rule: { readonly maxNfe: number; readonly maxPsnrLossDb: number } = { maxNfe: 20, maxPsnrLossDb: 0.2 },
): { readonly options: Readonly<Record<string, unknown>>; readonly nfe: number; readonly psnrDb: number; readonly bestPsnrDb: number; readonly best: string } {
  const mine = rows.filter((r) => r.model === model && r.method === 'true F_M' && /^[a-z-]+:\d+$/.test(r.sampler));
  const bySampler = new Map<string, { nfe: number; psnr: number[] }>();
  for (const r of mine) {
    const e = bySampler.get(r.sampler) ?? { nfe: r.nfe, psnr: [] };
    e.psnr.push(r.psnrDb);
    bySampler.set(r.sampler, e);
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const all = [...bySampler.entries()].map(([sampler, e]) => ({ sampler, nfe: e.nfe, psnrDb: mean(e.psnr) }));
  if (all.length === 0) throw new Error(`chooseResidualDefaultSampler: no 'true F_M' rows of model ${model}`);
  const best = all.reduce((a, b) => (b.psnrDb > a.psnrDb ? b : a));
  const fits = all.filter((r) => r.nfe <= rule.maxNfe && r.psnrDb >= best.psnrDb - rule.maxPsnrLossDb).sort((a, b) => a.nfe - b.nfe);
  const chosen = fits[0];
  if (chosen === undefined) throw new Error(`chooseResidualDefaultSampler: no sampler of model ${model} within ${rule.maxPsnrLossDb} dB of the best (${best.sampler}, ${best.psnrDb.toFixed(2)} dB) at <= ${rule.maxNfe} NFE`);
  const [name, steps] = chosen.sampler.split(':');
  return { options: { sampler: name, steps: Number(steps) }, nfe: chosen.nfe, psnrDb: chosen.psnrDb, bestPsnrDb: best.psnrDb, best: best.sampler };
}
