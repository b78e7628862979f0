import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../contracts';
import type { NoiseSource } from '../noise';
import { bindCondition } from '../sde';
import { checkBoolean, checkChoice, checkNumber, checkOptionKeys, checkTensorShape, describeValue } from '../../validate';
import type { ConditionalScoreFn, Sde, ScoreFn } from '../sde';
import { eulerMaruyamaPredictor } from './euler-maruyama-predictor';
import { LANGEVIN_STEP_SIZES, langevinCorrector } from './langevin-corrector';
import type { LangevinStepSize } from './langevin-corrector';
import { reverseDiffusionPredictor } from './reverse-diffusion-predictor';
import { runSamplerLoop } from './sampler-loop';
import { checkRunOptions, checkShapeNHWC } from './sampler-run-options';
import type { SamplerProgress, SamplerResult, SamplerStepper } from './sampler-loop';
import { pcTimeSchedule } from './sampler-schedules';
import { checkUpdateContext } from './update-fn';
import type { UpdateResult } from './update-fn';

export type { SamplerProgress, SamplerResult } from './sampler-loop';

export const PREDICTORS = ['reverse-diffusion', 'euler-maruyama', 'none'] as const;
export type PredictorName = (typeof PREDICTORS)[number];
export const CORRECTORS = ['langevin', 'none'] as const;
export type CorrectorName = (typeof CORRECTORS)[number];

/** One corrector or predictor update, for inspection. The tensors are valid only during the callback. */
export interface SamplerUpdate {
  readonly step: number;
  readonly kind: 'corrector' | 'predictor';
  readonly t: number;
  readonly x: tf.Tensor4D;
  readonly xMean: tf.Tensor4D;
}

/**
 * The serialisable settings of the PC sampler (what a pipeline file or the CLI configures). The
 * number of steps is the SDE's N (`VeSdeConfig.N`, 2000 in the paper).
 */
export interface PcSamplerConfig {
  /** Predictor algorithm. Default 'reverse-diffusion' (FASR). */
  readonly predictor: PredictorName;
  /** Corrector algorithm. Default 'langevin' (FASR). */
  readonly corrector: CorrectorName;
  /** Langevin target signal-to-noise ratio r. Finite, > 0. Default 0.16 (FASR). */
  readonly snr: number;
  /** Langevin steps per noise level. Integer ≥ 1. Default 1 (FASR). */
  readonly nSteps: number;
  /** Return the last predictor's x_mean (no final noise) instead of x. Default true (FASR). */
  readonly denoise: boolean;
  /** Smallest diffusion time: the grid is linspace(T, eps, N) in float32. In (0, T). Default 1e-5. */
  readonly eps: number;
  /** Predict along the probability-flow ODE instead of the reverse SDE. Default false. */
  readonly probabilityFlow: boolean;
  /** Langevin step-size sharing, see `LangevinOptions.stepSize`. Default 'batch-mean' (the authors'). */
  readonly langevinStepSize: LangevinStepSize;
}

/** The FASR paper's sampler settings (configs/ve/sr_ve.py); N = 2000 comes from the SDE. */
export const DEFAULT_PC_SAMPLER_CONFIG: Readonly<PcSamplerConfig> = Object.freeze({
  predictor: 'reverse-diffusion',
  corrector: 'langevin',
  snr: 0.16,
  nSteps: 1,
  denoise: true,
  eps: 1e-5,
  probabilityFlow: false,
  langevinStepSize: 'batch-mean',
});

const CONFIG_KEYS = ['predictor', 'corrector', 'snr', 'nSteps', 'denoise', 'eps', 'probabilityFlow', 'langevinStepSize'] as const;

function parseConfigFields(where: string, raw: Readonly<Record<string, unknown>>, T = 1): Readonly<PcSamplerConfig> {
  const d = DEFAULT_PC_SAMPLER_CONFIG;
  const config: PcSamplerConfig = {
    predictor: checkChoice(where, 'predictor', raw.predictor ?? d.predictor, PREDICTORS),
    corrector: checkChoice(where, 'corrector', raw.corrector ?? d.corrector, CORRECTORS),
    snr: checkNumber(where, 'snr', raw.snr ?? d.snr, { above: 0 }),
    nSteps: checkNumber(where, 'nSteps', raw.nSteps ?? d.nSteps, { integer: true, min: 1 }),
    denoise: checkBoolean(where, 'denoise', raw.denoise ?? d.denoise),
    eps: checkNumber(where, 'eps', raw.eps ?? d.eps, { above: 0, below: T }),
    probabilityFlow: checkBoolean(where, 'probabilityFlow', raw.probabilityFlow ?? d.probabilityFlow),
    langevinStepSize: checkChoice(where, 'langevinStepSize', raw.langevinStepSize ?? d.langevinStepSize, LANGEVIN_STEP_SIZES),
  };
  if (config.predictor === 'none' && config.corrector === 'none') {
    throw new ConfigError(`${where}: predictor and corrector are both "none"; at least one must run`, { option: 'predictor' });
  }
  return Object.freeze(config);
}

/**
 * Validates a (partial) PC sampler config and fills in the defaults (eps is checked against T = 1,
 * the VE SDE's end time).
 * @throws ConfigError for unknown keys and out-of-range values (exact messages name the key).
 */
export function parsePcSamplerConfig(input: unknown = {}): Readonly<PcSamplerConfig> {
  return parseConfigFields('PcSamplerConfig', checkOptionKeys('PcSamplerConfig', input, CONFIG_KEYS));
}

/** Options of {@link pcSample}: the config (defaults {@link DEFAULT_PC_SAMPLER_CONFIG}) plus the run's collaborators. */
export interface PcSamplerOptions extends Partial<PcSamplerConfig> {
  /** The forward SDE, e.g. `new VeSde()` (σ_min 0.001, σ_max 348, N 2000); N is the number of steps. Required. */
  readonly sde: Sde;
  /** Source of all randomness: the prior draw, then per step the corrector's and the predictor's draws. Required. */
  readonly noise: NoiseSource;
  /** Called after every step. */
  readonly onProgress?: (progress: SamplerProgress) => void;
  /** Called after every corrector and predictor update (debugging, golden tests). */
  readonly onUpdate?: (update: SamplerUpdate) => void;
  /** Aborts between steps; the promise then rejects with `signal.reason` (an AbortError by default). */
  readonly signal?: AbortSignal;
}

const KEYS = ['sde', 'noise', ...CONFIG_KEYS, 'onProgress', 'onUpdate', 'signal'] as const;

function checkCallback<F>(where: string, name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(`${where}.${name}: expected a function, received ${describeValue(value)}`, { option: name });
  return value as F;
}

/**
 * Predictor–corrector sampler (Song et al. 2021, Algorithm 1 and Algorithm 2 for the VE SDE;
 * score_sde `get_pc_sampler`), as FASR samples: x_N = σ_max z with the requested shape, then for
 * t_i = linspace(T, eps, N)[i], i = 0..N−1: **corrector first, then predictor**; returns the
 * final predictor's x_mean when `denoise`, else x.
 *
 * Draw order on `opts.noise`: prior; then per step the corrector's draws (one per Langevin step)
 * and the predictor's draw. NFE = N · (nSteps + 1) with both stages. {@link pcTimeSchedule} and
 * {@link pcStepper} driven by {@link runSamplerLoop}.
 *
 * @param scoreFn score with its conditioning bound (see {@link pcSampleConditional})
 * @param shapeNHWC shape of the sample [B,H,W,C]
 * @throws ConfigError for bad options; InputError for a bad shape or a score of the wrong shape;
 *   `opts.signal.reason` when aborted.
 */
export async function pcSample(scoreFn: ScoreFn, shapeNHWC: readonly [number, number, number, number], opts: PcSamplerOptions): Promise<SamplerResult> {
  const where = 'pcSample';
  const raw = checkOptionKeys(where, opts, KEYS);
  const { sde, noise } = checkUpdateContext(where, raw);
  const { predictor, corrector, snr, nSteps, denoise, eps, probabilityFlow, langevinStepSize: stepSize } = parseConfigFields(where, raw, sde.T);
  const { onProgress, signal } = checkRunOptions(where, raw);
  const onUpdate = checkCallback<(u: SamplerUpdate) => void>(where, 'onUpdate', raw.onUpdate);
  const shape = checkShapeNHWC(where, shapeNHWC);
  const schedule = pcTimeSchedule(sde, eps);
  const stepper = pcStepper(sde, schedule.grid, { predictor, corrector, snr, nSteps, probabilityFlow, langevinStepSize: stepSize }, noise, onUpdate);
  const { x, xMean, nfe } = await runSamplerLoop(scoreFn, shape, schedule, stepper, { sde, noise, onProgress, signal });
  if (xMean === null) throw new Error('pcSample: internal error: no update ran');
  const keep = denoise ? xMean : x;
  (denoise ? x : xMean).dispose();
  return { xNHWC: keep, nfe, steps: sde.N };
}

/**
 * One step of the PC sampler at t_i = `timesteps[i]` (score_sde `get_pc_sampler`'s loop body):
 * the corrector first (when not 'none'), then the predictor on its output; returns the last
 * update's x and x_mean. Draw order: the corrector's draws, then the predictor's.
 */
export function pcStepper(
  sde: Sde,
  timesteps: Float32Array | Float64Array,
  config: Pick<PcSamplerConfig, 'predictor' | 'corrector' | 'snr' | 'nSteps' | 'probabilityFlow' | 'langevinStepSize'>,
  noise: NoiseSource,
  onUpdate?: (update: SamplerUpdate) => void,
): SamplerStepper {
  const { predictor, corrector, snr, nSteps, probabilityFlow, langevinStepSize: stepSize } = config;
  const update = predictor === 'reverse-diffusion' ? reverseDiffusionPredictor : eulerMaruyamaPredictor;
  return (scoreFn, x, i) => {
    const tValue = timesteps[i] ?? NaN;
    const t = tf.fill([x.shape[0]], tValue, 'float32') as tf.Tensor1D;
    let corrected: UpdateResult | null = null;
    try {
      if (corrector === 'langevin') {
        corrected = langevinCorrector(scoreFn, x, t, { sde, noise, snr, nSteps, stepSize });
        onUpdate?.({ step: i, kind: 'corrector', t: tValue, x: corrected.x, xMean: corrected.xMean });
      }
      if (predictor === 'none') {
        if (corrected === null) throw new Error('pcSample: internal error: no update ran');
        const out = corrected;
        corrected = null; // handed to the loop
        return { x: out.x, xMean: out.xMean };
      }
      const predicted = update(scoreFn, corrected?.x ?? x, t, { sde, noise, probabilityFlow });
      try {
        onUpdate?.({ step: i, kind: 'predictor', t: tValue, x: predicted.x, xMean: predicted.xMean });
      } catch (err) {
        tf.dispose([predicted.x, predicted.xMean]);
        throw err;
      }
      return { x: predicted.x, xMean: predicted.xMean };
    } finally {
      t.dispose();
      if (corrected !== null) tf.dispose([corrected.x, corrected.xMean]);
    }
  };
}

/**
 * {@link pcSample} for FASR's conditional score s(x, t | y, F): the prior has the LR batch's shape
 * (`yNHWC.shape`), and `yNHWC` [B,H,W,3] and `feat` [B,F] are passed to every score evaluation.
 * The caller keeps ownership of `yNHWC` and `feat`.
 */
export async function pcSampleConditional(
  scoreFn: ConditionalScoreFn,
  yNHWC: tf.Tensor4D,
  feat: tf.Tensor2D,
  opts: PcSamplerOptions,
): Promise<SamplerResult> {
  checkTensorShape('pcSampleConditional', 'y', yNHWC, 'BHWC', [null, null, null, null]);
  checkTensorShape('pcSampleConditional', 'feat', feat, 'BF', [yNHWC.shape[0], null]);
  return pcSample(bindCondition(scoreFn, yNHWC, feat), yNHWC.shape, opts);
}
