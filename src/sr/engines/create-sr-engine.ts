import { ConfigError } from '../../contracts';
import type { StateDict } from '../checkpoint';
import type { NcsnppConfig } from '../model-config';
import { NcsnppModel } from '../models';
import { checkChoice, checkOptionKeys } from '../../validate';
import { OnnxSrEngine } from './onnx-sr-engine';
import type { OnnxEngineConfig } from './onnx-engine-config';
import { SR_ENGINE_NAMES } from './sr-engine';
import type { SrEngine, SrEngineName } from './sr-engine';
import { TfjsSrEngine } from './tfjs-sr-engine';

/** What {@link createSrEngine} needs. */
export interface CreateSrEngineOptions {
  /** 'onnx' (onnxruntime-node, the fast one) or 'tfjs' (the active tfjs backend, see initBackend). */
  readonly engine: SrEngineName;
  /** The network's configuration. */
  readonly config: NcsnppConfig;
  /** Weights in the authors' layout and names (e.g. `loadTorchStateDict(file, { weights: 'ema' })`). */
  readonly stateDict: StateDict;
  /** ONNX Runtime settings (engine 'onnx' only); defaults DEFAULT_ONNX_ENGINE_CONFIG. */
  readonly onnx?: Partial<OnnxEngineConfig>;
}

/**
 * Parses the `--engine` choice.
 * @throws ConfigError `engine: expected one of "onnx", "tfjs", received ...`.
 */
export function parseSrEngineName(value: unknown): SrEngineName {
  return checkChoice('SrEngine', 'engine', value, SR_ENGINE_NAMES);
}

/**
 * Builds the chosen engine from a state dict (both engines from the same weights and the same
 * module spec). Strict: the state dict is checked tensor by tensor before anything is allocated.
 * @throws ConfigError for unknown options or onnx options with engine 'tfjs'; CheckpointError for
 *   a state dict that does not match the config; BackendError when the ONNX CUDA provider is unavailable.
 */
export async function createSrEngine(options: CreateSrEngineOptions): Promise<SrEngine> {
  const raw = checkOptionKeys('createSrEngine', options, ['engine', 'config', 'stateDict', 'onnx']);
  const engine = parseSrEngineName(raw.engine);
  if (engine === 'tfjs') {
    if (options.onnx !== undefined) throw new ConfigError('createSrEngine: option "onnx" applies only to engine "onnx", received engine "tfjs"', { option: 'onnx' });
    return new TfjsSrEngine(NcsnppModel.fromStateDict(options.config, options.stateDict));
  }
  return OnnxSrEngine.fromStateDict(options.config, options.stateDict, options.onnx ?? {});
}
