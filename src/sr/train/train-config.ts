import { z } from 'zod';
import { ConfigError } from '../../contracts';
import type { NcsnppConfig } from '../model-config';
import { formatConfigIssues, parseNcsnppConfig } from '../model-config';
import { parseResidualRecipeConfig } from './residual-recipe';
import type { LrDecay } from './warmup-lr';
import type { ResidualRecipeConfig } from './residual-recipe';

/**
 * Configuration of {@link trainScoreModel}. Optimisation follows the authors' score_sde setup
 * (configs/default_ve_configs.py `optim`: Adam lr 2e-4, β 0.9/0.999, eps 1e-8, warmup 5000,
 * grad_clip 1; `model.ema_rate` 0.999; continuous DSM loss with eps 1e-5).
 */
export interface TrainConfig {
  /** Folder written by `prepareTrainingData` (dataset.json + .npy arrays). Required. */
  readonly dataDir: string;
  /** Output folder: checkpoints, the EMA model file and train-log.jsonl. Required. */
  readonly outDir: string;
  /** NCSN++ architecture (see `parseNcsnppConfig`); `featDim` must equal the dataset's descriptor length. Required. */
  readonly model: NcsnppConfig;
  /** Total optimisation steps (a resumed run continues up to this). Integer >= 1. Required. */
  readonly steps: number;
  /** Samples per step. Integer >= 1. Default 4. */
  readonly batchSize: number;
  /** Adam learning rate after warmup. > 0. Default 2e-4. */
  readonly lr: number;
  /** Adam β1 in [0, 1). Default 0.9. */
  readonly beta1: number;
  /** Adam β2 in [0, 1). Default 0.999. */
  readonly beta2: number;
  /** Adam ε (added to sqrt(v̂)). > 0. Default 1e-8. */
  readonly adamEps: number;
  /** Linear warmup: lr·min(k/warmupSteps, 1) at step k (0-based, as score_sde, so step 0 has lr 0); 0 disables. Default 5000. */
  readonly warmupSteps: number;
  /**
   * A cosine anneal of lr late in a run ({@link scheduledLr}): `{ startStep, steps, finalLr }`, or
   * null for a constant lr after warmup. A schedule, not part of what a checkpoint fixes: a resumed
   * run may add or change it (the log records the change as 'lr-decay-changed'). Default null.
   */
  readonly lrDecay: LrDecay | null;
  /** Gradients are scaled by min(1, gradClipNorm/(‖g‖₂ + 1e-6)) over all parameters (torch clip_grad_norm_). > 0. Default 1. */
  readonly gradClipNorm: number;
  /** EMA rate; the effective decay is min(emaDecay, (1+n)/(10+n)) at update n (score_sde ExponentialMovingAverage). In (0, 1). Default 0.999. */
  readonly emaDecay: number;
  /** Smallest diffusion time of the loss, t ~ U(lossEps, 1). In (0, 1). Default 1e-5. */
  readonly lossEps: number;
  /** Seed of everything random: initial weights, data order, flips, patches, diffusion times and noise. Integer >= 0. Default 0. */
  readonly seed: number;
  /** Flip each sample (HR, LR and descriptor of the flipped HR) horizontally with probability 1/2. Default true. */
  readonly randomFlip: boolean;
  /**
   * Train on random square patches of this side (same position in HR and LR) instead of whole
   * faces; null = whole faces. The network is then built with imageSize = patchSize and the
   * attention resolutions scaled alike (same weights, same levels); the exported model has
   * `model.imageSize`. A multiple of 2^(chMult.length−1), at most model.imageSize. Default null.
   */
  readonly patchSize: number | null;
  /** Write a checkpoint every this many steps (and at the end). Integer >= 1. Default 500. */
  readonly checkpointEvery: number;
  /** Checkpoints kept on disk (oldest deleted first). Integer >= 1. Default 2. */
  readonly keepCheckpoints: number;
  /** Report progress every this many steps. Integer >= 1. Default 10. */
  readonly progressEvery: number;
  /** Compute the validation loss (EMA weights, fixed noise) every this many steps; 0 = never. Default 0. */
  readonly validateEvery: number;
  /** Validation samples used by each validation (the first of the split). Integer >= 1. Default 32. */
  readonly validationSamples: number;
  /** Continue from the newest valid checkpoint in outDir (required to exist). Default false: outDir must hold none. */
  readonly resume: boolean;
  /**
   * With `resume`: continue even though the data differ from the checkpoint's (its inputs hash),
   * e.g. after adding a data source to a recipe run: weights, EMA, Adam and the step carry over,
   * and the batches from then on are those of the new data. The log records the change. Default false.
   */
  readonly resumeWithNewData: boolean;
  /**
   * With `resume`: continue even though the recipe's sampling schedule (RECIPE_SCHEDULE_KEYS:
   * pMean, pStd, pSigmaMax, pNullFeatures, maxFeatureMembers, sourceWeights) differs from the
   * checkpoint's, e.g. to weight the one-step end more late in a run. The log records the change.
   * The rest of the recipe must match. Default false.
   */
  readonly resumeWithNewRecipe: boolean;
  /**
   * What computes the loss and its gradients: 'onnx' (forward + loss + backward as one ONNX graph
   * on onnxruntime-node, docs/onnx-training.md), 'tfjs' (tfjs autodiff on the active backend), or
   * 'auto' = onnx where onnxruntime-node loads, else tfjs. Adam, clipping, EMA and checkpoints are
   * the same either way (a run may resume on the other engine). Default 'auto'.
   */
  readonly engine: TrainEngineChoice;
  /**
   * The residual-EDM recipe of issue 16 (src/sr/train/residual-recipe.ts, docs/training.md), or
   * null for the paper's (DSM on a prepareTrainingData cache). With a recipe, `dataDir` is the
   * folder of identity data caches (scripts/prepare-identity-data.ts), the model needs
   * scaleBySigma false, whole faces (patchSize null), and the saved model carries the
   * residual-edm formulation. Default null.
   */
  readonly recipe: ResidualRecipeConfig | null;
}

/** Training engines (see {@link TrainConfig.engine}). */
export const TRAIN_ENGINES = Object.freeze(['auto', 'onnx', 'tfjs'] as const);
export type TrainEngineChoice = (typeof TRAIN_ENGINES)[number];

/** The defaults of every optional {@link TrainConfig} field. */
export const DEFAULT_TRAIN_CONFIG = Object.freeze({
  batchSize: 4,
  lr: 2e-4,
  beta1: 0.9,
  beta2: 0.999,
  adamEps: 1e-8,
  warmupSteps: 5000,
  lrDecay: null,
  gradClipNorm: 1,
  emaDecay: 0.999,
  lossEps: 1e-5,
  seed: 0,
  randomFlip: true,
  patchSize: null,
  checkpointEvery: 500,
  keepCheckpoints: 2,
  progressEvery: 10,
  validateEvery: 0,
  validationSamples: 32,
  resume: false,
  resumeWithNewData: false,
  resumeWithNewRecipe: false,
  engine: 'auto',
  recipe: null,
} as const);

const int = (min: number) => z.number({ invalid_type_error: 'expected a number' }).int('expected an integer').min(min, `expected an integer >= ${min}`);
const positive = () => z.number({ invalid_type_error: 'expected a number' }).positive('expected a number > 0').finite('expected a finite number');
const unit = (what: string) => z.number({ invalid_type_error: 'expected a number' }).min(0, what).lt(1, what);
const path = () => z.string({ invalid_type_error: 'expected a path string' }).min(1, 'expected a non-empty path');

const schema = z
  .object({
    dataDir: path(),
    outDir: path(),
    model: z.unknown(),
    steps: int(1),
    batchSize: int(1).default(DEFAULT_TRAIN_CONFIG.batchSize),
    lr: positive().default(DEFAULT_TRAIN_CONFIG.lr),
    beta1: unit('expected a number in [0, 1)').default(DEFAULT_TRAIN_CONFIG.beta1),
    beta2: unit('expected a number in [0, 1)').default(DEFAULT_TRAIN_CONFIG.beta2),
    adamEps: positive().default(DEFAULT_TRAIN_CONFIG.adamEps),
    warmupSteps: int(0).default(DEFAULT_TRAIN_CONFIG.warmupSteps),
    lrDecay: z.object({ startStep: int(0), steps: int(1), finalLr: positive() }).strict().nullable().default(DEFAULT_TRAIN_CONFIG.lrDecay),
    gradClipNorm: positive().default(DEFAULT_TRAIN_CONFIG.gradClipNorm),
    emaDecay: z.number({ invalid_type_error: 'expected a number' }).gt(0, 'expected a number in (0, 1)').lt(1, 'expected a number in (0, 1)').default(DEFAULT_TRAIN_CONFIG.emaDecay),
    lossEps: z.number({ invalid_type_error: 'expected a number' }).gt(0, 'expected a number in (0, 1)').lt(1, 'expected a number in (0, 1)').default(DEFAULT_TRAIN_CONFIG.lossEps),
    seed: int(0).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_TRAIN_CONFIG.seed),
    randomFlip: z.boolean({ invalid_type_error: 'expected a boolean' }).default(DEFAULT_TRAIN_CONFIG.randomFlip),
    patchSize: int(1).nullable().default(DEFAULT_TRAIN_CONFIG.patchSize),
    checkpointEvery: int(1).default(DEFAULT_TRAIN_CONFIG.checkpointEvery),
    keepCheckpoints: int(1).default(DEFAULT_TRAIN_CONFIG.keepCheckpoints),
    progressEvery: int(1).default(DEFAULT_TRAIN_CONFIG.progressEvery),
    validateEvery: int(0).default(DEFAULT_TRAIN_CONFIG.validateEvery),
    validationSamples: int(1).default(DEFAULT_TRAIN_CONFIG.validationSamples),
    resume: z.boolean({ invalid_type_error: 'expected a boolean' }).default(DEFAULT_TRAIN_CONFIG.resume),
    resumeWithNewData: z.boolean({ invalid_type_error: 'expected a boolean' }).default(DEFAULT_TRAIN_CONFIG.resumeWithNewData),
    resumeWithNewRecipe: z.boolean({ invalid_type_error: 'expected a boolean' }).default(DEFAULT_TRAIN_CONFIG.resumeWithNewRecipe),
    engine: z.enum(TRAIN_ENGINES, { errorMap: () => ({ message: `expected one of ${TRAIN_ENGINES.join(', ')}` }) }).default(DEFAULT_TRAIN_CONFIG.engine),
    recipe: z.unknown().default(null),
  })
  .strict();

/** The valid keys of a {@link TrainConfig}, for messages and the CLI. */
export const TRAIN_CONFIG_KEYS: readonly string[] = Object.freeze(Object.keys(schema.shape));

/**
 * Validates a training config (strict: unknown or misspelled keys are errors), fills the
 * defaults and returns a frozen {@link TrainConfig}. `model` is parsed by `parseNcsnppConfig`.
 * @throws ConfigError listing every problem as `field: expected ..., received ...`.
 */
export function parseTrainConfig(input: unknown): TrainConfig {
  const res = schema.safeParse(input);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, input, TRAIN_CONFIG_KEYS);
    throw new ConfigError(`invalid training config: ${lines.join('; ')}`, { issues: lines });
  }
  const v = res.data;
  if (v.model === undefined) throw new ConfigError('invalid training config: model: required, received nothing', { option: 'model' });
  let model: NcsnppConfig;
  try {
    model = parseNcsnppConfig(v.model);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`invalid training config: model: ${err.message}`, { option: 'model' });
    throw err;
  }
  if (v.patchSize !== null) {
    const unitPx = 2 ** (model.chMult.length - 1);
    if (v.patchSize > model.imageSize || v.patchSize % unitPx !== 0) {
      throw new ConfigError(
        `invalid training config: patchSize: expected a multiple of ${unitPx} (2^(chMult.length-1)) no larger than model.imageSize ${model.imageSize}, received ${v.patchSize}`,
        { option: 'patchSize' },
      );
    }
  }
  if (v.lrDecay !== null && v.lrDecay.finalLr > v.lr) {
    throw new ConfigError(`invalid training config: lrDecay.finalLr: expected a number no larger than lr ${v.lr}, received ${v.lrDecay.finalLr}`, { option: 'lrDecay' });
  }
  let recipe: ResidualRecipeConfig | null = null;
  if (v.recipe !== null) {
    try {
      recipe = parseResidualRecipeConfig(v.recipe);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`invalid training config: recipe: ${err.message}`, { option: 'recipe' });
      throw err;
    }
  }
  return Object.freeze({ ...v, model, recipe });
}

/**
 * The network config used for the training forward passes: `model` itself, or with `patchSize`
 * the same architecture at imageSize = patchSize with the attention resolutions scaled by
 * patchSize/imageSize (attention stays at the same levels, so the weights are interchangeable).
 */
export function trainingNetworkConfig(config: TrainConfig): NcsnppConfig {
  const m = config.model;
  if (config.patchSize === null || config.patchSize === m.imageSize) return m;
  const factor = m.imageSize / config.patchSize;
  return parseNcsnppConfig({ ...m, imageSize: config.patchSize, attnResolutions: m.attnResolutions.map((r) => r / factor) });
}
