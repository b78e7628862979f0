import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../contracts';
import type { DsmBatch } from '../losses';
import { SeededNoiseSource } from '../noise';
import type { Sde } from '../sde';
import type { SampleSpec } from './assemble-batch';
import { assembleBatch } from './assemble-batch';
import { loadIdentityData } from './prepare-identity-data';
import type { IdentityData } from './prepare-identity-data';
import { RecipeBatchPrefetcher } from './recipe-batch-worker';
import { makeRecipeBatch, recipeSplit, residualRecipeLossTerms } from './residual-recipe';
import type { RecipeBatch } from './residual-recipe';
import type { TrainConfig } from './train-config';
import { DSM_LOSS } from './train-loss';
import type { RegressionLossInputs, TrainLossSpec } from './train-loss';
import { TrainRandom } from './train-random';
import { loadTrainingData } from './training-data';

/** One step's batch and the loss inputs of its objective (tensors owned by the caller). */
export interface TrainStepBatch {
  readonly batch: DsmBatch;
  readonly inputs: RegressionLossInputs;
  /** Faces in the batch (validation batches may be short). */
  readonly faces: number;
}

/**
 * Where a training run's batches come from: the legacy paired cache (prepareTrainingData, the
 * paper's recipe) or the identity caches of the residual-EDM recipe (issue 16). Both give the
 * generic regression loss's inputs, so both engines train either.
 */
export interface TrainBatchSource {
  /** Hash of the data a checkpoint is tied to. */
  readonly inputsHash: string;
  /** Faces in the training data (all splits). */
  readonly faces: number;
  /** The datasets line(s) of the model card. */
  readonly datasets: readonly string[];
  /** The objective's name (log, card). */
  readonly lossName: string;
  /** The batch of `step` (a function of (seed, step): resumed runs see the same). */
  next(step: number): Promise<TrainStepBatch>;
  /** The fixed validation batches (the same at every validation of a run). */
  validation(): Promise<TrainStepBatch[]>;
  close(): Promise<void>;
}

/** Disposes a step batch's tensors. */
export function disposeTrainStepBatch(b: TrainStepBatch): void {
  tf.dispose([b.batch.x0NHWC, b.batch.yNHWC, b.batch.feat, b.inputs.xNHWC, b.inputs.sigmas, b.inputs.a, b.inputs.c, b.inputs.w, b.inputs.skipNHWC, b.inputs.targetNHWC]);
}

/**
 * The paper's data: one prepareTrainingData cache (HR, authors' LR, the HR's own descriptor),
 * random patches and flips, the loss spec's noise (DSM by default).
 */
export function pairedBatchSource(config: TrainConfig, patchPx: number, lossSpec: TrainLossSpec, sde: Sde): TrainBatchSource {
  const data = loadTrainingData(config.dataDir);
  const m = data.manifest;
  if (m.hrSizePx !== config.model.imageSize) {
    throw new ConfigError(`training config: model.imageSize ${config.model.imageSize} differs from the data's HR size ${m.hrSizePx} (${config.dataDir})`, { option: 'model.imageSize' });
  }
  if (m.embedder.dim !== config.model.featDim) {
    throw new ConfigError(`training config: model.featDim ${config.model.featDim} differs from the data's descriptor length ${m.embedder.dim} (${m.embedder.id})`, { option: 'model.featDim' });
  }
  if (m.split.train.length === 0) throw new InputError(`training data ${config.dataDir}: the training split is empty`, { path: config.dataDir });
  const rnd = new TrainRandom(config.seed);
  const s = config.model.imageSize;
  const train = m.split.train;
  const permCache = new Map<number, Uint32Array>();
  return {
    inputsHash: m.inputsHash,
    faces: m.files.length,
    datasets: [`${path.basename(path.dirname(m.sourceDir))}/${path.basename(m.sourceDir)}: ${m.split.train.length} train / ${m.split.validation.length} validation faces of ${m.inputCount} (${m.skipped.length} without a detected face); descriptor ${m.embedder.id}`],
    lossName: lossSpec.name,
    next: async (step) => {
      const positions = rnd.batchPositions(step, config.batchSize, train.length, permCache);
      const samples = positions.map((pos, k): SampleSpec => ({
        row: train[pos] as number,
        flip: config.randomFlip && rnd.uniform('flip', step, k) < 0.5,
        top: patchPx < s ? rnd.below(s - patchPx + 1, 'patch', step, 2 * k) : 0,
        left: patchPx < s ? rnd.below(s - patchPx + 1, 'patch', step, 2 * k + 1) : 0,
      }));
      const batch = assembleBatch(data, samples, patchPx);
      const inputs = lossSpec.prepare(batch, { sde, noise: new SeededNoiseSource(rnd.childSeed('noise', step)), eps: config.lossEps });
      return { batch, inputs, faces: samples.length };
    },
    validation: async () => {
      const rows = m.split.validation.slice(0, config.validationSamples);
      const noise = new SeededNoiseSource(rnd.childSeed('validation', 0));
      const off = Math.floor((s - patchPx) / 2);
      const out: TrainStepBatch[] = [];
      for (let i = 0; i < rows.length; i += config.batchSize) {
        const chunk = rows.slice(i, i + config.batchSize).map((row): SampleSpec => ({ row, flip: false, top: off, left: off }));
        const batch = assembleBatch(data, chunk, patchPx);
        out.push({ batch, inputs: lossSpec.prepare(batch, { sde, noise, eps: config.lossEps }), faces: chunk.length });
      }
      return out;
    },
    close: async () => undefined,
  };
}

/** The identity caches under `root` (every sub-folder with a dataset.json, in name order). */
export function identityCacheDirs(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (err) {
    throw new InputError(`training data ${root}: cannot read the folder: ${(err as Error).message}`, { path: root, reason: 'unreadable' });
  }
  const dirs = names.sort().map((n) => path.join(root, n)).filter((d) => fs.existsSync(path.join(d, 'dataset.json')));
  if (dirs.length === 0) throw new InputError(`training data ${root}: no identity data cache (a sub-folder with dataset.json, from scripts/prepare-identity-data.ts)`, { path: root, reason: 'empty' });
  return dirs;
}

/** A recipe batch's HR, up(LR_0) and F_M as the trainer's DsmBatch tensors. */
function recipeDsmBatch(b: RecipeBatch): DsmBatch {
  const shape: [number, number, number, number] = [b.batchSize, b.size, b.size, 3];
  return { x0NHWC: tf.tensor4d(b.hr, shape), yNHWC: tf.tensor4d(b.y, shape), feat: tf.tensor2d(b.feat, [b.batchSize, b.featDim]) };
}

function recipeInputs(b: RecipeBatch, sigmaData: number): TrainStepBatch {
  const shape: [number, number, number, number] = [b.batchSize, b.size, b.size, 3];
  const t = residualRecipeLossTerms(b, sigmaData);
  return {
    batch: recipeDsmBatch(b),
    inputs: {
      xNHWC: tf.tensor4d(t.xIn, shape),
      sigmas: tf.tensor1d(b.sigma),
      a: tf.tensor1d(t.a),
      c: tf.tensor1d(t.c),
      w: tf.tensor1d(t.w),
      skipNHWC: tf.tensor4d(t.skip, shape),
      targetNHWC: tf.tensor4d(t.target, shape),
    },
    faces: b.batchSize,
  };
}

/**
 * The residual-EDM recipe's data (issue 16): every identity cache under `config.dataDir`, batches
 * made `makeRecipeBatch`-exactly in a worker thread ahead of the trainer, the recipe's loss terms.
 */
export function recipeBatchSource(config: TrainConfig, sde: Sde): TrainBatchSource {
  const recipe = config.recipe;
  if (recipe === null) throw new ConfigError('training: recipeBatchSource needs config.recipe');
  if (config.patchSize !== null) throw new ConfigError('training config: patchSize: the residual-edm recipe trains on whole faces; use null', { option: 'patchSize' });
  const dsm = recipe.objective === 'dsm';
  if (config.model.scaleBySigma !== dsm) {
    throw new ConfigError(`training config: model.scaleBySigma: the ${recipe.objective} objective needs ${dsm ? 'true (the network output is the score)' : 'false (the network output is the raw F of the denoiser)'}`, { option: 'model.scaleBySigma' });
  }
  const dirs = identityCacheDirs(config.dataDir);
  const datas: IdentityData[] = dirs.map((d) => loadIdentityData(d));
  for (const [i, d] of datas.entries()) {
    const m = d.manifest;
    if (m.hrSizePx !== config.model.imageSize) throw new ConfigError(`training config: model.imageSize ${config.model.imageSize} differs from ${dirs[i]}'s HR size ${m.hrSizePx}`, { option: 'model.imageSize' });
    if (m.embedder.dim !== config.model.featDim) throw new ConfigError(`training config: model.featDim ${config.model.featDim} differs from ${dirs[i]}'s descriptor length ${m.embedder.dim} (${m.embedder.id})`, { option: 'model.featDim' });
  }
  const hash = createHash('sha256');
  for (const d of datas) hash.update(d.manifest.inputsHash).update('\0');
  const inputsHash = hash.digest('hex');
  const rnd = new TrainRandom(config.seed);
  const dsmInputs = (b: RecipeBatch, noise: SeededNoiseSource): TrainStepBatch => {
    const batch = recipeDsmBatch(b);
    return { batch, inputs: DSM_LOSS.prepare(batch, { sde, noise, eps: config.lossEps }), faces: b.batchSize };
  };
  const prefetch = new RecipeBatchPrefetcher({ dataDirs: dirs, recipe, seed: config.seed, batchSize: config.batchSize }, 3);
  return {
    inputsHash,
    faces: datas.reduce((n, d) => n + d.manifest.files.length, 0),
    datasets: datas.map((d) => {
      const m = d.manifest;
      const dir = path.basename(m.sourceDir) === 'images' ? path.dirname(m.sourceDir) : m.sourceDir;
      return `${path.basename(path.dirname(dir))}/${path.basename(dir)}: ${m.split.train.length} train / ${m.split.validation.length} validation faces (split by identity, ${m.identities.length} identities, ${m.skipped.length} without a detected face); F_M fused from ${m.labelled ? 'degraded copies of other photos of the person' : 'degraded copies of the face'} (${m.embedder.id})`;
    }),
    lossName: dsm ? 'dsm (identity data)' : 'residual-edm',
    next: async (step) => {
      const b = await prefetch.next(step);
      return dsm ? dsmInputs(b, new SeededNoiseSource(rnd.childSeed('noise', step))) : recipeInputs(b, recipe.sigmaData);
    },
    validation: async () => {
      const split = recipeSplit(datas, 'validation');
      const validationNoise = new SeededNoiseSource(rnd.childSeed('validation', 0));
      const out: TrainStepBatch[] = [];
      for (let i = 0; i < config.validationSamples; i += config.batchSize) {
        const n = Math.min(config.batchSize, config.validationSamples - i);
        const b = await makeRecipeBatch(datas, split, { ...recipe, randomFlip: false }, config.seed + 1, i, n, { validation: true });
        out.push(dsm ? dsmInputs(b, validationNoise) : recipeInputs(b, recipe.sigmaData));
      }
      return out;
    },
    close: () => prefetch.close(),
  };
}
