import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOptionKeys } from '../../validate';
import type { ScoreFn, VeSde } from '../sde';
import { checkVeSde, veTimeOfSigma } from './karras-sigmas';
import type { SamplerResult } from './sampler-loop';
import { runSamplerLoop } from './sampler-loop';
import type { SamplerStepper } from './sampler-loop';
import { RUN_OPTION_KEYS, checkRunOptions, checkShapeNHWC } from './sampler-run-options';
import type { SamplerRunOptions } from './sampler-run-options';
import { karrasSigmasSchedule } from './sampler-schedules';
import { shapeCheckedScoreFn } from './update-fn';

/** Settings of {@link eulerOdeSample}. */
export interface EulerOdeSamplerConfig {
  /** N, noise levels σ_0 = σ_max … σ_{N−1} = σ_min before the final σ_N = 0. Integer ≥ 1. NFE = N. Default 35. */
  readonly steps: number;
  /** ρ of the EDM schedule (Eq. 5). Finite, > 0. Default 7. */
  readonly rho: number;
}

/** 35 steps: the NFE of EDM's 18-step Heun sampler. */
export const DEFAULT_EULER_ODE_SAMPLER_CONFIG: Readonly<EulerOdeSamplerConfig> = Object.freeze({ steps: 35, rho: 7 });

/** Keys of {@link EulerOdeSamplerConfig}. */
export const EULER_ODE_SAMPLER_CONFIG_KEYS = ['steps', 'rho'] as const;

/**
 * Validates the fields of a (partial) Euler-ODE config and fills in the defaults (no unknown-key check).
 * @throws ConfigError `<where>.<key>: expected …, received …`.
 */
export function parseEulerOdeSamplerConfig(raw: Readonly<Record<string, unknown>>, where = 'EulerOdeSamplerConfig'): Readonly<EulerOdeSamplerConfig> {
  const d = DEFAULT_EULER_ODE_SAMPLER_CONFIG;
  return Object.freeze({
    steps: checkNumber(where, 'steps', raw.steps ?? d.steps, { integer: true, min: 1 }),
    rho: checkNumber(where, 'rho', raw.rho ?? d.rho, { above: 0 }),
  });
}

/** Options of {@link eulerOdeSample}. */
export interface EulerOdeSamplerOptions extends Partial<EulerOdeSamplerConfig>, SamplerRunOptions {
  /** The VE SDE of the model (σ_min, σ_max, σ(t)); its N is not used. Required. */
  readonly sde: VeSde;
}

const KEYS = ['sde', ...EULER_ODE_SAMPLER_CONFIG_KEYS, ...RUN_OPTION_KEYS] as const;

/**
 * One Euler step on the probability-flow ODE dx/dσ = −σ ∇_x log p(x; σ) from σ_i = `sigmas[i]` to
 * σ_{i+1} (k-diffusion `sample_euler`'s step): x_{i+1} = x_i + (σ_{i+1} − σ_i) d_i,
 * d_i = −σ_i s(x_i, t(σ_i)). One score evaluation; no noise.
 */
export function eulerOdeStepper(sde: VeSde, sigmas: Float32Array | Float64Array): SamplerStepper {
  return (scoreFn, x, i) => {
    const sigma = sigmas[i] ?? NaN;
    const sigmaNext = sigmas[i + 1] ?? NaN;
    const next = tf.tidy(() => tf.add(x, tf.mul(pfOdeDerivative(sde, scoreFn, x, sigma), sigmaNext - sigma)) as tf.Tensor4D);
    return { x: next };
  };
}

/**
 * d = dx/dσ = −σ s(x, t(σ)): the probability-flow ODE derivative in σ (EDM Eq. 4 with σ(t) = t,
 * s(t) = 1), the score evaluated at the VE time of σ ({@link veTimeOfSigma}). One evaluation.
 */
export function pfOdeDerivative(sde: VeSde, scoreFn: ScoreFn, xNHWC: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const t = tf.fill([xNHWC.shape[0]], veTimeOfSigma(sde, sigma), 'float32') as tf.Tensor1D;
    return tf.mul(scoreFn(xNHWC, t), -sigma) as tf.Tensor4D;
  });
}

/**
 * Euler's method on the probability-flow ODE dx/dσ = −σ ∇_x log p(x; σ) with the EDM σ schedule
 * (Karras et al. 2022, the 1st-order baseline of Algorithm 1; k-diffusion `sample_euler` without
 * churn): x_0 = σ_max z; x_{i+1} = x_i + (σ_{i+1} − σ_i) d_i, d_i = −σ_i s(x_i, t(σ_i)). The last
 * step (σ_{N−1} → 0) is the Tweedie denoising. Deterministic after the prior draw. NFE = N.
 * {@link karrasSigmasSchedule} and {@link eulerOdeStepper} driven by {@link runSamplerLoop}.
 *
 * @param scoreFn score s(x, t) with its conditioning bound
 * @param shapeNHWC shape of the sample [B,H,W,C]
 * @throws ConfigError for bad options; InputError for a bad shape or a score of the wrong shape;
 *   `opts.signal.reason` when aborted.
 */
export async function eulerOdeSample(
  scoreFn: ScoreFn,
  shapeNHWC: readonly [number, number, number, number],
  opts: EulerOdeSamplerOptions,
): Promise<SamplerResult> {
  const where = 'eulerOdeSample';
  const raw = checkOptionKeys(where, opts, KEYS);
  const sde = checkVeSde(where, raw.sde);
  const { steps, rho } = parseEulerOdeSamplerConfig(raw, where);
  const run = checkRunOptions(where, raw);
  const shape = checkShapeNHWC(where, shapeNHWC);
  const schedule = karrasSigmasSchedule(sde, steps, rho);
  const { x, nfe } = await runSamplerLoop(shapeCheckedScoreFn(where, scoreFn), shape, schedule, eulerOdeStepper(sde, schedule.grid), { sde, ...run });
  return { xNHWC: x, nfe, steps };
}
