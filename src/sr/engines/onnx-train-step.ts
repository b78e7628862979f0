import { BackendError, InputError } from '../../contracts';
import type { NcsnppConfig } from '../model-config';
import { parseNcsnppConfig } from '../model-config';
import { exportNcsnppTrainOnnx } from './onnx/export-ncsnpp-train-onnx';
import type { NcsnppTrainGraphOptions, NcsnppTrainParam } from './onnx/export-ncsnpp-train-onnx';
import { detectNchwcBlockSize } from './onnx/nchwc-block-size';
import { OrtWorkerSession } from './onnx/ort-worker-session';
import type { OrtFeed } from './onnx/ort-worker-session';

/**
 * One batch for {@link OnnxTrainStep.run}, flat float32 arrays (images NHWC, B = batchSize,
 * S = imageSize). The loss is the generic regression loss of docs/onnx-training.md:
 *
 *   F_b = NCSNpp(merge_xy(x_b, y_b), sigma_b, feat_b)  (divided by sigma_b when config.scaleBySigma)
 *   loss = sum_b lossW_b * sum_{h,w,ch} (lossA_b * lossSkip_b + lossC_b * F_b - lossTarget_b)^2
 *
 * The paper's DSM loss (Eq. 3) is lossA = 0, lossC = sigma, lossTarget = -z, lossW = 1/(2B)
 * (see `dsmLossSpec` in src/sr/train).
 */
export interface OnnxTrainInputs {
  /** Network input x [B,S,S,3] (noisy HR, or c_in * noisy HR for preconditioned recipes). */
  readonly xNHWC: Float32Array;
  /** LR conditioning y [B,S,S,3]. */
  readonly yNHWC: Float32Array;
  /** Noise levels fed to the network [B] (> 0). */
  readonly sigmas: Float32Array;
  /** Face descriptors [B,featDim]. */
  readonly feat: Float32Array;
  /** a_b [B]: weight of the skip image in the prediction. */
  readonly lossA: Float32Array;
  /** c_b [B]: weight of the network output in the prediction. */
  readonly lossC: Float32Array;
  /** w_b [B]: weight of sample b's squared-error sum in the loss. */
  readonly lossW: Float32Array;
  /** s_b [B,S,S,3]: the skip image (zeros when lossA is 0). */
  readonly lossSkipNHWC: Float32Array;
  /** The regression target [B,S,S,3]. */
  readonly lossTargetNHWC: Float32Array;
}

/** What one step computed. Arrays are owned by the caller. */
export interface OnnxTrainResult {
  readonly loss: number;
  /** sum_{h,w,ch} (pred_b - target_b)^2 per sample (unweighted), [B]. */
  readonly perSample: Float32Array;
  /** d loss / d parameter, by name, in the parameter's (tfjs) layout. */
  readonly grads: Map<string, Float32Array>;
}

/** A compiled training step (see {@link createOnnxTrainStep}). */
export interface OnnxTrainStep {
  readonly config: NcsnppConfig;
  readonly batchSize: number;
  /** The graph's parameters: every trainable tensor (tfjs layout), then the frozen `all_modules.0.W`. */
  readonly params: readonly NcsnppTrainParam[];
  /** Multiply-adds of one forward pass of the batch (for effective-FLOP/s figures). */
  readonly forwardMacs: number;
  /**
   * Runs forward, loss and backward.
   * @param params every entry of {@link params} by name (the frozen Fourier W included)
   * @throws InputError for a missing or misshapen input or parameter; BackendError from onnxruntime.
   */
  run(inputs: OnnxTrainInputs, params: ReadonlyMap<string, Float32Array>): Promise<OnnxTrainResult>;
  /** Frees the onnxruntime session. Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link createOnnxTrainStep}. */
export interface OnnxTrainStepOptions {
  /** Samples per step (the graph has a static batch). */
  readonly batchSize: number;
  /**
   * Side of the training images in px; default config.imageSize. Another side (e.g. the patch
   * size) keeps attention at the same levels (attnResolutions scaled alike).
   */
  readonly imageSize?: number;
  /** onnxruntime intra-op threads; default 2 (this machine's cores). */
  readonly intraOpNumThreads?: number;
  /** Let onnxruntime's threads spin between kernels; default false (see docs/onnx-training.md). */
  readonly spinning?: boolean;
  /**
   * Graph forms (same values, other kernels); default the fastest measured (docs/onnx-training.md).
   * `nchwcConvBlock` left out means this machine's NCHWc block size (detectNchwcBlockSize: the
   * blocked-layout convolutions, measured faster); 0 keeps plain Conv nodes.
   */
  readonly graph?: NcsnppTrainGraphOptions;
}

type Ort = typeof import('onnxruntime-node');

/**
 * Loads onnxruntime-node, or explains why it cannot.
 * @throws BackendError when the package or its native binding does not load.
 */
export function loadOnnxRuntime(): Ort {
  try {
    // require, not import(): a dynamic import would load a second copy outside jest's module
    // registry, whose Tensor rejects this realm's Float32Arrays.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as Ort;
  } catch (err) {
    throw new BackendError(`onnxruntime-node does not load here: ${(err as Error).message}`, { reason: (err as Error).message });
  }
}

/**
 * Compiles the NCSN++ training step (forward + generic loss + reverse-mode gradients, one ONNX
 * graph built by exportNcsnppTrainOnnx) into an onnxruntime-node CPU session.
 *
 * @throws InputError for a bad batch size or image size; ConfigError for an invalid config;
 *   BackendError when onnxruntime-node does not load or rejects the graph.
 */
export async function createOnnxTrainStep(config: NcsnppConfig, options: OnnxTrainStepOptions): Promise<OnnxTrainStep> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`createOnnxTrainStep: batchSize must be an integer >= 1, received ${String(batchSize)}`, { option: 'batchSize' });
  const threads = options.intraOpNumThreads ?? 2;
  if (!Number.isInteger(threads) || threads < 1) throw new InputError(`createOnnxTrainStep: intraOpNumThreads must be an integer >= 1, received ${String(threads)}`, { option: 'intraOpNumThreads' });
  // At another side (training patches) attention stays at the same levels, as trainingNetworkConfig does.
  const side = options.imageSize ?? config.imageSize;
  const unit = 2 ** (config.chMult.length - 1);
  if (!Number.isInteger(side) || side < unit || side % unit !== 0) {
    throw new InputError(`createOnnxTrainStep: imageSize must be a positive multiple of ${unit} (2^(chMult.length-1)), received ${String(side)}`, { option: 'imageSize' });
  }
  const net = parseNcsnppConfig({ ...config, imageSize: side, attnResolutions: config.attnResolutions.map((r) => (r * side) / config.imageSize) });
  loadOnnxRuntime(); // a clear error here when the package or its binding does not load
  const graphOptions = options.graph ?? {};
  const graph = exportNcsnppTrainOnnx(net, batchSize, { ...graphOptions, nchwcConvBlock: graphOptions.nchwcConvBlock ?? (await detectNchwcBlockSize()) });
  // The session lives in a worker thread (OrtWorkerSession): it keeps onnxruntime's tensors in
  // one realm (jest runs tests in a vm context whose typed arrays onnxruntime would reject).
  let session: OrtWorkerSession | null;
  try {
    session = await OrtWorkerSession.create(graph.bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // No busy-waiting between the ~3,000 small kernels of a step: on a loaded machine a spinning
      // pool waits for its descheduled thread at every barrier (measured: 2-3x slower steps).
      extra: { session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } } },
    });
  } catch (err) {
    throw new BackendError(`onnxruntime rejected the training graph: ${(err as Error).message}`, { reason: (err as Error).message });
  }
  const B = batchSize;
  const S = net.imageSize;
  const image = B * S * S * 3;
  const sizes: Record<keyof OnnxTrainInputs, number> = {
    xNHWC: image,
    yNHWC: image,
    sigmas: B,
    feat: B * net.featDim,
    lossA: B,
    lossC: B,
    lossW: B,
    lossSkipNHWC: image,
    lossTargetNHWC: image,
  };
  const dims: Record<keyof OnnxTrainInputs, number[]> = {
    xNHWC: [B, S, S, 3],
    yNHWC: [B, S, S, 3],
    sigmas: [B],
    feat: [B, net.featDim],
    lossA: [B],
    lossC: [B],
    lossW: [B],
    lossSkipNHWC: [B, S, S, 3],
    lossTargetNHWC: [B, S, S, 3],
  };
  const outputNames = [graph.lossOutput, graph.perSampleOutput, ...graph.gradOutputs.values()];
  return {
    config: net,
    batchSize,
    params: graph.params,
    forwardMacs: graph.forwardMacs,
    async run(inputs, params) {
      if (session === null) throw new BackendError('onnx training step used after release()');
      const feeds: OrtFeed[] = [];
      for (const key of Object.keys(sizes) as (keyof OnnxTrainInputs)[]) {
        const data = (inputs as unknown as Record<string, unknown>)[key];
        if (!(data instanceof Float32Array) || data.length !== sizes[key]) {
          throw new InputError(`onnx training step: input ${key} must be a Float32Array of ${sizes[key]} values ([${dims[key].join(',')}]), received ${data instanceof Float32Array ? `${data.length} values` : typeof data}`, { option: key });
        }
        feeds.push({ name: key, data: data.slice(), dims: dims[key] });
      }
      for (const p of graph.params) {
        const data = params.get(p.name);
        const n = p.shape.reduce((a, b) => a * b, 1);
        if (data === undefined || data.length !== n) {
          throw new InputError(`onnx training step: parameter ${p.name} must be ${n} float32 values ([${p.shape.join(',')}]), received ${data === undefined ? 'nothing' : `${data.length} values`}`, { option: p.name });
        }
        feeds.push({ name: p.name, data: data.slice(), dims: p.shape });
      }
      const { outputs } = session.runManySync(feeds, outputNames);
      const get = (name: string): Float32Array => {
        const t = outputs.get(name);
        if (t === undefined) throw new BackendError(`onnxruntime training step: no output ${name}`);
        return t.data;
      };
      const grads = new Map<string, Float32Array>();
      for (const [name, value] of graph.gradOutputs) grads.set(name, get(value));
      return { loss: get(graph.lossOutput)[0] ?? NaN, perSample: get(graph.perSampleOutput), grads };
    },
    async release() {
      if (session === null) return;
      const s = session;
      session = null;
      await s.release();
    },
  };
}
