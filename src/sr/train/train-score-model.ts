import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { BackendError, ConfigError, InputError } from '../../contracts';
import { registerWasmTrainingKernels } from '../../runtime/wasm-kernels';
import type { JsonObject, ModelCard } from '../checkpoint';
import { saveModelFile } from '../checkpoint';
import { createOnnxTrainStep, loadOnnxRuntime } from '../engines';
import type { OnnxTrainStep } from '../engines';
import { NcsnppModel } from '../models';
import { SeededNoiseSource } from '../noise';
import { VeSde } from '../sde';
import { AdamOptimizer } from './adam-optimizer';
import type { SampleSpec } from './assemble-batch';
import { assembleBatch } from './assemble-batch';
import { clipGradsByGlobalNorm } from './clip-grad-norm';
import { ExponentialMovingAverage } from './exponential-moving-average';
import { HostOptimizerState } from './host-optimizer-state';
import type { TrainConfig } from './train-config';
import { DSM_LOSS, disposeRegressionLossInputs, onnxTrainInputs, regressionLossTf } from './train-loss';
import type { TrainLossSpec } from './train-loss';
import { parseTrainConfig, trainingNetworkConfig } from './train-config';
import { TrainRandom } from './train-random';
import type { TrainingCheckpointState } from './training-checkpoint';
import { listCheckpointSteps, readLatestTrainingCheckpoint, writeTrainingCheckpoint } from './training-checkpoint';
import type { TrainingData } from './training-data';
import { loadTrainingData } from './training-data';
import { warmupLr } from './warmup-lr';

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
const RESUME_FIXED: readonly (keyof TrainConfig)[] = ['model', 'batchSize', 'lr', 'beta1', 'beta2', 'adamEps', 'warmupSteps', 'gradClipNorm', 'emaDecay', 'lossEps', 'seed', 'randomFlip', 'patchSize'];

function configJson(c: TrainConfig): JsonObject {
  return JSON.parse(JSON.stringify(c)) as JsonObject;
}

function checkData(config: TrainConfig, data: TrainingData): void {
  const m = data.manifest;
  if (m.hrSizePx !== config.model.imageSize) {
    throw new ConfigError(`training config: model.imageSize ${config.model.imageSize} differs from the data's HR size ${m.hrSizePx} (${config.dataDir})`, { option: 'model.imageSize' });
  }
  if (m.embedder.dim !== config.model.featDim) {
    throw new ConfigError(`training config: model.featDim ${config.model.featDim} differs from the data's descriptor length ${m.embedder.dim} (${m.embedder.id})`, { option: 'model.featDim' });
  }
  if (m.split.train.length === 0) throw new InputError(`training data ${config.dataDir}: the training split is empty`, { path: config.dataDir });
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
  const data = loadTrainingData(config.dataDir);
  checkData(config, data);
  const existing = listCheckpointSteps(config.outDir);
  if (!config.resume && existing.length > 0) {
    throw new ConfigError(`training: ${config.outDir} already holds checkpoints (newest step ${existing[0]}); pass resume to continue, or choose another outDir`, { option: 'outDir' });
  }
  if (tf.getBackend() === 'wasm') registerWasmTrainingKernels();
  fs.mkdirSync(config.outDir, { recursive: true });

  const netConfig = trainingNetworkConfig(config);
  const model = NcsnppModel.random(netConfig, config.seed);
  const adam = new AdamOptimizer({ beta1: config.beta1, beta2: config.beta2, eps: config.adamEps });
  let ema: ExponentialMovingAverage | undefined;
  let onnxStep: OnnxTrainStep | undefined;
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
        const diff = RESUME_FIXED.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(now[k]));
        if (diff.length > 0) {
          throw new ConfigError(`training: cannot resume ${ckpt.jsonPath} with a different ${diff.join(', ')} (checkpoint: ${diff.map((k) => JSON.stringify(saved[k])).join(', ')})`, { option: diff[0] });
        }
        if (ckpt.state.dataset.inputsHash !== data.manifest.inputsHash) {
          throw new ConfigError(`training: ${ckpt.jsonPath} was trained on other data (inputsHash ${ckpt.state.dataset.inputsHash}, now ${data.manifest.inputsHash})`, { option: 'dataDir' });
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
    const rnd = new TrainRandom(config.seed);
    const sde = new VeSde({ sigmaMin: config.model.sigmaMin, sigmaMax: config.model.sigmaMax, N: config.model.numScales });
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
    const patchPx = netConfig.imageSize;
    const s = config.model.imageSize;
    const train = data.manifest.split.train;
    const permCache = new Map<number, Uint32Array>();
    const logPath = path.join(config.outDir, 'train-log.jsonl');
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
        dataset: { inputsHash: data.manifest.inputsHash, faces: data.manifest.files.length },
      };
      const { m, v } = adam.moments();
      checkpointPath = writeTrainingCheckpoint(config.outDir, state, { param: vars, ema: e.shadow, adam_m: m, adam_v: v }, config.keepCheckpoints);
      const stateDict = withWeights(vars, e.shadow, () => model.toStateDict());
      await saveModelFile(modelPath, stateDict, configJson(config).model as JsonObject, modelCard(config, data, step, elapsedMs(), engine, lossSpec.name), { overwrite: true });
      lastCheckpointStep = step;
      callbacks.onCheckpoint?.({ step, path: checkpointPath, modelPath });
    };
    const validate = (): void => {
      const rows = data.manifest.split.validation.slice(0, config.validationSamples);
      if (rows.length === 0) return;
      const noise = new SeededNoiseSource(rnd.childSeed('validation', 0));
      const off = Math.floor((s - patchPx) / 2);
      let sum = 0;
      withWeights(vars, (ema as ExponentialMovingAverage).shadow, () => {
        for (let i = 0; i < rows.length; i += config.batchSize) {
          const chunk = rows.slice(i, i + config.batchSize).map((row): SampleSpec => ({ row, flip: false, top: off, left: off }));
          const batch = assembleBatch(data, chunk, patchPx);
          const inputs = lossSpec.prepare(batch, { sde, noise, eps: config.lossEps });
          const { loss, perSample } = regressionLossTf(model, batch, inputs);
          sum += ((loss.dataSync() as Float32Array)[0] ?? NaN) * chunk.length;
          disposeRegressionLossInputs(inputs);
          tf.dispose([loss, perSample, batch.x0NHWC, batch.yNHWC, batch.feat]);
        }
      });
      callbacks.onValidation?.({ step, loss: sum / rows.length, samples: rows.length });
      fs.appendFileSync(logPath, `${JSON.stringify({ kind: 'validation', step, loss: sum / rows.length, samples: rows.length })}\n`);
    };

    let aborted = false;
    while (step < config.steps) {
      if (callbacks.signal?.aborted === true) {
        aborted = true;
        break;
      }
      const positions = rnd.batchPositions(step, config.batchSize, train.length, permCache);
      const samples = positions.map((pos, k): SampleSpec => ({
        row: train[pos] as number,
        flip: config.randomFlip && rnd.uniform('flip', step, k) < 0.5,
        top: patchPx < s ? rnd.below(s - patchPx + 1, 'patch', step, 2 * k) : 0,
        left: patchPx < s ? rnd.below(s - patchPx + 1, 'patch', step, 2 * k + 1) : 0,
      }));
      const batch = assembleBatch(data, samples, patchPx);
      const noise = new SeededNoiseSource(rnd.childSeed('noise', step));
      const lr = warmupLr(config.lr, config.warmupSteps, step);
      const lossInputs = lossSpec.prepare(batch, { sde, noise, eps: config.lossEps });
      const byName = new Map<string, tf.Tensor>();
      let loss: number;
      let gradNorm: number;
      if (onnxStep !== undefined && host !== undefined) {
        // onnx: gradients and the optimiser on Float32Arrays; the tfjs objects are synced for checkpoints.
        const params = new Map<string, Float32Array>([['all_modules.0.W', fourierW], ...host.params]);
        const res = await onnxStep.run(onnxTrainInputs(batch, lossInputs), params);
        disposeRegressionLossInputs(lossInputs);
        tf.dispose([batch.x0NHWC, batch.yNHWC, batch.feat]);
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
        disposeRegressionLossInputs(lossInputs);
        if (!Number.isFinite(loss)) throw new InputError(`training: the loss is ${loss} at step ${step}`);
        const clipped = clipGradsByGlobalNorm(byName, config.gradClipNorm);
        adam.apply(vars, clipped.grads, lr);
        ema.update(vars);
        gradNorm = clipped.norm;
        tf.dispose([...byName.values(), ...clipped.grads.values(), batch.x0NHWC, batch.yNHWC, batch.feat]);
      }
      step++;
      lossEma = lossEma === null ? loss : 0.99 * lossEma + 0.01 * loss;
      if (step % config.progressEvery === 0 || step === config.steps) {
        const now = performance.now();
        const itPerSec = (step - windowStep) / ((now - windowStart) / 1000);
        const p: TrainProgress = { step, steps: config.steps, loss, lossEma, gradNorm, lr, itPerSec, etaSec: (config.steps - step) / itPerSec, elapsedMs: elapsedMs() };
        windowStart = now;
        windowStep = step;
        fs.appendFileSync(logPath, `${JSON.stringify({ kind: 'progress', ...p })}\n`);
        callbacks.onProgress?.(p);
      }
      if (config.validateEvery > 0 && step % config.validateEvery === 0) {
        syncHost();
        validate();
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
    ema?.dispose();
    adam.dispose();
    model.dispose();
  }
}

function modelCard(config: TrainConfig, data: TrainingData, step: number, elapsedMs: number, engine: TrainEngine, lossName: string): ModelCard {
  const m = config.model;
  const d = data.manifest;
  return {
    name: `fasr-ncsnpp-nf${m.nf}-${m.imageSize}`,
    description: 'FASR score model (NCSN++, VE SDE) conditioned on the bicubic LR face and a face descriptor; EMA weights of a training run of this project.',
    architecture: `NCSN++ (VE SDE, sigma ${m.sigmaMin}..${m.sigmaMax}), nf ${m.nf}, chMult [${m.chMult.join(',')}], ${m.numResBlocks} res blocks, attention at [${m.attnResolutions.join(',')}], featDim ${m.featDim}`,
    source: `trainScoreModel: ${step} steps, batch ${config.batchSize}${config.patchSize !== null ? `, random ${config.patchSize}x${config.patchSize} patches` : ''}, seed ${config.seed}, loss ${lossName}, engine ${engine === 'onnx' ? 'onnxruntime-node' : `tfjs-${tf.getBackend()}`}, ${(elapsedMs / 3.6e6).toFixed(2)} h wall`,
    data: {
      datasets: [`${path.basename(path.dirname(d.sourceDir))}/${path.basename(d.sourceDir)}: ${d.split.train.length} train / ${d.split.validation.length} validation faces of ${d.inputCount} (${d.skipped.length} without a detected face); descriptor ${d.embedder.id}`],
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
