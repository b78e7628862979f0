import * as fs from 'node:fs';
import { ConfigError } from '../../contracts';
import { NCSNPP_PRESETS } from '../model-config';

/**
 * A named training setup: the training config without its folders, and the data-preparation
 * settings (without its folders). Used by `fasr train --config <name>` and scripts/train-bundled.ts.
 */
export interface TrainPreset {
  /** Partial TrainConfig (validated by parseTrainConfig once dataDir/outDir are added). */
  readonly train: Readonly<Record<string, unknown>>;
  /** Partial PrepareDataConfig (validated by parsePrepareDataConfig once sourceDir/outDir are added). */
  readonly prepare: Readonly<Record<string, unknown>>;
}

/**
 * `bundled`: the default model's run, chosen from bench/train.ts (docs/training.md): NCSN++ as the
 * paper's but nf 16, levels 128/64/32/16, one residual block per level, attention at 16x16, the
 * 1024-d faceres descriptor through a learned projection; random 64x64 patches, batch 4, warmup
 * scaled to 500 steps, checkpoints every 100 steps.
 */
/** The residual-EDM network: NCSN++ at nf `nf`, levels 128/64/32/16, one block per level, attention at 16, raw output (scaleBySigma false), σ 0.002..1. */
function residualModel(nf: number): Record<string, unknown> {
  return { ...NCSNPP_PRESETS.paper, nf, chMult: [1, 2, 2, 2], numResBlocks: 1, attnResolutions: [16], featDim: 1024, scaleBySigma: false, sigmaMin: 0.002, sigmaMax: 1 };
}

/** Training settings shared by the issue-16 recipes (whole faces, batch 8, warmup 200, Adam 2e-4). */
const RECIPE_TRAIN = Object.freeze({ batchSize: 8, patchSize: null, warmupSteps: 200, checkpointEvery: 250, keepCheckpoints: 2, progressEvery: 25, validateEvery: 500, validationSamples: 32, seed: 0 });

export const TRAIN_PRESETS: Readonly<Record<'bundled' | 'residual' | 'residual-nf32' | 'recipe-dsm', TrainPreset>> = Object.freeze({
  bundled: Object.freeze({
    train: Object.freeze({
      model: { ...NCSNPP_PRESETS.paper, nf: 16, chMult: [1, 2, 2, 2], numResBlocks: 1, attnResolutions: [16], featDim: 1024 },
      batchSize: 4,
      patchSize: 64,
      steps: 20000,
      warmupSteps: 500,
      checkpointEvery: 100,
      keepCheckpoints: 2,
      progressEvery: 10,
      validateEvery: 500,
      validationSamples: 32,
      seed: 0,
    }),
    prepare: Object.freeze({ embedder: 'faceres', hrSizePx: 128, lrScale: 8, quadScale: 1, validationFraction: 0.05, splitSeed: 0 }),
  }),
  /**
   * `residual`: issue 16's recipe (docs/training.md): the residual-EDM variant, NCSN++ nf 16 on
   * whole 128 px faces, batch 8, the identity data of scripts/prepare-identity-data.ts (each cache —
   * CelebA training identities, UTKFace — weighted alike), F_M as inference sees it, 15 % null F_M.
   * nf 16 because a step of nf 32 costs about four times as much here (docs/training.md).
   */
  residual: Object.freeze({
    // Half the faces at σ_max: the default sampler is one step from σ_max (docs/residual-samplers.json),
    // i.e. the regression end; the run trained with 0.1 to step 2,1xx and continued with 0.5
    // (resumeWithNewRecipe; the log's 'recipe-changed' entry says when). The σ_max rows see pure
    // noise, as the sampler's start does (sigmaMaxInput 'noise'; the run switched at step 12,9xx).
    train: Object.freeze({ ...RECIPE_TRAIN, model: residualModel(16), steps: 200000, recipe: { objective: 'residual-edm', sourceWeights: [1, 1, 1], pSigmaMax: 0.5, sigmaMaxInput: 'noise' } }),
    prepare: Object.freeze({}),
  }),
  /** The same recipe at nf 32 (2.2 M parameters), for a machine with the compute to train it. */
  'residual-nf32': Object.freeze({
    train: Object.freeze({ ...RECIPE_TRAIN, model: residualModel(32), steps: 200000, recipe: { objective: 'residual-edm', sourceWeights: [1, 1, 1] } }),
    prepare: Object.freeze({}),
  }),
  /** The short recipe comparison's other arm: the paper's DSM objective (VE SDE to σ 348, score output) on the same data, model size and budget as `residual`. */
  'recipe-dsm': Object.freeze({
    train: Object.freeze({
      ...RECIPE_TRAIN,
      model: { ...residualModel(16), scaleBySigma: true, sigmaMin: 0.001, sigmaMax: 348 },
      steps: 200000,
      recipe: { objective: 'dsm', sourceWeights: [1, 1, 1] },
    }),
    prepare: Object.freeze({}),
  }),
});

/**
 * Resolves `--config`: a preset name, or a JSON file `{ "train": {...}, "prepare": {...} }` (both
 * partial; unknown top-level keys are errors).
 * @throws ConfigError for an unknown name, an unreadable or malformed file.
 */
export function resolveTrainPreset(nameOrFile: string): TrainPreset {
  if (Object.prototype.hasOwnProperty.call(TRAIN_PRESETS, nameOrFile)) return TRAIN_PRESETS[nameOrFile as keyof typeof TRAIN_PRESETS];
  if (!nameOrFile.endsWith('.json')) {
    throw new ConfigError(`training config: expected a preset (${Object.keys(TRAIN_PRESETS).join(', ')}) or a .json file, received ${JSON.stringify(nameOrFile)}`, { option: 'config' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(nameOrFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(`training config: cannot read ${nameOrFile}: ${(err as Error).message}`, { option: 'config' });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`training config ${nameOrFile}: expected a JSON object with "train" and "prepare"`);
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => k !== 'train' && k !== 'prepare');
  if (unknown.length > 0) throw new ConfigError(`training config ${nameOrFile}: unknown key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; valid keys: train, prepare`);
  const part = (k: 'train' | 'prepare'): Record<string, unknown> => {
    const v = o[k] ?? {};
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`training config ${nameOrFile}: ${k}: expected an object`);
    return v as Record<string, unknown>;
  };
  return { train: part('train'), prepare: part('prepare') };
}
