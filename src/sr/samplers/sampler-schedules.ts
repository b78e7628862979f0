import { torchLinspaceFloat32 } from '../sde';
import type { Sde, VeSde } from '../sde';
import { karrasSigmas, veTimeOfSigma } from './karras-sigmas';
import type { SamplerSchedule } from './sampler-loop';

/**
 * The PC sampler's time grid (score_sde `get_pc_sampler`): t_i = linspace(T, eps, N)[i] in
 * float32, i = 0..N−1, N = `sde.N`; step i evaluates at t_i and progress reports t_i.
 */
export function pcTimeSchedule(sde: Sde, eps: number): SamplerSchedule {
  const grid = torchLinspaceFloat32(sde.T, eps, sde.N);
  return { steps: sde.N, grid, tAfterStep: (i) => grid[i] ?? NaN };
}

/**
 * The EDM σ grid (Karras et al. 2022, Eq. 5; {@link karrasSigmas}): σ_0 = σ_max … σ_{N−1} = σ_min,
 * σ_N = 0, N = `steps`; step i goes from σ_i to σ_{i+1}, and progress reports t(σ_{i+1}) (0 at σ = 0).
 */
export function karrasSigmasSchedule(sde: VeSde, steps: number, rho: number): SamplerSchedule {
  const grid = karrasSigmas(steps, sde.sigmaMin, sde.sigmaMax, rho);
  return {
    steps,
    grid,
    tAfterStep: (i) => {
      const next = grid[i + 1] ?? NaN;
      return next === 0 ? 0 : veTimeOfSigma(sde, next);
    },
  };
}
