import type { PcSamplerConfig } from '../samplers';

/**
 * The samplers `enhanceFaces` / `fasr sr --sampler` offer, by name. Each is a setting of the
 * predictor–corrector sampler (src/sr/samplers `pcSample`, Song et al. 2021 Algorithm 1/2):
 *
 * - `pc`: reverse-diffusion predictor + one Langevin corrector step per level (the FASR paper's
 *   sampler; NFE = 2 × steps).
 * - `reverse-diffusion`: the reverse-diffusion predictor alone (NFE = steps).
 * - `euler-maruyama`: the Euler–Maruyama predictor alone (NFE = steps).
 * - `probability-flow`: the reverse-diffusion predictor on the probability-flow ODE, no corrector
 *   (no noise after the prior; NFE = steps).
 *
 * Langevin step sizes are always per sample (`langevinStepSize: 'per-sample'`), so a face's result
 * does not depend on the other faces of its batch; for one face this equals the authors' batch mean.
 */
export const SR_SAMPLER_NAMES = Object.freeze(['pc', 'reverse-diffusion', 'euler-maruyama', 'probability-flow'] as const);
export type SrSamplerName = (typeof SR_SAMPLER_NAMES)[number];

/** The `pcSample` settings of a named sampler, less those the caller sets (snr). */
export function samplerPcConfig(name: SrSamplerName, snr: number): Readonly<Partial<PcSamplerConfig>> {
  const common = { snr, nSteps: 1, denoise: true, langevinStepSize: 'per-sample' } as const;
  switch (name) {
    case 'pc':
      return Object.freeze({ ...common, predictor: 'reverse-diffusion', corrector: 'langevin', probabilityFlow: false });
    case 'reverse-diffusion':
      return Object.freeze({ ...common, predictor: 'reverse-diffusion', corrector: 'none', probabilityFlow: false });
    case 'euler-maruyama':
      return Object.freeze({ ...common, predictor: 'euler-maruyama', corrector: 'none', probabilityFlow: false });
    case 'probability-flow':
      return Object.freeze({ ...common, predictor: 'reverse-diffusion', corrector: 'none', probabilityFlow: true });
  }
}

/**
 * The sampler as stored with an SR output (part of the store's idempotency key): the name, plus
 * the Langevin snr for the samplers that use it, e.g. `pc(snr=0.16)`, `reverse-diffusion`.
 */
export function samplerLabel(name: SrSamplerName, snr: number): string {
  return name === 'pc' ? `pc(snr=${snr})` : name;
}

/** Network evaluations of a named sampler with `steps` steps. */
export function samplerNfe(name: SrSamplerName, steps: number): number {
  return name === 'pc' ? 2 * steps : steps;
}
