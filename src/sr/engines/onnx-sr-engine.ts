import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError, CheckpointError, InputError } from '../../contracts';
import type { StateDict } from '../checkpoint';
import type { NcsnppConfig } from '../model-config';
import { exportNcsnppOnnx, NCSNPP_ONNX_IO } from './onnx/export-ncsnpp-onnx';
import { OrtWorkerSession } from './onnx/ort-worker-session';
import type { OrtValueMetadata } from './onnx/ort-worker-session';
import type { OnnxEngineConfig } from './onnx-engine-config';
import { parseOnnxEngineConfig, resolveGraphForm, resolveIntraOpThreads } from './onnx-engine-config';
import type { SrEngine, SrEngineTiming } from './sr-engine';

/** Folder of onnxruntime-node's native binding for this platform (where the CUDA provider libraries go). */
function ortBinaryDir(): string {
  const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
}

const CUDA_INSTALL_HINT =
  'install it with `npm ci --onnxruntime-node-install=cuda12` (or `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`) on a machine with CUDA 12 and cuDNN 9; see docs/engines.md';

function shapeText(shape: readonly (number | string)[] | undefined): string {
  return shape === undefined ? '(unknown)' : `[${shape.join(',')}]`;
}

/** Checks that a loaded graph has exactly the inputs/output the exporter writes for this config. */
function checkGraphSignature(where: string, config: NcsnppConfig, inputs: readonly OrtValueMetadata[], outputs: readonly OrtValueMetadata[]): void {
  const s = config.imageSize;
  const expected: { name: string; shape: (number | null)[] }[] = [
    { name: 'xNHWC', shape: [null, s, s, 3] },
    { name: 'yNHWC', shape: [null, s, s, 3] },
    { name: 'sigmas', shape: [null] },
    { name: 'feat', shape: [null, config.featDim] },
  ];
  const describe = (list: readonly OrtValueMetadata[]): string => list.map((v) => `${v.name} ${v.type ?? '?'} ${shapeText(v.shape)}`).join(', ');
  const wanted = `inputs xNHWC [batch,${s},${s},3], yNHWC [batch,${s},${s},3], sigmas [batch], feat [batch,${config.featDim}] and output ${NCSNPP_ONNX_IO.output} [batch,${s},${s},3], all float32`;
  const fail = (): never => {
    throw new CheckpointError(
      `${where}: not a FASR NCSN++ score model for this config (image size ${s}, featDim ${config.featDim}): expected ${wanted}; the model has inputs ${describe(inputs)} and outputs ${describe(outputs)}`,
      { path: where, expected: wanted, actual: { inputs, outputs } },
    );
  };
  if (inputs.length !== expected.length || outputs.length !== 1) fail();
  expected.forEach((e, i) => {
    const got = inputs[i];
    if (got === undefined || got.name !== e.name || got.type !== 'float32' || got.shape === undefined || got.shape.length !== e.shape.length) return fail();
    e.shape.forEach((d, j) => {
      const g = got.shape?.[j];
      if (d === null ? typeof g === 'number' : g !== d) fail();
    });
  });
  const out = outputs[0];
  const outShape = out?.shape;
  if (out?.name !== NCSNPP_ONNX_IO.output || out.type !== 'float32' || outShape === undefined || outShape.length !== 4 || outShape[1] !== s || outShape[2] !== s || outShape[3] !== 3) fail();
}

/**
 * The ONNX Runtime engine: the NCSN++ score network exported to ONNX ({@link exportNcsnppOnnx})
 * and run by onnxruntime-node, on the CPU (bundled) or the CUDA execution provider. The session
 * is created once, lives in a worker thread, and is reused for every call; `forward` blocks until
 * the result is back (see OrtWorkerSession). At the boundary the tf tensors are copied to host
 * arrays and the result back into a tf tensor (both NHWC, no transposes in JS: the graph does them).
 *
 * Call {@link dispose} when done (releases the session and stops the worker).
 */
export class OnnxSrEngine implements SrEngine {
  readonly name = 'onnx' as const;
  readonly config: NcsnppConfig;
  /** The engine settings in use (defaults filled in). */
  readonly engineConfig: Readonly<OnnxEngineConfig>;
  private readonly session: OrtWorkerSession;
  private calls = 0;
  private totalMs = 0;
  private networkMs = 0;
  private disposed = false;

  private constructor(config: NcsnppConfig, engineConfig: Readonly<OnnxEngineConfig>, session: OrtWorkerSession) {
    this.config = config;
    this.engineConfig = engineConfig;
    this.session = session;
  }

  /**
   * Exports the network from a state dict (see {@link exportNcsnppOnnx}) and opens a session on it.
   * @throws CheckpointError for a state dict that does not match `config`; see {@link create} for the rest.
   */
  static async fromStateDict(config: NcsnppConfig, stateDict: StateDict, engineConfig: unknown = {}): Promise<OnnxSrEngine> {
    const parsed = parseOnnxEngineConfig(engineConfig);
    return OnnxSrEngine.create(exportNcsnppOnnx(config, stateDict, resolveGraphForm(parsed)), config, parsed);
  }

  /**
   * Opens a session on an exported model and checks its signature against `config`.
   * @param model .onnx bytes from {@link exportNcsnppOnnx}, or the path of a file holding them
   * @param config the NcsnppConfig the model was exported from
   * @param engineConfig partial {@link OnnxEngineConfig} (validated strictly)
   * @throws ConfigError for invalid engine options; InputError for a missing file;
   *   BackendError when the CUDA provider is requested but not installed or fails to start;
   *   CheckpointError for a file onnxruntime cannot load (malformed) or a model that is not the
   *   FASR score network for this config (foreign).
   */
  static async create(model: Uint8Array | string, config: NcsnppConfig, engineConfig: unknown = {}): Promise<OnnxSrEngine> {
    const ec = parseOnnxEngineConfig(engineConfig);
    const where = typeof model === 'string' ? model : 'ONNX model (in memory)';
    if (typeof model === 'string') {
      if (!fs.existsSync(model)) throw new InputError(`ONNX model: no such file ${model}`, { path: model, reason: 'missing' });
    } else if (!(model instanceof Uint8Array) || model.byteLength === 0) {
      throw new InputError('ONNX model: expected the non-empty bytes of an .onnx file or a path', { reason: 'empty' });
    }
    if (ec.executionProvider === 'cuda' && process.platform === 'linux' && !fs.existsSync(path.join(ortBinaryDir(), 'libonnxruntime_providers_cuda.so'))) {
      throw new BackendError(`ONNX engine: the CUDA execution provider is not installed (no libonnxruntime_providers_cuda.so in ${ortBinaryDir()}); ${CUDA_INSTALL_HINT}`, {
        provider: 'cuda',
      });
    }
    const options = {
      executionProviders: ec.executionProvider === 'cuda' ? [{ name: 'cuda', deviceId: ec.cudaDeviceId }] : ['cpu'],
      graphOptimizationLevel: ec.graphOptimization,
      intraOpNumThreads: resolveIntraOpThreads(ec),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
    };
    let session: OrtWorkerSession;
    try {
      session = await OrtWorkerSession.create(model, options);
    } catch (err) {
      const reason = err instanceof BackendError && typeof err.context.reason === 'string' ? err.context.reason : err instanceof Error ? err.message : String(err);
      if (ec.executionProvider === 'cuda' && /cuda|provider|shared library/i.test(reason)) {
        throw new BackendError(`ONNX engine: the CUDA execution provider failed to start (${reason}); ${CUDA_INSTALL_HINT}`, { provider: 'cuda', reason });
      }
      throw new CheckpointError(`${where}: onnxruntime cannot load this ONNX model (${reason})`, { path: where, reason });
    }
    try {
      checkGraphSignature(where, config, session.inputs, session.outputs);
    } catch (err) {
      await session.release();
      throw err;
    }
    return new OnnxSrEngine(config, ec, session);
  }

  forward(xNHWC: tf.Tensor4D, yNHWC: tf.Tensor4D, sigmas: tf.Tensor1D, feat: tf.Tensor2D): tf.Tensor4D {
    if (this.disposed) throw new InputError('ONNX SR engine used after dispose()');
    this.checkInputs(xNHWC, yNHWC, sigmas, feat);
    const t0 = performance.now();
    const b = xNHWC.shape[0];
    const s = this.config.imageSize;
    // dataSync may return the backend's own storage (cpu backend) or a view into a larger buffer:
    // copy each input into its own compact array, which is then moved (not cloned) to the worker.
    const host = (t: tf.Tensor): Float32Array => Float32Array.from(t.dataSync() as Float32Array);
    const result = this.session.runSync(
      [
        { name: 'xNHWC', data: host(xNHWC), dims: [b, s, s, 3] },
        { name: 'yNHWC', data: host(yNHWC), dims: [b, s, s, 3] },
        { name: 'sigmas', data: host(sigmas), dims: [b] },
        { name: 'feat', data: host(feat), dims: [b, this.config.featDim] },
      ],
      NCSNPP_ONNX_IO.output,
    );
    const [ob, oh, ow, oc] = result.dims;
    if (result.dims.length !== 4 || ob !== b || oh !== s || ow !== s || oc !== 3) {
      throw new BackendError(`ONNX engine: output ${NCSNPP_ONNX_IO.output} has shape ${shapeText(result.dims)}, expected [${b},${s},${s},3]`);
    }
    const out = tf.tensor4d(result.data, [b, s, s, 3], 'float32');
    this.calls++;
    this.networkMs += result.runMs;
    this.totalMs += performance.now() - t0;
    return out;
  }

  timing(): SrEngineTiming {
    return { calls: this.calls, totalMs: this.totalMs, networkMs: this.networkMs };
  }

  resetTiming(): void {
    this.calls = 0;
    this.totalMs = 0;
    this.networkMs = 0;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }

  private checkInputs(x: tf.Tensor, y: tf.Tensor, sigmas: tf.Tensor, feat: tf.Tensor): void {
    const s = this.config.imageSize;
    const where = 'ONNX SR engine forward';
    for (const [name, t] of [['xNHWC', x], ['yNHWC', y]] as const) {
      if (t.rank !== 4 || t.shape[1] !== s || t.shape[2] !== s || t.shape[3] !== 3 || (t.shape[0] ?? 0) < 1) {
        throw new InputError(`${where}: ${name} must be [B,${s},${s},3] NHWC with B >= 1, received ${shapeText(t.shape)}`, { option: name });
      }
    }
    const b = x.shape[0] ?? 0;
    if (y.shape[0] !== b) throw new InputError(`${where}: yNHWC batch ${String(y.shape[0])} differs from xNHWC batch ${b}`, { option: 'yNHWC' });
    if (sigmas.rank !== 1 || sigmas.shape[0] !== b) throw new InputError(`${where}: sigmas must be [${b}], received ${shapeText(sigmas.shape)}`, { option: 'sigmas' });
    if (feat.rank !== 2 || feat.shape[0] !== b || feat.shape[1] !== this.config.featDim) {
      throw new InputError(`${where}: feat must be [${b},${this.config.featDim}], received ${shapeText(feat.shape)}`, { option: 'feat' });
    }
    for (const [name, t] of [['xNHWC', x], ['yNHWC', y], ['sigmas', sigmas], ['feat', feat]] as const) {
      if (t.dtype !== 'float32') throw new InputError(`${where}: ${name} must be float32, received ${t.dtype}`, { option: name });
    }
  }
}
