import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { BackendError, ConfigError, InputError } from '../../contracts';
import { registerWasmTrainingKernels } from '../../runtime';
import type { JsonObject, ModelCard } from '../checkpoint';
import { saveModelFile } from '../checkpoint';
import { createOnnxTrainStep, loadOnnxRuntime } from '../engines';
import type { OnnxTrainStep } from '../engines';
import { NcsnppModel } from '../models';
import { VeSde } from '../sde';
import { AdamOptimizer } from './adam-optimizer';
import { clipGradsByGlobalNorm } from './clip-grad-norm';
import { ExponentialMovingAverage } from './exponential-moving-average';
import { HostOptimizerState } from './host-optimizer-state';
import type { TrainConfig } from './train-config';
import { DSM_LOSS, onnxTrainInputs, regressionLossTf } from './train-loss';
import { RECIPE_SCHEDULE_KEYS, parseResidualRecipeConfig } from './residual-recipe';
import { disposeTrainStepBatch, pairedBatchSource, recipeBatchSource } from './train-batch-source';
import type { TrainBatchSource, TrainStepBatch } from './train-batch-source';
import type { TrainLossSpec } from './train-loss';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, trainingNetworkConfig } from './train-config';
import { TrainRandom } from './train-random';
import type { TrainingCheckpointState } from './training-checkpoint';
import { listCheckpointSteps, readLatestTrainingCheckpoint, writeTrainingCheckpoint } from './training-checkpoint';
import { scheduledLr } from './warmup-lr';

/** Progress of a run, reported every `progressEvery` steps and at the end. */
export interface TrainProgress {
  /** Steps completed. */
  readonly step: number;
  /** Target step count. */
  readonly steps: number;
  /** Loss of the last step (Eq. 3, mean over its batch). */
  readonly loss: number;
  /** Moving average of the loss (0.99 per step). */
  readonly lossEma: number;
  /** Global gradient norm of the last step before clipping. */
  readonly gradNorm: number;
  /** Learning rate of the last step. */
  readonly lr: number;
  /** Steps per second over the steps since the last report. */
  readonly itPerSec: number;
  /** Estimated seconds to `steps` at that speed. */
  readonly etaSec: number;
  /** Training wall time over all runs, ms. */
  readonly elapsedMs: number;
}

/** A validation result (EMA weights, fixed samples and noise: comparable over a run). */
export interface TrainValidation {
  readonly step: number;
  /** Mean Eq. 3 loss over the validation samples. */
  readonly loss: number;
  readonly samples: number;
}

/** Callbacks and control of {@link trainScoreModel}. */
export interface TrainCallbacks {
  readonly onProgress?: (p: TrainProgress) => void;
  readonly onCheckpoint?: (info: { readonly step: number; readonly path: string; readonly modelPath: string }) => void;
  readonly onValidation?: (v: TrainValidation) => void;
  /** Told once, at start, when resuming: the checkpoint used and newer ones that were unusable. */
  readonly onResume?: (info: { readonly step: number; readonly path: string; readonly rejected: readonly { file: string; reason: string }[] }) => void;
  /** Stops after the step in progress; a checkpoint is written before returning. */
  readonly signal?: AbortSignal;
}

/** Options of {@link trainScoreModel} that are code, not configuration. */
export interface TrainOptions {
  /**
   * The objective, as an instance of the generic regression loss (train-loss.ts); both engines
   * compute it. Default {@link DSM_LOSS} (the paper's Eq. 3).
   */
  readonly loss?: TrainLossSpec;
}

/** The engine a run uses: 'auto' resolved. */
export type TrainEngine = 'onnx' | 'tfjs';

/**
 * Resolves {@link TrainConfig.engine}: 'auto' is onnx where onnxruntime-node loads, else tfjs.
 * @throws BackendError for 'onnx' when onnxruntime-node does not load.
 */
export function resolveTrainEngine(choice: TrainConfig['engine']): TrainEngine {
  if (choice === 'tfjs') return 'tfjs';
  try {
    loadOnnxRuntime();
    return 'onnx';
  } catch (err) {
    if (choice === 'onnx' || !(err instanceof BackendError)) throw err;
    return 'tfjs';
  }
}

/** What {@link trainScoreModel} did. */
export interface TrainResult {
  readonly step: number;
  readonly stopped: 'done' | 'aborted';
  /** Step the run started from (0, or the checkpoint's when resuming). */
  readonly startStep: number;
  readonly lossEma: number | null;
  readonly elapsedMs: number;
  /** JSON of the last checkpoint written. */
  readonly checkpointPath: string;
  /** The EMA model file (`saveModelFile` sidecar path). */
  readonly modelPath: string;
  /** The engine that computed the gradients. */
  readonly engine: TrainEngine;
}

/** Settings a resumed run must share with its checkpoint (the others may change between runs). */
const RESUME_FIXED: readonly (keyof TrainConfig)[] = ['model', 'batchSize', 'lr', 'beta1', 'beta2', 'adamEps', 'warmupSteps', 'gradClipNorm', 'emaDecay', 'lossEps', 'seed', 'randomFlip', 'patchSize', 'recipe'];

/**
 * The saved recipe with the current run's schedule keys put in (`fixed`: what must equal the
 * current recipe for a resume with a new schedule), and the schedule keys that differ.
 */
function recipeScheduleChange(saved: unknown, now: unknown): { fixed: unknown; changed: string[] } {
  if (saved === null || now === null || typeof saved !== 'object' || typeof now !== 'object') return { fixed: saved, changed: [] };
  const s = saved as Record<string, unknown>;
  const n = now as Record<string, unknown>;
  const changed = RECIPE_SCHEDULE_KEYS.filter((k) => JSON.stringify(s[k]) !== JSON.stringify(n[k]));
  const fixed: Record<string, unknown> = {};
  // keep the saved key order so JSON.stringify compares like with like
  for (const k of Object.keys(s)) fixed[k] = (RECIPE_SCHEDULE_KEYS as readonly string[]).includes(k) ? n[k] : s[k];
  return { fixed, changed };
}

function configJson(c: TrainConfig): JsonObject {
  return JSON.parse(JSON.stringify(c)) as JsonObject;
}

/** Runs `fn` with the variables temporarily holding `weights` (e.g. the EMA), then restores them. */
function withWeights<T>(vars: ReadonlyMap<string, tf.Variable>, weights: ReadonlyMap<string, tf.Tensor>, fn: () => T): T {
  const saved = new Map<string, tf.Tensor>();
  for (const [name, v] of vars) {
    saved.set(name, tf.clone(v));
    v.assign(weights.get(name) as tf.Tensor);
  }
  try {
    return fn();
  } finally {
    for (const [name, v] of vars) v.assign(saved.get(name) as tf.Tensor);
    tf.dispose([...saved.values()]);
  }
}

/**
 * Trains the FASR score model (issue 10): NCSN++ (src/sr/models) with the VE SDE, loss Eq. 3
 * (`denoisingScoreMatchingLoss` through `makeScoreFn`), random horizontal flips, Adam with linear
 * warmup and global-norm clipping, EMA of the weights, everything seeded (see {@link TrainRandom}).
 * Every `checkpointEvery` steps, at the end and on abort it writes an atomic checkpoint (weights,
 * EMA, Adam moments, step; the data order and noise are functions of (seed, step)) and the EMA
 * model file `outDir/model.{safetensors,json}`; `train-log.jsonl` gets one line per progress
 * report. With `resume` it continues from the newest complete checkpoint exactly as the
 * uninterrupted run would have (bit for bit on a deterministic backend).
 *
 * The loss is `options.loss` (default {@link DSM_LOSS}, the paper's Eq. 3), an instance of the
 * generic regression loss (train-loss.ts). `config.engine` picks what computes it and its
 * gradients: 'onnx' (one ONNX graph on onnxruntime-node, docs/onnx-training.md) or 'tfjs' (autodiff
 * on the active tfjs backend; on 'wasm' the missing gradient kernels are registered with
 * `registerWasmTrainingKernels`). Adam, clipping, EMA, validation (tfjs) and checkpoints are shared.
 *
 * @param input a {@link TrainConfig} (validated by `parseTrainConfig`).
 * @throws ConfigError for a bad config, data that do not fit the model, checkpoints in outDir
 *   without `resume`, or none with it; InputError / CheckpointError for bad data or checkpoints.
 */
export async function trainScoreModel(input: unknown, callbacks: TrainCallbacks = {}, options: TrainOptions = {}): Promise<TrainResult> {
  const config = parseTrainConfig(input);
  const lossSpec = options.loss ?? DSM_LOSS;
  const engine = resolveTrainEngine(config.engine);
  const netConfig = trainingNetworkConfig(config);
  const sde = new VeSde({ sigmaMin: config.model.sigmaMin, sigmaMax: config.model.sigmaMax, N: config.model.numScales });
  const source = config.recipe === null ? pairedBatchSource(config, netConfig.imageSize, lossSpec, sde) : recipeBatchSource(config, sde);
  const existing = listCheckpointSteps(config.outDir);
  if (!config.resume && existing.length > 0) {
    await source.close();
    throw new ConfigError(`training: ${config.outDir} already holds checkpoints (newest step ${existing[0]}); pass resume to continue, or choose another outDir`, { option: 'outDir' });
  }
  if (tf.getBackend() === 'wasm') registerWasmTrainingKernels();
  fs.mkdirSync(config.outDir, { recursive: true });
  const logPath = path.join(config.outDir, 'train-log.jsonl');
  /** One JSON line of the run's log (train-log.jsonl). */
  const logEvent = (entry: Record<string, unknown>): void => fs.appendFileSync(logPath, `${JSON.stringify(entry)}\n`);

  const model = NcsnppModel.random(netConfig, config.seed);
  const adam = new AdamOptimizer({ beta1: config.beta1, beta2: config.beta2, eps: config.adamEps });
  let ema: ExponentialMovingAverage | undefined;
  let onnxStep: OnnxTrainStep | undefined;
  // The fixed validation batches, made at the first validation and kept for the run.
  const validationBatches: TrainStepBatch[] = [];
  try {
    const vars = model.trainableVariables();
    ema = new ExponentialMovingAverage(vars, config.emaDecay);
    let step = 0;
    let lossEma: number | null = null;
    let elapsedBeforeMs = 0;
    if (config.resume) {
      const ckpt = readLatestTrainingCheckpoint(config.outDir);
      if (ckpt === undefined) throw new ConfigError(`training: resume requested but ${config.outDir} holds no checkpoint`, { option: 'resume' });
      let owned = true;
      try {
        const saved = ckpt.state.config as Record<string, unknown>;
        const now = configJson(config) as Record<string, unknown>;
        // A checkpoint from before a setting existed ran with that setting's default (e.g. recipe: null, the paper's).
        // Likewise a recipe saved before one of its keys existed (e.g. zoom) ran with that key's default.
        const savedValue = (k: keyof TrainConfig): unknown => {
          const v = k in saved ? saved[k] : (DEFAULT_TRAIN_CONFIG as Readonly<Record<string, unknown>>)[k];
          return k === 'recipe' && v !== null && typeof v === 'object' ? (JSON.parse(JSON.stringify(parseResidualRecipeConfig(v))) as unknown) : v;
        };
        const scheduleChange = recipeScheduleChange(savedValue('recipe'), now.recipe);
        const diff = RESUME_FIXED.filter((k) => JSON.stringify(k === 'recipe' && config.resumeWithNewRecipe ? scheduleChange.fixed : savedValue(k)) !== JSON.stringify(now[k]));
        if (diff.length > 0) {
          throw new ConfigError(`training: cannot resume ${ckpt.jsonPath} with a different ${diff.join(', ')} (checkpoint: ${diff.map((k) => JSON.stringify(savedValue(k))).join(', ')})`, { option: diff[0] });
        }
        if (scheduleChange.changed.length > 0 && config.resumeWithNewRecipe) {
          const from = Object.fromEntries(scheduleChange.changed.map((k) => [k, (savedValue('recipe') as Record<string, unknown>)[k]]));
          const to = Object.fromEntries(scheduleChange.changed.map((k) => [k, (now.recipe as Record<string, unknown>)[k]]));
          logEvent({ kind: 'recipe-changed', step: ckpt.state.step, from, to });
        }
        if (JSON.stringify(savedValue('lrDecay')) !== JSON.stringify(now.lrDecay)) {
          logEvent({ kind: 'lr-decay-changed', step: ckpt.state.step, from: savedValue('lrDecay'), to: now.lrDecay });
        }
        if (ckpt.state.dataset.inputsHash !== source.inputsHash) {
          if (!config.resumeWithNewData) {
            throw new ConfigError(`training: ${ckpt.jsonPath} was trained on other data (inputsHash ${ckpt.state.dataset.inputsHash}, now ${source.inputsHash}); pass resumeWithNewData to continue on the new data`, { option: 'dataDir' });
          }
          logEvent({ kind: 'data-changed', step: ckpt.state.step, from: ckpt.state.dataset.inputsHash, to: source.inputsHash, faces: source.faces });
        }
        for (const [name, v] of vars) {
          const t = ckpt.tensors.param.get(name);
          if (t === undefined || t.shape.join(',') !== v.shape.join(',')) throw new ConfigError(`training: checkpoint tensor param/${name} is missing or misshapen`);
          v.assign(t);
        }
        ema.restore(ckpt.state.emaNumUpdates, ckpt.tensors.ema);
        adam.restore(ckpt.state.adamUpdates, ckpt.tensors.adam_m, ckpt.tensors.adam_v);
        owned = false; // the EMA and Adam now own those tensors
      } finally {
        tf.dispose([...ckpt.tensors.param.values()]);
        if (owned) tf.dispose([...ckpt.tensors.ema.values(), ...ckpt.tensors.adam_m.values(), ...ckpt.tensors.adam_v.values()]);
      }
      step = ckpt.state.step;
      lossEma = ckpt.state.lossEma;
      elapsedBeforeMs = ckpt.state.elapsedMs;
      callbacks.onResume?.({ step, path: ckpt.jsonPath, rejected: ckpt.rejected });
    }
    const startStep = step;
    if (engine === 'onnx') onnxStep = await createOnnxTrainStep(netConfig, { batchSize: config.batchSize });
    // onnx engine: weights, Adam moments and EMA live on Float32Arrays during the loop.
    const host = engine === 'onnx' ? new HostOptimizerState(vars, adam, ema) : undefined;
    let hostAhead = false;
    const syncHost = (): void => {
      if (host === undefined || !hostAhead) return;
      host.syncTo(vars, adam, ema as ExponentialMovingAverage);
      hostAhead = false;
    };
    // The frozen Fourier weights: an input of the onnx graph, never updated.
    const fourierW = engine === 'onnx' ? (model.toStateDict().get('all_modules.0.W')?.data as Float32Array) : new Float32Array(0);
    const varNames = [...vars.keys()];
    const varList = [...vars.values()];
    const modelPath = path.join(config.outDir, 'model.json');
    let checkpointPath = '';
    let lastCheckpointStep = config.resume ? step : -1;
    const runStart = performance.now();
    let windowStart = runStart;
    let windowStep = step;

    const elapsedMs = (): number => elapsedBeforeMs + (performance.now() - runStart);
    const checkpoint = async (): Promise<void> => {
      const e = ema as ExponentialMovingAverage;
      const state: TrainingCheckpointState = {
        step,
        adamUpdates: adam.updates,
        emaNumUpdates: e.numUpdates,
        lossEma,
        elapsedMs: elapsedMs(),
        rng: { scheme: 'philox4x32-counter', seed: config.seed },
        config: configJson(config),
        dataset: { inputsHash: source.inputsHash, faces: source.faces },
      };
      const { m, v } = adam.moments();
      checkpointPath = writeTrainingCheckpoint(config.outDir, state, { param: vars, ema: e.shadow, adam_m: m, adam_v: v }, config.keepCheckpoints);
      const stateDict = withWeights(vars, e.shadow, () => model.toStateDict());
      await saveModelFile(modelPath, stateDict, configJson(config).model as JsonObject, modelCard(config, source, step, elapsedMs(), engine), {
        overwrite: true,
        ...(config.recipe === null || config.recipe.objective !== 'residual-edm' ? {} : { formulation: { kind: 'residual-edm', sigmaData: config.recipe.sigmaData, lrInput: 'native' } }),
      });
      lastCheckpointStep = step;
      callbacks.onCheckpoint?.({ step, path: checkpointPath, modelPath });
    };
    const validate = async (): Promise<void> => {
      if (validationBatches.length === 0) validationBatches.push(...(await source.validation()));
      if (validationBatches.length === 0) return;
      let sum = 0;
      let n = 0;
      withWeights(vars, (ema as ExponentialMovingAverage).shadow, () => {
        for (const vb of validationBatches) {
          const { loss, perSample } = regressionLossTf(model, vb.batch, vb.inputs);
          sum += ((loss.dataSync() as Float32Array)[0] ?? NaN) * vb.faces;
          n += vb.faces;
          tf.dispose([loss, perSample]);
        }
      });
      callbacks.onValidation?.({ step, loss: sum / n, samples: n });
      logEvent({ kind: 'validation', step, loss: sum / n, samples: n });
    };

    let aborted = false;
    while (step < config.steps) {
      if (callbacks.signal?.aborted === true) {
        aborted = true;
        break;
      }
      const stepBatch = await source.next(step);
      const { batch, inputs: lossInputs } = stepBatch;
      const lr = scheduledLr(config.lr, config.warmupSteps, config.lrDecay, step);
      const byName = new Map<string, tf.Tensor>();
      let loss: number;
      let gradNorm: number;
      if (onnxStep !== undefined && host !== undefined) {
        // onnx: gradients and the optimiser on Float32Arrays; the tfjs objects are synced for checkpoints.
        const params = new Map<string, Float32Array>([['all_modules.0.W', fourierW], ...host.params]);
        const res = await onnxStep.run(onnxTrainInputs(batch, lossInputs), params);
        disposeTrainStepBatch(stepBatch);
        loss = res.loss;
        if (!Number.isFinite(loss)) throw new InputError(`training: the loss is ${loss} at step ${step}`);
        gradNorm = host.step(res.grads, lr, config.gradClipNorm);
        hostAhead = true;
      } else {
        const { value, grads } = tf.variableGrads(() => regressionLossTf(model, batch, lossInputs).loss, varList);
        varList.forEach((v, i) => {
          const g = grads[v.name];
          if (g === undefined) throw new InputError(`training: no gradient for variable ${varNames[i] ?? v.name}`);
          byName.set(varNames[i] as string, g);
        });
        loss = (value.dataSync() as Float32Array)[0] ?? NaN;
        value.dispose();
        disposeTrainStepBatch(stepBatch);
        if (!Number.isFinite(loss)) throw new InputError(`training: the loss is ${loss} at step ${step}`);
        const clipped = clipGradsByGlobalNorm(byName, config.gradClipNorm);
        adam.apply(vars, clipped.grads, lr);
        ema.update(vars);
        gradNorm = clipped.norm;
        tf.dispose([...byName.values(), ...clipped.grads.values()]);
      }
      step++;
      lossEma = lossEma === null ? loss : 0.99 * lossEma + 0.01 * loss;
      if (step % config.progressEvery === 0 || step === config.steps) {
        const now = performance.now();
        const itPerSec = (step - windowStep) / ((now - windowStart) / 1000);
        const p: TrainProgress = { step, steps: config.steps, loss, lossEma, gradNorm, lr, itPerSec, etaSec: (config.steps - step) / itPerSec, elapsedMs: elapsedMs() };
        windowStart = now;
        windowStep = step;
        logEvent({ kind: 'progress', ...p });
        callbacks.onProgress?.(p);
      }
      if (config.validateEvery > 0 && step % config.validateEvery === 0) {
        syncHost();
        await validate();
      }
      if (step % config.checkpointEvery === 0 || step === config.steps) {
        syncHost();
        await checkpoint();
      }
      // Let timers and signal handlers run (an AbortSignal from SIGINT, say).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (step !== lastCheckpointStep) {
      syncHost();
      await checkpoint();
    }
    return { step, stopped: aborted ? 'aborted' : 'done', startStep, lossEma, elapsedMs: elapsedMs(), checkpointPath, modelPath, engine };
  } finally {
    await onnxStep?.release();
    await source.close();
    for (const vb of validationBatches) disposeTrainStepBatch(vb);
    ema?.dispose();
    adam.dispose();
    model.dispose();
  }
}

function modelCard(config: TrainConfig, source: TrainBatchSource, step: number, elapsedMs: number, engine: TrainEngine): ModelCard {
  const lossName = source.lossName;
  const m = config.model;
  const residual = config.recipe !== null && config.recipe.objective === 'residual-edm';
  return {
    name: `fasr-ncsnpp-nf${m.nf}-${m.imageSize}${residual ? '-residual' : ''}`,
    description: residual
      ? 'FASR variant (residual-EDM, docs/training.md): an EMA-weighted NCSN++ denoiser of HR − up(LR_0) conditioned on LR_0 at its native size and a fused face descriptor F_M (or the null F_M); trained by this project.'
      : 'FASR score model (NCSN++, VE SDE) conditioned on the bicubic LR face and a face descriptor; EMA weights of a training run of this project.',
    architecture: `NCSN++ (${residual ? `residual-EDM denoiser, sigma_data ${config.recipe?.sigmaData}, sigma ${m.sigmaMin}..${m.sigmaMax}` : `VE SDE, sigma ${m.sigmaMin}..${m.sigmaMax}`}), nf ${m.nf}, chMult [${m.chMult.join(',')}], ${m.numResBlocks} res blocks, attention at [${m.attnResolutions.join(',')}], featDim ${m.featDim}`,
    source: `trainScoreModel: ${step} steps, batch ${config.batchSize}${config.patchSize !== null ? `, random ${config.patchSize}x${config.patchSize} patches` : ''}, seed ${config.seed}, loss ${lossName}, engine ${engine === 'onnx' ? 'onnxruntime-node' : `tfjs-${tf.getBackend()}`}, ${(elapsedMs / 3.6e6).toFixed(2)} h wall`,
    data: {
      datasets: [...source.datasets],
      licence: 'research/non-commercial face images (see shared/README.md); demonstration only',
    },
    licence: 'demonstration only: trained on images without an open licence',
    intendedUse: 'Demonstrating the FASR pipeline; not for identification or any decision about people.',
    limitations: 'Small model trained briefly on a 2-core CPU; see docs/training.md for what it does and does not learn.',
    steps: step,
    metrics: {},
    createdAt: new Date().toISOString(),
  };
}
