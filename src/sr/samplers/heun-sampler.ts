import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOptionKeys } from '../../validate';
import type { ScoreFn, VeSde } from '../sde';
import type { NoiseSource } from '../noise';
import { pfOdeDerivative } from './euler-ode-sampler';
import { checkVeSde } from './karras-sigmas';
import type { SamplerResult } from './sampler-loop';
import { runSamplerLoop } from './sampler-loop';
import type { SamplerStepper } from './sampler-loop';
import { RUN_OPTION_KEYS, checkRunOptions, checkShapeNHWC } from './sampler-run-options';
import type { SamplerRunOptions } from './sampler-run-options';
import { karrasSigmasSchedule } from './sampler-schedules';
import { shapeCheckedScoreFn } from './update-fn';

/** Settings of {@link heunSample} (Karras et al. 2022, Algorithms 1 and 2). */
export interface HeunSamplerConfig {
  /** N, noise levels σ_0 = σ_max … σ_{N−1} = σ_min before the final σ_N = 0. Integer ≥ 1. NFE = 2N − 1. Default 18 (EDM's CIFAR-10 setting). */
  readonly steps: number;
  /** ρ of the schedule (Eq. 5): larger ρ spends more steps at small σ. Finite, > 0. Default 7 (EDM). */
  readonly rho: number;
  /** S_churn of Algorithm 2: total added noise; γ_i = min(S_churn/N, √2 − 1). Finite, ≥ 0. Default 0 (deterministic, Algorithm 1). */
  readonly sChurn: number;
  /** S_tmin: churn only where σ_i ≥ S_tmin. Finite, ≥ 0. Default 0. */
  readonly sTmin: number;
  /** S_tmax: churn only where σ_i ≤ S_tmax; null = no bound. Finite, ≥ sTmin, or null. Default null. */
  readonly sTmax: number | null;
  /** S_noise: scale of the churn noise. Finite, > 0. Default 1. */
  readonly sNoise: number;
}

/** EDM's deterministic sampler: 18 steps, ρ = 7, no churn. */
export const DEFAULT_HEUN_SAMPLER_CONFIG: Readonly<HeunSamplerConfig> = Object.freeze({ steps: 18, rho: 7, sChurn: 0, sTmin: 0, sTmax: null, sNoise: 1 });

/** Keys of {@link HeunSamplerConfig}. */
export const HEUN_SAMPLER_CONFIG_KEYS = ['steps', 'rho', 'sChurn', 'sTmin', 'sTmax', 'sNoise'] as const;

/**
 * Validates the fields of a (partial) Heun config and fills in the defaults. Does not check for
 * unknown keys (the callers do, with their own list).
 * @throws ConfigError `<where>.<key>: expected …, received …`.
 */
export function parseHeunSamplerConfig(raw: Readonly<Record<string, unknown>>, where = 'HeunSamplerConfig'): Readonly<HeunSamplerConfig> {
  const d = DEFAULT_HEUN_SAMPLER_CONFIG;
  const sTmin = checkNumber(where, 'sTmin', raw.sTmin ?? d.sTmin, { min: 0 });
  const sTmaxRaw = raw.sTmax === undefined ? d.sTmax : raw.sTmax;
  return Object.freeze({
    steps: checkNumber(where, 'steps', raw.steps ?? d.steps, { integer: true, min: 1 }),
    rho: checkNumber(where, 'rho', raw.rho ?? d.rho, { above: 0 }),
    sChurn: checkNumber(where, 'sChurn', raw.sChurn ?? d.sChurn, { min: 0 }),
    sTmin,
    sTmax: sTmaxRaw === null ? null : checkNumber(where, 'sTmax', sTmaxRaw, { min: sTmin }),
    sNoise: checkNumber(where, 'sNoise', raw.sNoise ?? d.sNoise, { above: 0 }),
  });
}

/** Options of {@link heunSample}. */
export interface HeunSamplerOptions extends Partial<HeunSamplerConfig>, SamplerRunOptions {
  /** The VE SDE of the model: σ_min, σ_max and σ(t). Its N is not used (`steps` is). Required. */
  readonly sde: VeSde;
}

const KEYS = ['sde', ...HEUN_SAMPLER_CONFIG_KEYS, ...RUN_OPTION_KEYS] as const;

/**
 * Heun's 2nd-order method on the probability-flow ODE with the EDM σ schedule (Karras et al.
 * 2022, "Elucidating the Design Space of Diffusion-Based Generative Models", Algorithm 1; with
 * `sChurn` > 0 the stochastic Algorithm 2). For the VE SDE parametrised by σ (σ(t) = t, s(t) = 1
 * in EDM's terms) the PF-ODE is dx/dσ = −σ ∇_x log p(x; σ) (Eq. 3/4), so
 * d_i = −σ_i s(x_i, t(σ_i)) with t(σ) the inverse of the VE schedule ({@link veTimeOfSigma}).
 *
 * x_0 = σ_max z (the VE prior, one `noise.normal` draw, as `pcSample`); for i = 0..N−1:
 * γ_i = min(S_churn/N, √2−1) if S_tmin ≤ σ_i ≤ S_tmax else 0; σ̂ = min(σ_i (1+γ_i), σ_max);
 * x̂ = x_i + √(σ̂² − σ_i²) S_noise ε (one draw, only where σ̂ > σ_i); d = −σ̂ s(x̂, t(σ̂));
 * x_{i+1} = x̂ + (σ_{i+1} − σ̂) d; and unless σ_{i+1} = 0 the trapezoidal correction with
 * d' = −σ_{i+1} s(x_{i+1}, t(σ_{i+1})): x_{i+1} = x̂ + (σ_{i+1} − σ̂)(d + d')/2. The last step (to
 * σ = 0) is Euler, i.e. the Tweedie denoising x + σ_min² s. NFE = 2N − 1.
 *
 * Deviation from Algorithm 2: σ̂ is capped at σ_max, where the score model was trained up to.
 * The σ schedule is computed in float64; each σ reaches the score function as t(σ) in float32.
 * {@link karrasSigmasSchedule} and {@link heunStepper} driven by {@link runSamplerLoop}.
 *
 * @param scoreFn score s(x, t) with its conditioning bound (`bindCondition`)
 * @param shapeNHWC shape of the sample [B,H,W,C]
 * @returns the sample at σ = 0 (the caller owns it), NFE and N.
 * @throws ConfigError for bad options; InputError for a bad shape or a score of the wrong shape;
 *   `opts.signal.reason` when aborted.
 */
export async function heunSample(scoreFn: ScoreFn, shapeNHWC: readonly [number, number, number, number], opts: HeunSamplerOptions): Promise<SamplerResult> {
  const where = 'heunSample';
  const raw = checkOptionKeys(where, opts, KEYS);
  const sde = checkVeSde(where, raw.sde);
  const { steps, rho, ...churn } = parseHeunSamplerConfig(raw, where);
  const run = checkRunOptions(where, raw);
  const shape = checkShapeNHWC(where, shapeNHWC);
  const schedule = karrasSigmasSchedule(sde, steps, rho);
  const stepper = heunStepper(sde, schedule.grid, churn, run.noise);
  const { x, nfe } = await runSamplerLoop(shapeCheckedScoreFn(where, scoreFn), shape, schedule, stepper, { sde, ...run });
  return { xNHWC: x, nfe, steps };
}

/**
 * One step of Karras et al. 2022, Algorithm 2 (Algorithm 1 when γ = 0) from σ_i = `sigmas[i]` to
 * σ_{i+1}, N = `sigmas.length − 1` (see {@link heunSample} for the equations): at most one
 * `noise.normal` draw (the churn), then one score evaluation, and a second unless σ_{i+1} = 0.
 */
export function heunStepper(
  sde: VeSde,
  sigmas: Float32Array | Float64Array,
  churn: Pick<HeunSamplerConfig, 'sChurn' | 'sTmin' | 'sTmax' | 'sNoise'>,
  noise: NoiseSource,
): SamplerStepper {
  const { sChurn, sTmin, sTmax, sNoise } = churn;
  const steps = sigmas.length - 1;
  return (scoreFn, x, i) => {
    const derivative = (xAt: tf.Tensor4D, sigma: number): tf.Tensor4D => pfOdeDerivative(sde, scoreFn, xAt, sigma);
    const sigmaI = sigmas[i] ?? NaN;
    const sigmaNext = sigmas[i + 1] ?? NaN;
    const inChurnRange = sigmaI >= sTmin && (sTmax === null || sigmaI <= sTmax);
    const gamma = inChurnRange ? Math.min(sChurn / steps, Math.SQRT2 - 1) : 0;
    const sigmaHat = Math.min(sigmaI * (1 + gamma), sde.sigmaMax);
    const next = tf.tidy(() => {
      // Algorithm 2, lines 5–6: raise the noise level to σ̂ (skipped when γ = 0: Algorithm 1).
      const xHat =
        sigmaHat > sigmaI ? (tf.add(x, tf.mul(noise.normal(x.shape), Math.sqrt(sigmaHat * sigmaHat - sigmaI * sigmaI) * sNoise)) as tf.Tensor4D) : x;
      const d = derivative(xHat, sigmaHat);
      const euler = tf.add(xHat, tf.mul(d, sigmaNext - sigmaHat)) as tf.Tensor4D; // line 8
      if (sigmaNext === 0) return euler;
      const dPrime = derivative(euler, sigmaNext); // line 10
      return tf.add(xHat, tf.mul(tf.add(d, dPrime), (sigmaNext - sigmaHat) / 2)) as tf.Tensor4D; // line 11
    });
    return { x: next };
  };
}
