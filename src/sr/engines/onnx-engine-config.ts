import * as os from 'node:os';
import { checkChoice, checkNumber, checkOptionKeys } from '../../validate';
import { NCSNPP_ONNX_GRAPH_FORMS } from './onnx/export-ncsnpp-onnx';
import type { NcsnppOnnxGraphForm } from './onnx/export-ncsnpp-onnx';

export const ONNX_EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type OnnxExecutionProvider = (typeof ONNX_EXECUTION_PROVIDERS)[number];
export const ONNX_GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type OnnxGraphOptimizationLevel = (typeof ONNX_GRAPH_OPTIMIZATION_LEVELS)[number];

/** The engine's graph-form choices: the exporter's forms, or 'auto' (see {@link resolveGraphForm}). */
export const ONNX_GRAPH_FORMS = ['auto', ...NCSNPP_ONNX_GRAPH_FORMS] as const;
export type OnnxGraphFormChoice = (typeof ONNX_GRAPH_FORMS)[number];

/** Settings of the ONNX Runtime engine (what the CLI or a pipeline file configures). */
export interface OnnxEngineConfig {
  /**
   * Execution provider. 'cpu' (bundled) or 'cuda' (NVIDIA GPU; needs CUDA 12 + cuDNN 9 and the
   * provider libraries, which `npm ci --onnxruntime-node-install=cuda12` downloads; see
   * docs/engines.md). Default 'cpu'. No silent fallback: asking for 'cuda' without it fails.
   */
  readonly executionProvider: OnnxExecutionProvider;
  /** Threads used inside one operator. Integer >= 0; 0 = one per CPU core (`os.availableParallelism()`). Default 0. */
  readonly intraOpThreads: number;
  /** onnxruntime graph optimisation level. Default 'all' (constant folding, fusions, NCHWc convolutions on CPU). */
  readonly graphOptimization: OnnxGraphOptimizationLevel;
  /** CUDA device index (executionProvider 'cuda' only). Integer >= 0. Default 0. */
  readonly cudaDeviceId: number;
  /**
   * Form of the graph exported from a state dict (export-ncsnpp-onnx.ts): 'direct' (one Conv per
   * convolution, the reference form), 'fast' (Winograd F(4x4,3x3) for the wide 32 and 64 px
   * convolutions, InstanceNormalization GroupNorm, Resize upsampling: ~10 % faster on CPU, same
   * function up to float32 rounding), or 'auto' = 'fast' on the CPU provider and 'direct' on CUDA
   * (cuDNN picks its own convolution algorithms). Default 'auto'. Ignored for a pre-exported .onnx file.
   */
  readonly graphForm: OnnxGraphFormChoice;
}

export const DEFAULT_ONNX_ENGINE_CONFIG: Readonly<OnnxEngineConfig> = Object.freeze({
  executionProvider: 'cpu',
  intraOpThreads: 0,
  graphOptimization: 'all',
  cudaDeviceId: 0,
  graphForm: 'auto',
});

const KEYS = ['executionProvider', 'intraOpThreads', 'graphOptimization', 'cudaDeviceId', 'graphForm'] as const;

/**
 * Validates a (partial) ONNX engine config and fills in the defaults.
 * @throws ConfigError for unknown keys or invalid values (the message names the key and the valid choices).
 */
export function parseOnnxEngineConfig(input: unknown = {}): Readonly<OnnxEngineConfig> {
  const where = 'OnnxEngineConfig';
  const raw = checkOptionKeys(where, input, KEYS);
  const d = DEFAULT_ONNX_ENGINE_CONFIG;
  return Object.freeze({
    executionProvider: checkChoice(where, 'executionProvider', raw.executionProvider ?? d.executionProvider, ONNX_EXECUTION_PROVIDERS),
    intraOpThreads: checkNumber(where, 'intraOpThreads', raw.intraOpThreads ?? d.intraOpThreads, { integer: true, min: 0, max: 1024 }),
    graphOptimization: checkChoice(where, 'graphOptimization', raw.graphOptimization ?? d.graphOptimization, ONNX_GRAPH_OPTIMIZATION_LEVELS),
    cudaDeviceId: checkNumber(where, 'cudaDeviceId', raw.cudaDeviceId ?? d.cudaDeviceId, { integer: true, min: 0 }),
    graphForm: checkChoice(where, 'graphForm', raw.graphForm ?? d.graphForm, ONNX_GRAPH_FORMS),
  });
}

/** The intra-op thread count a config resolves to on this machine. */
export function resolveIntraOpThreads(config: Readonly<OnnxEngineConfig>): number {
  return config.intraOpThreads === 0 ? os.availableParallelism() : config.intraOpThreads;
}

/** The graph form a config resolves to ('auto': 'fast' on the CPU provider, 'direct' on CUDA). */
export function resolveGraphForm(config: Readonly<OnnxEngineConfig>): NcsnppOnnxGraphForm {
  if (config.graphForm !== 'auto') return config.graphForm;
  return config.executionProvider === 'cpu' ? 'fast' : 'direct';
}

/**
 * Environment variables that set ONNX engine options for every command that loads an SR model
 * (`fasr sr`, `run`, `eval`, `serve`, queue workers): the one switch a user on a GPU machine needs,
 * e.g. `FASR_ONNX_PROVIDER=cuda fasr sr --engine onnx ...`. Options given in code or a config win.
 */
export const ONNX_ENGINE_ENV = Object.freeze({ executionProvider: 'FASR_ONNX_PROVIDER', graphForm: 'FASR_ONNX_GRAPH' });

/**
 * The ONNX engine options set in `env` (unset or empty variables set nothing).
 * @throws ConfigError naming the variable and the valid values for a value that is not one of them.
 */
export function onnxEngineConfigFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<OnnxEngineConfig> {
  const provider = env[ONNX_ENGINE_ENV.executionProvider];
  const form = env[ONNX_ENGINE_ENV.graphForm];
  return {
    ...(provider === undefined || provider === '' ? {} : { executionProvider: checkChoice('environment', ONNX_ENGINE_ENV.executionProvider, provider, ONNX_EXECUTION_PROVIDERS) }),
    ...(form === undefined || form === '' ? {} : { graphForm: checkChoice('environment', ONNX_ENGINE_ENV.graphForm, form, ONNX_GRAPH_FORMS) }),
  };
}
