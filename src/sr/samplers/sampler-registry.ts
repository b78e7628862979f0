import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../contracts';
import { VeSde, bindCondition } from '../sde';
import { checkChoice, checkNumber, checkOptionKeys, checkTensorShape, describeValue } from '../../validate';
import type { ConditionalScoreFn, ScoreFn } from '../sde';
import { adaptiveSample, ADAPTIVE_SAMPLER_CONFIG_KEYS, parseAdaptiveSamplerConfig } from './adaptive-sampler';
import type { AdaptiveSamplerConfig } from './adaptive-sampler';
import { eulerOdeSample, EULER_ODE_SAMPLER_CONFIG_KEYS, parseEulerOdeSamplerConfig } from './euler-ode-sampler';
import type { EulerOdeSamplerConfig } from './euler-ode-sampler';
import { heunSample, HEUN_SAMPLER_CONFIG_KEYS, parseHeunSamplerConfig } from './heun-sampler';
import type { HeunSamplerConfig } from './heun-sampler';
import { checkVeSde } from './karras-sigmas';
import { LANGEVIN_STEP_SIZES } from './langevin-corrector';
import type { LangevinStepSize } from './langevin-corrector';
import { pcSample } from './pc-sampler';
import type { PcSamplerConfig } from './pc-sampler';
import type { SamplerResult } from './sampler-loop';
import { RUN_OPTION_KEYS, checkRunOptions } from './sampler-run-options';
import type { SamplerRunOptions } from './sampler-run-options';

/**
 * Every sampler by name (what `--sampler` accepts):
 * - `pc`: reverse-diffusion predictor + Langevin corrector (Song et al. 2021, Algorithm 2; the FASR
 *   paper's, N = 2000), NFE = steps × (nSteps + 1).
 * - `reverse-diffusion`, `euler-maruyama`: one predictor alone on the reverse SDE, NFE = steps.
 * - `probability-flow`: the reverse-diffusion discretisation of the probability-flow ODE, NFE = steps.
 * - `heun`: Heun's 2nd-order method on the PF-ODE, EDM σ schedule (Karras et al. 2022), NFE = 2 steps − 1.
 * - `euler-ode`: Euler on the same ODE and schedule, NFE = steps.
 * - `adaptive`: adaptive-step SDE solver ("Gotta Go Fast", Jolicoeur-Martineau et al. 2021); NFE varies.
 */
export const SAMPLER_NAMES = Object.freeze(['pc', 'reverse-diffusion', 'euler-maruyama', 'probability-flow', 'heun', 'euler-ode', 'adaptive'] as const);
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Settings of the samplers built on `pcSample` with a VE SDE of `steps` noise levels. */
export interface PcFamilySamplerConfig {
  /** N, the number of noise levels of the VE SDE the sampler walks (linspace(1, eps, N) in t). Integer ≥ 1. Default 2000 (the paper's). */
  readonly steps: number;
  /** Smallest diffusion time. In (0, 1). Default 1e-5 (FASR). */
  readonly eps: number;
}

/** Settings of `pc`: the PC-family settings plus the Langevin corrector's. */
export interface PcRegistryConfig extends PcFamilySamplerConfig {
  /** Langevin target signal-to-noise ratio r. Finite, > 0. Default 0.16 (FASR). */
  readonly snr: number;
  /** Langevin steps per noise level. Integer ≥ 1. Default 1 (FASR). */
  readonly nSteps: number;
  /** Langevin step size per sample (batch-independent, the default) or the batch mean (score_sde; equal for one face). */
  readonly langevinStepSize: LangevinStepSize;
}

/** A validated sampler choice with all its settings (defaults filled in), as `parseSamplerConfig` returns it. */
export type SamplerConfig =
  | ({ readonly sampler: 'pc' } & PcRegistryConfig)
  | ({ readonly sampler: 'reverse-diffusion' | 'euler-maruyama' | 'probability-flow' } & PcFamilySamplerConfig)
  | ({ readonly sampler: 'heun' } & HeunSamplerConfig)
  | ({ readonly sampler: 'euler-ode' } & EulerOdeSamplerConfig)
  | ({ readonly sampler: 'adaptive' } & AdaptiveSamplerConfig);

/** Marks the configs {@link parseSamplerConfig} made (non-enumerable): {@link runSampler} runs them without parsing again. */
const PARSED = Symbol('parsed SamplerConfig');

function parsed(config: SamplerConfig): Readonly<SamplerConfig> {
  Object.defineProperty(config, PARSED, { value: true, enumerable: false });
  return Object.freeze(config);
}

/** Whether `value` is a config {@link parseSamplerConfig} returned (not a look-alike object). */
export function isParsedSamplerConfig(value: unknown): value is Readonly<SamplerConfig> {
  return value !== null && typeof value === 'object' && (value as { [PARSED]?: unknown })[PARSED] === true;
}

const PC_FAMILY_KEYS = ['steps', 'eps'] as const;
const PC_KEYS = ['steps', 'snr', 'nSteps', 'eps', 'langevinStepSize'] as const;

/** The option keys each sampler accepts besides `sampler`. */
export const SAMPLER_OPTION_KEYS: Readonly<Record<SamplerName, readonly string[]>> = Object.freeze({
  pc: PC_KEYS,
  'reverse-diffusion': PC_FAMILY_KEYS,
  'euler-maruyama': PC_FAMILY_KEYS,
  'probability-flow': PC_FAMILY_KEYS,
  heun: HEUN_SAMPLER_CONFIG_KEYS,
  'euler-ode': EULER_ODE_SAMPLER_CONFIG_KEYS,
  adaptive: ADAPTIVE_SAMPLER_CONFIG_KEYS,
});

/** The sampler a config without `sampler` gets: the paper's PC sampler. (`fasr sr`'s default is the bench's decision, docs/samplers.md.) */
export const DEFAULT_SAMPLER_NAME: SamplerName = 'pc';

/**
 * Validates a sampler choice, e.g. `{ sampler: 'heun', steps: 18 }`, and fills in that sampler's
 * defaults. Every sampler takes `steps` except `adaptive`, which chooses its own.
 * @throws ConfigError with an exact message: an unknown sampler (listing the valid names), an
 *   option the chosen sampler does not take (listing the ones it does), an out-of-range value.
 */
export function parseSamplerConfig(input: unknown = {}, where = 'SamplerConfig'): Readonly<SamplerConfig> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(`${where}: expected an options object like { sampler: "heun", steps: 18 }, received ${describeValue(input)}`);
  }
  const sampler = checkChoice(where, 'sampler', (input as Record<string, unknown>).sampler ?? DEFAULT_SAMPLER_NAME, SAMPLER_NAMES);
  const scope = `${where} (${sampler})`;
  const valid = ['sampler', ...SAMPLER_OPTION_KEYS[sampler]];
  if (sampler === 'adaptive' && 'steps' in input) {
    throw new ConfigError(`${scope}: option "steps" does not apply: the adaptive solver chooses its own steps; set epsRel/epsAbs instead (valid options: ${valid.join(', ')})`, {
      option: 'steps',
    });
  }
  const raw = checkOptionKeys(scope, input, valid);
  switch (sampler) {
    case 'pc':
      return parsed({
        sampler,
        steps: checkNumber(scope, 'steps', raw.steps ?? 2000, { integer: true, min: 1 }),
        snr: checkNumber(scope, 'snr', raw.snr ?? 0.16, { above: 0 }),
        nSteps: checkNumber(scope, 'nSteps', raw.nSteps ?? 1, { integer: true, min: 1 }),
        eps: checkNumber(scope, 'eps', raw.eps ?? 1e-5, { above: 0, below: 1 }),
        langevinStepSize: checkChoice(scope, 'langevinStepSize', raw.langevinStepSize ?? 'per-sample', LANGEVIN_STEP_SIZES),
      });
    case 'reverse-diffusion':
    case 'euler-maruyama':
    case 'probability-flow':
      return parsed({
        sampler,
        steps: checkNumber(scope, 'steps', raw.steps ?? 2000, { integer: true, min: 1 }),
        eps: checkNumber(scope, 'eps', raw.eps ?? 1e-5, { above: 0, below: 1 }),
      });
    case 'heun':
      return parsed({ sampler, ...parseHeunSamplerConfig(raw, scope) });
    case 'euler-ode':
      return parsed({ sampler, ...parseEulerOdeSamplerConfig(raw, scope) });
    case 'adaptive':
      return parsed({ sampler, ...parseAdaptiveSamplerConfig(raw, scope) });
  }
}

/**
 * Parses `key=value` pairs (CLI `--sampler-option rho=7`) into an options object for
 * {@link parseSamplerConfig}: numbers, `true`/`false`, `null`, else the string.
 * @throws ConfigError for a pair without `=` or an empty key.
 */
export function parseSamplerOptionPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = typeof pair === 'string' ? pair.indexOf('=') : -1;
    if (at <= 0) throw new ConfigError(`sampler option: expected key=value, received ${describeValue(pair)}`, { option: 'sampler-option' });
    const key = pair.slice(0, at);
    const text = pair.slice(at + 1);
    const num = Number(text);
    out[key] = text === 'true' ? true : text === 'false' ? false : text === 'null' ? null : text.trim() !== '' && Number.isFinite(num) ? num : text;
  }
  return out;
}

/** Network evaluations a sampler makes per batch: exact for the fixed-step samplers, null for `adaptive`. */
export function samplerNfe(config: SamplerConfig): number | null {
  switch (config.sampler) {
    case 'pc':
      return config.steps * (config.nSteps + 1);
    case 'heun':
      return 2 * config.steps - 1;
    case 'adaptive':
      return null;
    default:
      return config.steps;
  }
}

/**
 * A canonical text for a sampler config, every setting in declaration order, e.g.
 * `heun(steps=18,rho=7,sChurn=0,sTmin=0,sTmax=null,sNoise=1)`: equal configs give equal labels
 * (stored with SR outputs as their sampler).
 */
export function samplerLabel(config: SamplerConfig): string {
  const keys = SAMPLER_OPTION_KEYS[config.sampler];
  const fields = config as unknown as Record<string, unknown>;
  return `${config.sampler}(${keys.map((k) => `${k}=${String(fields[k])}`).join(',')})`;
}

/** Options of {@link runSampler}. */
export interface RunSamplerOptions extends SamplerRunOptions {
  /** The model's VE SDE: σ_min, σ_max (its N is replaced by the config's `steps` for the PC family). Required. */
  readonly sde: VeSde;
}

const RUN_KEYS = ['sde', ...RUN_OPTION_KEYS] as const;

/**
 * Runs a parsed sampler config (see {@link SAMPLER_NAMES}) on a score function.
 * @param config from {@link parseSamplerConfig} (run as it is); any other object is parsed here
 * @throws ConfigError / InputError as the chosen sampler does; `signal.reason` when aborted.
 */
export async function runSampler(
  scoreFn: ScoreFn,
  shapeNHWC: readonly [number, number, number, number],
  config: SamplerConfig,
  opts: RunSamplerOptions,
): Promise<SamplerResult> {
  const where = 'runSampler';
  const raw = checkOptionKeys(where, opts, RUN_KEYS);
  const sde = checkVeSde(where, raw.sde);
  const run = checkRunOptions(where, raw);
  const cfg = isParsedSamplerConfig(config) ? config : parseSamplerConfig(config, `${where}.config`);
  const common = {
    noise: run.noise,
    ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
    ...(run.signal === undefined ? {} : { signal: run.signal }),
  };
  const { sampler: _name, ...settings } = cfg;
  switch (cfg.sampler) {
    case 'pc':
    case 'reverse-diffusion':
    case 'euler-maruyama':
    case 'probability-flow': {
      const stepsSde = new VeSde({ sigmaMin: sde.sigmaMin, sigmaMax: sde.sigmaMax, N: cfg.steps });
      const pc: Partial<PcSamplerConfig> =
        cfg.sampler === 'pc'
          ? { predictor: 'reverse-diffusion', corrector: 'langevin', snr: cfg.snr, nSteps: cfg.nSteps, langevinStepSize: cfg.langevinStepSize, probabilityFlow: false }
          : cfg.sampler === 'euler-maruyama'
            ? { predictor: 'euler-maruyama', corrector: 'none', probabilityFlow: false }
            : { predictor: 'reverse-diffusion', corrector: 'none', probabilityFlow: cfg.sampler === 'probability-flow' };
      return pcSample(scoreFn, shapeNHWC, { sde: stepsSde, eps: cfg.eps, denoise: true, ...pc, ...common });
    }
    case 'heun':
      return heunSample(scoreFn, shapeNHWC, { sde, ...(settings as HeunSamplerConfig), ...common });
    case 'euler-ode':
      return eulerOdeSample(scoreFn, shapeNHWC, { sde, ...(settings as EulerOdeSamplerConfig), ...common });
    case 'adaptive':
      return adaptiveSample(scoreFn, shapeNHWC, { sde, ...(settings as AdaptiveSamplerConfig), ...common });
  }
}

/**
 * {@link runSampler} for FASR's conditional score s(x, t | y, F): the sample has the LR batch's
 * shape and y [B,H,W,3], feat [B,F] reach every evaluation. The caller keeps `yNHWC` and `feat`.
 */
export async function runSamplerConditional(
  scoreFn: ConditionalScoreFn,
  yNHWC: tf.Tensor4D,
  feat: tf.Tensor2D,
  config: SamplerConfig,
  opts: RunSamplerOptions,
): Promise<SamplerResult> {
  checkTensorShape('runSamplerConditional', 'y', yNHWC, 'BHWC', [null, null, null, null]);
  checkTensorShape('runSamplerConditional', 'feat', feat, 'BF', [yNHWC.shape[0], null]);
  return runSampler(bindCondition(scoreFn, yNHWC, feat), yNHWC.shape, config, opts);
}
