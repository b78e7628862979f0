import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { type FaceCrop, FasrError, CheckpointError } from '../../contracts';
import { fileModelHandler, humanModelDir } from '../../models-runtime';
import { cropsToTensor } from './crops-to-tensor';
import { batchSizeSchema, parseStrict } from './embedder-config';
import type { FaceEmbedder } from './face-embedder';
import { l2normalise } from '../fusion';

/** Settings of {@link createFaceresEmbedder}. */
export interface FaceresEmbedderConfig {
  /** Crops per model call, 1–64. Default 8. */
  readonly batchSize: number;
  /** Folder holding faceres.json/.bin, or null for the one in the @vladmandic/human package. Default null. */
  readonly modelDir: string | null;
}

const schema = z.object({ batchSize: batchSizeSchema, modelDir: z.string().min(1).nullable().default(null) });

/** Output node of faceres holding the 1024-d descriptor (the others are age and gender). */
const DESCRIPTOR_NODE = 'global_pooling/Mean';
const INPUT_SIZE = 224;
const DIM = 1024;

/**
 * Human's `faceres` model (the face description model of @vladmandic/human: a MobileNet-style
 * network with age, gender and a 1024-d descriptor head) run directly on aligned crops: resized to
 * 224x224, values 0..255 as Human feeds it, descriptor L2-normalised.
 */
export class FaceresEmbedder implements FaceEmbedder {
  readonly id: string;
  readonly dim = DIM;
  readonly inputSizePx = INPUT_SIZE;
  readonly config: Readonly<FaceresEmbedderConfig>;
  #model: tf.GraphModel | null;

  /** @internal use {@link createFaceresEmbedder}. */
  constructor(model: tf.GraphModel, config: Readonly<FaceresEmbedderConfig>, version: string) {
    this.#model = model;
    this.config = config;
    this.id = `human-faceres@${version}`;
  }

  async embed(crops: readonly FaceCrop[]): Promise<Float32Array[]> {
    const model = this.#model;
    if (model === null) throw new FasrError('E_CLOSED', `${this.id}: embed called after close()`);
    const out: Float32Array[] = [];
    for (let start = 0; start < crops.length; start += this.config.batchSize) {
      const batch = crops.slice(start, start + this.config.batchSize);
      const input = cropsToTensor(batch, INPUT_SIZE);
      let desc: tf.Tensor;
      try {
        desc = model.execute(input, DESCRIPTOR_NODE) as tf.Tensor;
      } finally {
        input.dispose();
      }
      const data = await desc.data();
      desc.dispose();
      for (let i = 0; i < batch.length; i++) out.push(l2normalise((data as Float32Array).subarray(i * DIM, (i + 1) * DIM)));
    }
    return out;
  }

  async close(): Promise<void> {
    this.#model?.dispose();
    this.#model = null;
  }
}

/**
 * Loads faceres from local files (no network) on the active tfjs backend.
 * @throws ConfigError for a bad config; CheckpointError when the model files are missing or its
 *   descriptor output is not [N, 1024].
 */
export async function createFaceresEmbedder(config: unknown = {}): Promise<FaceresEmbedder> {
  const c = parseStrict(schema, config, 'FaceresEmbedder');
  const dir = c.modelDir ?? humanModelDir();
  const file = path.join(dir, 'faceres.json');
  const model = await tf.loadGraphModel(fileModelHandler(file));
  const probe = tf.zeros([1, INPUT_SIZE, INPUT_SIZE, 3]);
  const out = model.execute(probe, DESCRIPTOR_NODE) as tf.Tensor;
  const shape = out.shape;
  probe.dispose();
  out.dispose();
  if (shape.length !== 2 || shape[1] !== DIM) {
    model.dispose();
    throw new CheckpointError(`${file}: output ${DESCRIPTOR_NODE} has shape [${shape.join(', ')}], expected [N, ${DIM}]`, { path: file, tensor: DESCRIPTOR_NODE, expected: [1, DIM], actual: shape });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = c.modelDir === null ? (require(path.join(dir, '..', 'package.json')) as { version: string }).version : 'local';
  return new FaceresEmbedder(model, c, version);
}
