import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { CheckpointError, type FaceCrop, FasrError } from '../../contracts';
import { readModelArtifacts } from '../../models-runtime';
import { cropsToTensor } from './crops-to-tensor';
import { batchSizeSchema, parseStrict } from './embedder-config';
import type { FaceEmbedder } from './face-embedder';
import { l2normalise } from '../fusion';

/** npm package that ships the weights (model/face_recognition_model*), MIT; the network is dlib's. */
export const FACE_API_PACKAGE = '@vladmandic/face-api';
const MANIFEST = 'face_recognition_model-weights_manifest.json';
const INPUT_SIZE = 150;
const DIM = 128;
/** Mean RGB subtracted before scaling, as face-api does (FaceRecognitionNet.forwardInput). */
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

/** Settings of {@link createDlibResnetEmbedder}. */
export interface DlibResnetEmbedderConfig {
  /** Crops per model call, 1–64. Default 8. */
  readonly batchSize: number;
  /**
   * Folder holding `face_recognition_model-weights_manifest.json` and its `.bin`, or null for
   * `model/` of the installed @vladmandic/face-api package. Default null.
   */
  readonly modelDir: string | null;
}

const schema = z.object({ batchSize: batchSizeSchema, modelDir: z.string().min(1).nullable().default(null) });

const RESIDUAL_LAYERS = [
  ['conv32_1', false],
  ['conv32_2', false],
  ['conv32_3', false],
  ['conv64_down', true],
  ['conv64_1', false],
  ['conv64_2', false],
  ['conv64_3', false],
  ['conv128_down', true],
  ['conv128_1', false],
  ['conv128_2', false],
  ['conv256_down', true],
  ['conv256_1', false],
  ['conv256_2', false],
  ['conv256_down_out', true],
] as const;

/** Every tensor name the network needs: 4 for the stem, 8 per residual layer, the fc matrix (117). */
function expectedNames(): string[] {
  const conv = (p: string) => [`${p}/conv/filters`, `${p}/conv/bias`, `${p}/scale/weights`, `${p}/scale/biases`];
  return [...conv('conv32_down'), ...RESIDUAL_LAYERS.flatMap(([p]) => [...conv(`${p}/conv1`), ...conv(`${p}/conv2`)]), 'fc'];
}

type Weights = Readonly<Record<string, tf.Tensor>>;

function w<R extends tf.Rank>(weights: Weights, name: string): tf.Tensor<R> {
  const t = weights[name];
  if (t === undefined) throw new CheckpointError(`dlib ResNet: tensor ${name} missing`, { tensor: name });
  return t as tf.Tensor<R>;
}

/** conv → +bias → per-channel affine ("scale" layer, dlib's folded batch norm) → optional ReLU. */
function convLayer(x: tf.Tensor4D, weights: Weights, prefix: string, stride: 1 | 2, relu: boolean): tf.Tensor4D {
  let out = tf.conv2d(x, w<tf.Rank.R4>(weights, `${prefix}/conv/filters`), stride, stride === 2 ? 'valid' : 'same');
  out = tf.add(out, w(weights, `${prefix}/conv/bias`));
  out = tf.add(tf.mul(out, w(weights, `${prefix}/scale/weights`)), w(weights, `${prefix}/scale/biases`));
  return (relu ? tf.relu(out) : out) as tf.Tensor4D;
}

function residual(x: tf.Tensor4D, weights: Weights, prefix: string): tf.Tensor4D {
  const out = convLayer(convLayer(x, weights, `${prefix}/conv1`, 1, true), weights, `${prefix}/conv2`, 1, false);
  return tf.relu(tf.add(out, x)) as tf.Tensor4D;
}

/** Strided residual block: the shortcut is a 2x2 average pool, zero-padded in channels (and in space when sizes differ), as face-api's residualDown. */
function residualDown(x: tf.Tensor4D, weights: Weights, prefix: string): tf.Tensor4D {
  let out = convLayer(convLayer(x, weights, `${prefix}/conv1`, 2, true), weights, `${prefix}/conv2`, 1, false);
  let pooled = tf.avgPool(x, 2, 2, 'valid');
  if (pooled.shape[1] !== out.shape[1] || pooled.shape[2] !== out.shape[2]) {
    out = tf.pad(out, [[0, 0], [0, 1], [0, 1], [0, 0]]);
  }
  if (pooled.shape[3] !== out.shape[3]) pooled = tf.concat([pooled, tf.zerosLike(pooled)], 3);
  return tf.relu(tf.add(pooled, out)) as tf.Tensor4D;
}

/**
 * forward pass of dlib's `dlib_face_recognition_resnet_model_v1` (a ResNet-34-like network, 128-d
 * output) as ported to tfjs by face-api.js, re-implemented here over plain tfjs ops so that only
 * the weight files are needed. imgNHWC: [N, 150, 150, 3], values 0..255.
 */
function forward(imgNHWC: tf.Tensor4D, weights: Weights): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.div(tf.sub(imgNHWC, tf.tensor1d([...MEAN_RGB])), 255) as tf.Tensor4D;
    let out = convLayer(x, weights, 'conv32_down', 2, true);
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const [name, down] of RESIDUAL_LAYERS) out = down ? residualDown(out, weights, name) : residual(out, weights, name);
    const pooled = tf.mean(out, [1, 2]) as tf.Tensor2D;
    return tf.matMul(pooled, w<tf.Rank.R2>(weights, 'fc'));
  });
}

/**
 * dlib's face recognition ResNet (128-d; the descriptor of face-api.js and face_recognition) on
 * aligned crops resized to 150x150, L2-normalised. Weights from the @vladmandic/face-api package.
 */
export class DlibResnetEmbedder implements FaceEmbedder {
  readonly id: string;
  readonly dim = DIM;
  readonly inputSizePx = INPUT_SIZE;
  readonly config: Readonly<DlibResnetEmbedderConfig>;
  #weights: Weights | null;

  /** @internal use {@link createDlibResnetEmbedder}. */
  constructor(weights: Weights, config: Readonly<DlibResnetEmbedderConfig>, version: string) {
    this.#weights = weights;
    this.config = config;
    this.id = `dlib-resnet34-face-api@${version}`;
  }

  async embed(crops: readonly FaceCrop[]): Promise<Float32Array[]> {
    const weights = this.#weights;
    if (weights === null) throw new FasrError('E_CLOSED', `${this.id}: embed called after close()`);
    const out: Float32Array[] = [];
    for (let start = 0; start < crops.length; start += this.config.batchSize) {
      const batch = crops.slice(start, start + this.config.batchSize);
      const input = cropsToTensor(batch, INPUT_SIZE);
      const desc = forward(input, weights);
      input.dispose();
      const data = await desc.data();
      desc.dispose();
      for (let i = 0; i < batch.length; i++) out.push(l2normalise((data as Float32Array).subarray(i * DIM, (i + 1) * DIM)));
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#weights !== null) tf.dispose(Object.values(this.#weights));
    this.#weights = null;
  }
}

/** Folder of the installed face-api package's models, or null when the package is not installed. */
export function faceApiModelDir(): string | null {
  try {
    return path.dirname(require.resolve(`${FACE_API_PACKAGE}/model/${MANIFEST}`));
  } catch {
    return null;
  }
}

/**
 * Loads the weights strictly (every one of the 117 tensors, no extra, 4-D filters, fc [256, 128]).
 * @throws ConfigError for a bad config; CheckpointError when the files are absent (naming the npm
 *   package to install) or do not match the network.
 */
export async function createDlibResnetEmbedder(config: unknown = {}): Promise<DlibResnetEmbedder> {
  const c = parseStrict(schema, config, 'DlibResnetEmbedder');
  const dir = c.modelDir ?? faceApiModelDir();
  if (dir === null) {
    throw new CheckpointError(`dlib ResNet weights not found: install the npm package ${FACE_API_PACKAGE} (its model/ folder ships ${MANIFEST}) or set modelDir`, {
      path: `${FACE_API_PACKAGE}/model/${MANIFEST}`,
    });
  }
  const file = path.join(dir, MANIFEST);
  const artifacts = readModelArtifacts(file);
  const specs = artifacts.weightSpecs ?? [];
  const expected = expectedNames();
  const names = specs.map((s) => s.name);
  const missing = expected.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new CheckpointError(`${file}: tensors do not match dlib ResNet (missing: ${missing.join(', ') || 'none'}; extra: ${extra.join(', ') || 'none'})`, { path: file, expected: missing, actual: extra });
  }
  for (const s of specs) {
    const rank = s.name === 'fc' ? 2 : s.name.endsWith('/filters') ? 4 : 1;
    const fcOk = s.name !== 'fc' || (s.shape[0] === 256 && s.shape[1] === DIM);
    if (s.shape.length !== rank || !fcOk) {
      throw new CheckpointError(`${file}: tensor ${s.name} has shape [${s.shape.join(', ')}], expected rank ${rank}${s.name === 'fc' ? ` [256, ${DIM}]` : ''}`, {
        path: file,
        tensor: s.name,
        actual: s.shape,
      });
    }
  }
  const weights = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, specs);
  const pkgJson = path.join(dir, '..', 'package.json');
  const version = fs.existsSync(pkgJson) ? (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version?: string }).version ?? 'local' : 'local';
  return new DlibResnetEmbedder(weights, c, version);
}
