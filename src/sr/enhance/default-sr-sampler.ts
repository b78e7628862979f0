/**
 * The sampler an SR run gets when it names none (no sampler, steps, snr or sampler options:
 * `fasr sr`, `fasr process --sr`, batch, eval, the UI): issue 5's rule, `chooseDefaultSampler` —
 * the fewest-NFE sampler within 0.3 dB PSNR and 0.01 identity cosine of the paper's 2000-step PC
 * sampler — applied to docs/samplers-table.json, the table `npm run bench:samplers` measured with
 * the bundled model on held-out faces: the adaptive SDE solver (Jolicoeur-Martineau et al. 2021)
 * at epsRel 0.1, 199 NFE per face instead of 4000. A unit test re-derives it from that table, so a
 * new table (or a new bundled model) must come with a new value. Steps without a sampler keep
 * meaning the paper's PC sampler with that many steps.
 */
export const DEFAULT_SR_SAMPLER: Readonly<Record<string, unknown>> = Object.freeze({ sampler: 'adaptive', epsRel: 0.1 });
