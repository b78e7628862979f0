import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, ConfigError, InputError } from '../../contracts';
import { loadModelFile, loadTorchStateDict } from '../checkpoint';
import type { ModelCard, StateDict } from '../checkpoint';
import { NCSNPP_PRESETS, ncsnppConfigFromAuthors, parseNcsnppConfig } from '../model-config';
import type { NcsnppConfig } from '../model-config';
import { ONNX_ENGINE_ENV, SR_ENGINE_NAMES, createSrEngine, defaultSrEngine, onnxEngineConfigFromEnv, parseOnnxEngineConfig, resolveGraphForm } from '../engines';
import type { OnnxEngineConfig, SrEngine, SrEngineName } from '../engines';
import { PAPER_FORMULATION, parseSrFormulation } from '../formulation';
import type { SrFormulation } from '../formulation';
import { checkOptionKeys, describeValue } from '../../validate';
import { probeBatchMode } from './batch-mode';
import type { BatchMode } from './batch-mode';
import { projectRoot } from '../../runtime';


/** Extensions read as the authors' PyTorch checkpoints (`torch.save`, zip or legacy). */
export const TORCH_CHECKPOINT_EXTENSIONS = Object.freeze(['.pth', '.pt', '.ckpt'] as const);

/** Where bundled models live: `<package root>/models/<name>/model.json` + `model.safetensors` (the same from src/ and from the built dist/). */
export const BUNDLED_MODELS_DIR = path.join(projectRoot(), 'models');

/** How to get a model, for the "no model" error. */
const HOW_TO_GET_A_MODEL =
  'pass --model <file>: a fasr model (model.json + model.safetensors, e.g. from `fasr train`), or the FASR authors\' ' +
  'checkpoint (.pth, from github.com/marcelowds/fasr; its EMA weights are used, config from --config, default the paper preset)';

/** Options of {@link loadSrModel}. */
export interface LoadSrModelOptions {
  /**
   * The model: a fasr model file (directory, `.json` sidecar or `.safetensors`; config and card
   * from the sidecar) or the authors' checkpoint (`.pth`/`.pt`/`.ckpt`, EMA weights). Default: the
   * one model bundled under `models/` (an error when there is none or several).
   */
  readonly model?: string;
  /**
   * Config of a `.pth` checkpoint: a preset name (`paper` = 128x128 as in the paper, `tiny`), or
   * a JSON file (the authors' `config.json` with `config.model`/`config.data`, their bare
   * `{model, data}`, or an NcsnppConfig). Default `paper`. Not allowed with a fasr model file.
   */
  readonly config?: string;
  /**
   * Inference engine (src/sr/engines): 'tfjs' (the active tfjs backend; call initBackend first)
   * or 'onnx' (onnxruntime-node). Default: the fastest installed ({@link defaultSrEngine}: onnx).
   */
  readonly engine?: SrEngineName;
  /**
   * ONNX Runtime settings (engine 'onnx' only), over those of the environment
   * (`FASR_ONNX_PROVIDER`, `FASR_ONNX_GRAPH`: {@link onnxEngineConfigFromEnv}).
   */
  readonly onnx?: Partial<OnnxEngineConfig>;
  /** Where to look for a bundled model when `model` is absent. Default {@link BUNDLED_MODELS_DIR}. */
  readonly modelsDir?: string;
}

/** A score network ready for `enhanceFaces`, with its provenance. Dispose it when done. */
export interface SrModel {
  /** Model id: the card's name for fasr models, `authors:<file name>#ema` for checkpoints. */
  readonly id: string;
  /** sha256 of the weights file (`.safetensors` or `.pth`), lowercase hex. */
  readonly sha256: string;
  /** The weights file read. */
  readonly weightsPath: string;
  readonly format: 'fasr-model' | 'torch';
  readonly config: NcsnppConfig;
  /** What the network computes and how it is sampled (src/sr/formulation.ts): the paper's for checkpoints and older model files. */
  readonly formulation: SrFormulation;
  /** The model card (fasr models), null for the authors' checkpoints. */
  readonly card: ModelCard | null;
  /** Where the config came from: 'sidecar', a preset name, or the config file's path. */
  readonly configSource: string;
  readonly engine: SrEngineName;
  /** What runs the engine: the tfjs backend (e.g. 'wasm') or `onnxruntime-<provider>`. */
  readonly backend: string;
  /** The network; `forward(x, y, sigma, feat)` as in src/sr/score-fn. */
  readonly network: SrEngine;
  /**
   * Whether faces may share a network call bit-exactly on this engine and backend (probed once on
   * first use with 3 small calls, then remembered). See {@link BatchMode}.
   */
  batchMode(): BatchMode;
  /** Frees the network's tensors. Idempotent. */
  dispose(): Promise<void>;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new CheckpointError(`${file}: cannot read the model weights (${err instanceof Error ? err.message : String(err)})`, { path: file });
  }
  return hash.digest('hex');
}

function isPresetName(name: string): name is keyof typeof NCSNPP_PRESETS {
  return Object.prototype.hasOwnProperty.call(NCSNPP_PRESETS, name);
}

/**
 * An NCSN++ config from a preset name or a JSON file (authors' config.json, their bare
 * `{model, data}`, or our NcsnppConfig).
 * @throws ConfigError for an unknown preset or an invalid config; InputError for an unreadable file.
 */
export function resolveSrModelConfig(config: string): { config: NcsnppConfig; source: string } {
  if (isPresetName(config)) return { config: NCSNPP_PRESETS[config], source: config };
  if (!config.endsWith('.json')) {
    throw new ConfigError(`--config: expected a preset (${Object.keys(NCSNPP_PRESETS).join(', ')}) or a .json file, received ${JSON.stringify(config)}`, {
      option: 'config',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(config, 'utf8'));
  } catch (err) {
    throw new InputError(`--config: cannot read ${config} as JSON (${err instanceof Error ? err.message : String(err)})`, { path: config, option: 'config' });
  }
  const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (obj(raw) && obj(raw.config) && 'model' in raw.config) return { config: ncsnppConfigFromAuthors(raw.config), source: config };
  if (obj(raw) && 'model' in raw && 'data' in raw) return { config: ncsnppConfigFromAuthors(raw), source: config };
  return { config: parseNcsnppConfig(raw), source: config };
}

/** The fasr model files under `dir` (`<dir>/<name>/model.json`), sorted. */
export function listBundledModels(dir: string = BUNDLED_MODELS_DIR): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'model.json')))
    .map((e) => path.join(dir, e.name, 'model.json'))
    .sort();
}

function resolveModelPath(model: string | undefined, modelsDir: string): string {
  if (model !== undefined) {
    if (typeof model !== 'string' || model.length === 0) throw new InputError(`--model: expected a file path, received ${describeValue(model)}`, { option: 'model' });
    if (!fs.existsSync(model)) throw new InputError(`--model: ${model} does not exist; ${HOW_TO_GET_A_MODEL}`, { path: model, option: 'model' });
    return model;
  }
  const bundled = listBundledModels(modelsDir);
  if (bundled.length === 1) return bundled[0] as string;
  if (bundled.length === 0) throw new InputError(`no SR model given and none bundled in ${modelsDir}; ${HOW_TO_GET_A_MODEL}`, { option: 'model' });
  throw new InputError(`no SR model given and several bundled in ${modelsDir} (${bundled.join(', ')}); choose one with --model`, { option: 'model' });
}

interface ReadWeights {
  readonly stateDict: StateDict;
  readonly config: NcsnppConfig;
  readonly formulation: SrFormulation;
  readonly card: ModelCard | null;
  readonly sha256: string;
  readonly weightsPath: string;
  readonly format: SrModel['format'];
  readonly configSource: string;
  readonly id: string;
}

/** The sidecar's formulation, checked against the network config (a residual-EDM network must output F raw). */
function parseFormulationOf(raw: unknown, config: NcsnppConfig, sidecarPath: string): SrFormulation {
  let f: SrFormulation;
  try {
    f = parseSrFormulation(raw ?? undefined);
  } catch (err) {
    throw new CheckpointError(`${sidecarPath}: ${(err as Error).message}`, { path: sidecarPath });
  }
  if (f.kind === 'residual-edm' && config.scaleBySigma) {
    throw new CheckpointError(`${sidecarPath}: formulation residual-edm needs config.scaleBySigma false (the network output is the raw F of the denoiser)`, { path: sidecarPath });
  }
  return f;
}

async function readWeights(file: string, configOption: string | undefined): Promise<ReadWeights> {
  const lower = file.toLowerCase();
  if (TORCH_CHECKPOINT_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
    const { config, source } = resolveSrModelConfig(configOption ?? 'paper');
    const sha256 = await sha256OfFile(file);
    const stateDict = await loadTorchStateDict(file, { weights: 'ema' });
    return { stateDict, config, formulation: PAPER_FORMULATION, card: null, sha256, weightsPath: path.resolve(file), format: 'torch', configSource: source, id: `authors:${path.basename(file)}#ema` };
  }
  const isDir = fs.statSync(file).isDirectory();
  if (!isDir && !lower.endsWith('.json') && !lower.endsWith('.safetensors')) {
    throw new CheckpointError(
      `--model: ${file} is not a supported model file; expected a fasr model (directory, model.json or .safetensors) or the authors' checkpoint (${TORCH_CHECKPOINT_EXTENSIONS.join(', ')})`,
      { path: file },
    );
  }
  if (configOption !== undefined) {
    throw new ConfigError(`--config: a fasr model file carries its own config (${file}); --config applies only to the authors' .pth checkpoints`, { option: 'config' });
  }
  const loaded = await loadModelFile(file, { parseConfig: parseNcsnppConfig });
  return {
    stateDict: loaded.stateDict,
    config: loaded.config,
    formulation: parseFormulationOf(loaded.formulation, loaded.config, loaded.sidecarPath),
    card: loaded.card,
    sha256: loaded.sha256,
    weightsPath: path.resolve(loaded.weightsPath),
    format: 'fasr-model',
    configSource: 'sidecar',
    id: loaded.card.name,
  };
}

/**
 * Loads an SR model (ours or the authors' checkpoint), hashes its weights file and builds the
 * network on the active backend. Strict: every tensor must match the config.
 * @throws InputError when no model is given and none (or several) is bundled, or the file is
 *   missing; CheckpointError for an unsupported or corrupt file or weights that do not match the
 *   config; ConfigError for a bad config, engine or option.
 */
export async function loadSrModel(options: LoadSrModelOptions = {}): Promise<SrModel> {
  const raw = checkOptionKeys('loadSrModel', options, ['model', 'config', 'engine', 'onnx', 'modelsDir']);
  const engine = raw.engine ?? defaultSrEngine().engine;
  if (!SR_ENGINE_NAMES.includes(engine as SrEngineName)) {
    throw new ConfigError(`loadSrModel.engine: expected one of ${SR_ENGINE_NAMES.map((e) => JSON.stringify(e)).join(', ')}, received ${describeValue(engine)}`, {
      option: 'engine',
    });
  }
  if (raw.config !== undefined && typeof raw.config !== 'string') {
    throw new ConfigError(`loadSrModel.config: expected a preset name or a .json path, received ${describeValue(raw.config)}`, { option: 'config' });
  }
  // The ONNX variables do nothing on tfjs: refuse them rather than let a GPU switch silently not switch.
  if (engine === 'tfjs') {
    const set = Object.values(ONNX_ENGINE_ENV).filter((v) => (process.env[v] ?? '') !== '');
    if (set.length > 0) {
      throw new ConfigError(`loadSrModel: ${set.map((v) => `${v}=${process.env[v] ?? ''}`).join(', ')} applies only to engine "onnx", and this run asked for engine "tfjs"; unset it or use engine onnx`, { option: 'engine' });
    }
  }
  // The environment's ONNX options (the GPU switch), under those given here; checked before any file is read.
  const onnxConfig = engine === 'onnx' ? parseOnnxEngineConfig({ ...onnxEngineConfigFromEnv(process.env), ...((raw.onnx as Partial<OnnxEngineConfig> | undefined) ?? {}) }) : undefined;
  const modelsDir = raw.modelsDir === undefined ? BUNDLED_MODELS_DIR : String(raw.modelsDir);
  const file = resolveModelPath(raw.model as string | undefined, modelsDir);
  const w = await readWeights(file, raw.config as string | undefined);
  const model = await createSrEngine({
    engine: engine as SrEngineName,
    config: w.config,
    stateDict: w.stateDict,
    ...(onnxConfig === undefined ? {} : { onnx: onnxConfig }),
  });
  // The onnx backend names the provider and the exported graph form (they give different float32 rounding).
  const backend = onnxConfig === undefined ? tf.getBackend() : `onnxruntime-${onnxConfig.executionProvider}/${resolveGraphForm(onnxConfig)}`;
  let disposed = false;
  let mode: BatchMode | null = null;
  return Object.freeze({
    id: w.id,
    sha256: w.sha256,
    weightsPath: w.weightsPath,
    format: w.format,
    config: w.config,
    formulation: w.formulation,
    card: w.card,
    configSource: w.configSource,
    engine: engine as SrEngineName,
    backend,
    network: model,
    batchMode: (): BatchMode => {
      if (disposed) throw new InputError(`SR model ${w.id} used after dispose()`);
      mode ??= probeBatchMode(model, w.config);
      return mode;
    },
    dispose: async (): Promise<void> => {
      if (disposed) return;
      disposed = true;
      await model.dispose();
    },
  });
}
