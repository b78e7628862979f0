import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { type FaceCrop, FasrError } from '../../contracts';
import { cropsToTensor } from './crops-to-tensor';
import { parseStrict } from './embedder-config';
import type { FaceEmbedder } from './face-embedder';
import { l2normalise } from '../fusion';

/** Settings of {@link createLbpEmbedder}. */
export interface LbpEmbedderConfig {
  /** Side in pixels the grey crop is resized to before the operator, 32–256. Default 96. */
  readonly sizePx: number;
  /** Cells per side of the histogram grid, 2–16. Default 8. */
  readonly gridSize: number;
}

const schema = z.object({
  sizePx: z.number().int().min(32).max(256).default(96),
  gridSize: z.number().int().min(2).max(16).default(8),
});

/** Bins of the uniform LBP(8,1) code: 58 uniform patterns + 1 for all the others. */
const BINS = 59;

/** Maps each 8-bit LBP code to its bin: uniform codes (≤ 2 bit transitions, circularly) get 0..57, the rest 58. */
function uniformTable(): Uint8Array {
  const table = new Uint8Array(256);
  let next = 0;
  for (let code = 0; code < 256; code++) {
    let transitions = 0;
    for (let b = 0; b < 8; b++) if (((code >> b) & 1) !== ((code >> ((b + 1) % 8)) & 1)) transitions++;
    table[code] = transitions <= 2 ? next++ : BINS - 1;
  }
  return table;
}

/**
 * Local binary pattern histograms (Ahonen, Hadid & Pietikäinen, "Face description with local
 * binary patterns", TPAMI 2006): grey crop, uniform LBP(8,1) codes, one 59-bin histogram per cell
 * of a grid, each normalised and square-rooted (Hellinger map, so cosine ≈ Bhattacharyya), then
 * concatenated and L2-normalised. A model-free, training-free baseline: no weights, deterministic.
 */
export class LbpEmbedder implements FaceEmbedder {
  readonly id: string;
  readonly dim: number;
  readonly inputSizePx: number;
  readonly config: Readonly<LbpEmbedderConfig>;
  #table: Uint8Array | null = uniformTable();

  /** @internal use {@link createLbpEmbedder}. */
  constructor(config: Readonly<LbpEmbedderConfig>) {
    this.config = config;
    this.inputSizePx = config.sizePx;
    this.dim = config.gridSize * config.gridSize * BINS;
    this.id = `lbp-u2-8-1@1;size=${config.sizePx};grid=${config.gridSize}`;
  }

  async embed(crops: readonly FaceCrop[]): Promise<Float32Array[]> {
    const table = this.#table;
    if (table === null) throw new FasrError('E_CLOSED', `${this.id}: embed called after close()`);
    if (crops.length === 0) return [];
    const s = this.config.sizePx;
    const batch = cropsToTensor(crops, s);
    // ITU-R BT.601 luma
    const grey = tf.tidy(() => tf.sum(tf.mul(batch, tf.tensor1d([0.299, 0.587, 0.114])), 3));
    batch.dispose();
    const data = await grey.data();
    grey.dispose();
    return crops.map((_, n) => this.#describe(data.subarray(n * s * s, (n + 1) * s * s), table));
  }

  #describe(img: ArrayLike<number>, table: Uint8Array): Float32Array {
    const s = this.config.sizePx;
    const g = this.config.gridSize;
    const hist = new Float32Array(g * g * BINS);
    const counts = new Float32Array(g * g);
    // Neighbours clockwise from the top-left, radius 1.
    const dy = [-1, -1, -1, 0, 1, 1, 1, 0];
    const dx = [-1, 0, 1, 1, 1, 0, -1, -1];
    const inner = s - 2;
    for (let y = 1; y < s - 1; y++) {
      const cy = Math.min(g - 1, Math.floor(((y - 1) * g) / inner));
      for (let x = 1; x < s - 1; x++) {
        const c = img[y * s + x] as number;
        let code = 0;
        for (let k = 0; k < 8; k++) if ((img[(y + (dy[k] as number)) * s + x + (dx[k] as number)] as number) >= c) code |= 1 << k;
        const cell = cy * g + Math.min(g - 1, Math.floor(((x - 1) * g) / inner));
        hist[cell * BINS + (table[code] as number)] = (hist[cell * BINS + (table[code] as number)] as number) + 1;
        counts[cell] = (counts[cell] as number) + 1;
      }
    }
    for (let i = 0; i < hist.length; i++) hist[i] = Math.sqrt((hist[i] as number) / (counts[Math.floor(i / BINS)] as number));
    return l2normalise(hist);
  }

  async close(): Promise<void> {
    this.#table = null;
  }
}

/** Creates the LBP baseline (nothing to load). @throws ConfigError for a bad config. */
export async function createLbpEmbedder(config: unknown = {}): Promise<LbpEmbedder> {
  return new LbpEmbedder(parseStrict(schema, config, 'LbpEmbedder'));
}
