import { ConfigError } from '../../contracts';
import { Sde, VeSde } from '../sde';
import { checkNumber, describeValue } from '../../validate';

/**
 * The EDM noise-level schedule (Karras et al. 2022, "Elucidating the Design Space of
 * Diffusion-Based Generative Models", Eq. 5):
 * σ_i = (σ_max^{1/ρ} + i/(N−1) · (σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ for i = 0..N−1, and σ_N = 0.
 * With N = 1 the schedule is [σ_max, 0]. Float64, N + 1 values, decreasing.
 * @throws ConfigError for N not an integer ≥ 1, σ_min ≤ 0, σ_max ≤ σ_min, ρ not > 0.
 */
export function karrasSigmas(steps: number, sigmaMin: number, sigmaMax: number, rho: number): Float64Array {
  const where = 'karrasSigmas';
  checkNumber(where, 'steps', steps, { integer: true, min: 1 });
  checkNumber(where, 'sigmaMin', sigmaMin, { above: 0 });
  checkNumber(where, 'sigmaMax', sigmaMax, { above: sigmaMin });
  checkNumber(where, 'rho', rho, { above: 0 });
  const out = new Float64Array(steps + 1);
  const hi = sigmaMax ** (1 / rho);
  const lo = sigmaMin ** (1 / rho);
  for (let i = 0; i < steps; i++) {
    const frac = steps === 1 ? 0 : i / (steps - 1);
    out[i] = (hi + frac * (lo - hi)) ** rho; // Eq. 5
  }
  out[0] = sigmaMax; // exact, not a rounded power
  if (steps > 1) out[steps - 1] = sigmaMin;
  out[steps] = 0;
  return out;
}

/** The VE SDE a σ-parametrised sampler runs on. @throws ConfigError for another SDE. */
export function checkVeSde(where: string, sde: unknown): VeSde {
  if (!(sde instanceof VeSde)) {
    const got = sde instanceof Sde ? sde.constructor.name : describeValue(sde);
    throw new ConfigError(`${where}.sde: expected a VeSde (the sigma schedule needs sigma(t) = sigma_min (sigma_max/sigma_min)^t), received ${got}`, {
      option: 'sde',
    });
  }
  return sde;
}

/**
 * Inverse of the VE noise schedule σ(t) = σ_min (σ_max/σ_min)^t: t = ln(σ/σ_min) / ln(σ_max/σ_min).
 * Our score functions take diffusion time t, not σ; the score function maps t back to σ(t) in
 * float32, so σ round-trips to within float32 rounding.
 */
export function veTimeOfSigma(sde: VeSde, sigma: number): number {
  return Math.log(sigma / sde.sigmaMin) / Math.log(sde.sigmaMax / sde.sigmaMin);
}
