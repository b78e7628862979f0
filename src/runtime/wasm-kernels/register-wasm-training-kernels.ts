import * as tf from '@tensorflow/tfjs';
import type { AvgPoolGradAttrs } from './avg-pool-grad';
import { avgPoolGradFromOps, avgPoolGradSupported } from './avg-pool-grad';
import type { BackpropFilterAttrs } from './conv2d-backprop-filter';
import { conv2dBackpropFilterFromOps } from './conv2d-backprop-filter';
import type { BackpropInputAttrs } from './conv2d-backprop-input';
import { conv2dBackpropInputFromOps, conv2dBackpropInputSupported } from './conv2d-backprop-input';
import type { DepthwiseBackpropInputAttrs } from './depthwise-conv2d-backprop-input';
import { depthwiseConv2dBackpropInputFromOps } from './depthwise-conv2d-backprop-input';

/** What {@link registerWasmTrainingKernels} did. */
export interface WasmTrainingKernels {
  /** Kernels this call registered for 'wasm' that it lacked. */
  readonly registered: readonly string[];
  /** wasm kernels this call replaced by faster formulations (the original still serves the cases they do not cover). */
  readonly replaced: readonly string[];
  /** Kernels already set up by an earlier call (nothing done). */
  readonly alreadyPresent: readonly string[];
}

type KernelFunc = tf.KernelConfig['kernelFunc'];

const conv2dBackpropFilterKernel: KernelFunc = ({ inputs, attrs }) => {
  const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
  return conv2dBackpropFilterFromOps(x, dy, attrs as unknown as BackpropFilterAttrs);
};

const depthwiseBackpropInputKernel: KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
  return depthwiseConv2dBackpropInputFromOps(dy, filter, attrs as unknown as DepthwiseBackpropInputAttrs);
};

/** Marks the replacement kernels this module registers (to recognise them on a later call). */
const REPLACEMENT = Symbol.for('fasr.wasmTrainingKernel');

/** A faster formulation of an existing wasm kernel for the cases it covers, else the original. */
function withFastPath(original: KernelFunc, fast: (args: Parameters<KernelFunc>[0]) => tf.Tensor | undefined): KernelFunc {
  const func: KernelFunc = (args) => fast(args) ?? original(args);
  Object.defineProperty(func, REPLACEMENT, { value: true });
  return func;
}

const FAST_PATHS: ReadonlyArray<readonly [string, (args: Parameters<KernelFunc>[0]) => tf.Tensor | undefined]> = [
  [
    'Conv2DBackpropInput',
    ({ inputs, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const a = attrs as unknown as BackpropInputAttrs;
      return conv2dBackpropInputSupported(filter.shape, a) ? conv2dBackpropInputFromOps(dy, filter, a) : undefined;
    },
  ],
  [
    'AvgPoolGrad',
    ({ inputs, attrs }) => {
      const { dy, input } = inputs as { dy: tf.Tensor4D; input: tf.Tensor4D };
      const a = attrs as unknown as AvgPoolGradAttrs;
      return input.shape.length === 4 && avgPoolGradSupported(input.shape, a) ? avgPoolGradFromOps(dy, input.shape, a) : undefined;
    },
  ],
];

/**
 * Sets up the 'wasm' backend for training the score model. Registers the kernels the NCSN++
 * backward needs and @tensorflow/tfjs-backend-wasm 4.22 lacks, built from ops it has:
 * `Conv2DBackpropFilter` and `DepthwiseConv2dNativeBackpropInput` (FIR up/down-sampling); and
 * gives two slow wasm kernels a fast path, keeping the original for every other case:
 * `Conv2DBackpropInput` for stride-1 NHWC convolutions (all of NCSN++'s) as a forward
 * convolution, `AvgPoolGrad` for tiling windows (GroupNorm's spatial means) as a broadcast.
 *
 * Explicit and idempotent: nothing happens at import; a second call finds everything in place.
 * It only changes tfjs' kernel registry for 'wasm' (not the active backend) and can be called
 * before or after `initBackend('wasm')`.
 */
export function registerWasmTrainingKernels(): WasmTrainingKernels {
  // The wasm package registers its kernels when first loaded: load it now, so that ours are
  // registered after (and over) them, never overwritten by a later import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  const registered: string[] = [];
  const replaced: string[] = [];
  const alreadyPresent: string[] = [];
  for (const [name, kernelFunc] of [
    ['Conv2DBackpropFilter', conv2dBackpropFilterKernel],
    ['DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInputKernel],
  ] as const) {
    if (tf.getKernel(name, 'wasm') !== undefined) {
      alreadyPresent.push(name);
      continue;
    }
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
    registered.push(name);
  }
  for (const [name, fast] of FAST_PATHS) {
    const existing = tf.getKernel(name, 'wasm');
    if (existing !== undefined && (existing.kernelFunc as unknown as Record<symbol, unknown>)[REPLACEMENT] === true) {
      alreadyPresent.push(name);
    } else if (existing !== undefined) {
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel({ ...existing, kernelFunc: withFastPath(existing.kernelFunc, fast) });
      replaced.push(name);
    }
    // (Both exist in every wasm build this project supports; without one there is nothing to speed up.)
  }
  return { registered, replaced, alreadyPresent };
}
