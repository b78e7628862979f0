import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { InputError } from '../../contracts';
import { readNpy } from '../checkpoint';

/** Format tag of `dataset.json`. */
export const TRAINING_DATA_FORMAT = 'fasr-train-data';
export const TRAINING_DATA_VERSION = 1;

/** A face that was not used, and why. */
export interface SkippedFace {
  readonly file: string;
  readonly reason: string;
}

/** `dataset.json` of a prepared training set (what {@link prepareTrainingData} wrote). */
export interface TrainingDataManifest {
  readonly format: typeof TRAINING_DATA_FORMAT;
  readonly version: typeof TRAINING_DATA_VERSION;
  /** Folder the images were read from (as given). */
  readonly sourceDir: string;
  /** sha256 over the preparation settings and every input file's name and bytes. */
  readonly inputsHash: string;
  /** Side of the HR (and bicubic-upsampled LR) images in pixels. */
  readonly hrSizePx: number;
  /** LR downsampling factor of `degradeLikeAuthors`. */
  readonly lrScale: number;
  /** `alignFace` quadScale used (1 = FFHQ framing, the pipeline default). */
  readonly quadScale: number;
  /** Embedder provenance (`FaceEmbedder.id`) and descriptor length. */
  readonly embedder: { readonly name: string; readonly id: string; readonly dim: number };
  /** Detector provenance (`FaceDetector.id`). */
  readonly detectorId: string;
  /** Images read. */
  readonly inputCount: number;
  /** Kept faces, in `files` order = row order of the arrays. */
  readonly files: readonly string[];
  /** Images with no usable face (not in the arrays). */
  readonly skipped: readonly SkippedFace[];
  /** Deterministic split: row indices, each list ascending. */
  readonly split: { readonly seed: number; readonly validationFraction: number; readonly train: readonly number[]; readonly validation: readonly number[] };
  readonly createdAt: string;
}

const manifestSchema = z
  .object({
    format: z.literal(TRAINING_DATA_FORMAT),
    version: z.literal(TRAINING_DATA_VERSION),
    sourceDir: z.string(),
    inputsHash: z.string().regex(/^[0-9a-f]{64}$/),
    hrSizePx: z.number().int().positive(),
    lrScale: z.number().int().positive(),
    quadScale: z.number().positive(),
    embedder: z.object({ name: z.string(), id: z.string(), dim: z.number().int().positive() }).strict(),
    detectorId: z.string(),
    inputCount: z.number().int().nonnegative(),
    files: z.array(z.string()),
    skipped: z.array(z.object({ file: z.string(), reason: z.string() }).strict()),
    split: z
      .object({
        seed: z.number().int().nonnegative(),
        validationFraction: z.number().min(0).lt(1),
        train: z.array(z.number().int().nonnegative()),
        validation: z.array(z.number().int().nonnegative()),
      })
      .strict(),
    createdAt: z.string(),
  })
  .strict();

/** A prepared training set in memory. */
export interface TrainingData {
  readonly manifest: TrainingDataManifest;
  /** HR faces, uint8 [N, S, S, 3] row-major (S = hrSizePx). */
  readonly hr: Uint8Array;
  /** LR conditioning (degraded and bicubic-upsampled back to S), uint8 [N, S, S, 3]. */
  readonly lr: Uint8Array;
  /** Descriptors of the HR faces, float32 [N, D]. */
  readonly features: Float32Array;
  /** Descriptors of the horizontally flipped HR faces, float32 [N, D]. */
  readonly featuresFlipped: Float32Array;
}

/** File names inside a prepared dataset folder. */
export const TRAINING_DATA_FILES = Object.freeze({
  manifest: 'dataset.json',
  hr: 'hr.npy',
  lr: 'lr.npy',
  features: 'features.npy',
  featuresFlipped: 'features-flipped.npy',
} as const);

/** Reads and validates `dataset.json` only. @throws InputError when missing or malformed. */
export function readTrainingDataManifest(dir: string): TrainingDataManifest {
  const file = path.join(dir, TRAINING_DATA_FILES.manifest);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`training data: cannot read ${file}: ${(err as Error).message}`, { path: file, reason: 'unreadable' });
  }
  const res = manifestSchema.safeParse(raw);
  if (!res.success) {
    const first = res.error.issues[0];
    throw new InputError(`training data: ${file} is not a valid ${TRAINING_DATA_FORMAT} manifest (${first?.path.join('.') ?? ''}: ${first?.message ?? ''})`, {
      path: file,
      reason: 'invalid manifest',
    });
  }
  return res.data as TrainingDataManifest;
}

/**
 * Loads a prepared training set (see {@link prepareTrainingData}) and checks that the arrays
 * agree with the manifest.
 * @throws InputError for a missing or inconsistent file.
 */
export function loadTrainingData(dir: string): TrainingData {
  const manifest = readTrainingDataManifest(dir);
  const n = manifest.files.length;
  const s = manifest.hrSizePx;
  const d = manifest.embedder.dim;
  const load = (name: string, dtype: string, shape: number[]): Uint8Array | Float32Array => {
    const file = path.join(dir, name);
    let t;
    try {
      t = readNpy(file);
    } catch (err) {
      throw new InputError(`training data: cannot read ${file}: ${(err as Error).message}`, { path: file, reason: 'unreadable' });
    }
    if (t.dtype !== dtype || t.shape.join(',') !== shape.join(',')) {
      throw new InputError(`training data: ${file} is ${t.dtype} [${t.shape.join(',')}], expected ${dtype} [${shape.join(',')}]`, { path: file, reason: 'shape' });
    }
    return t.data as Uint8Array | Float32Array;
  };
  const hr = load(TRAINING_DATA_FILES.hr, 'uint8', [n, s, s, 3]) as Uint8Array;
  const lr = load(TRAINING_DATA_FILES.lr, 'uint8', [n, s, s, 3]) as Uint8Array;
  const features = load(TRAINING_DATA_FILES.features, 'float32', [n, d]) as Float32Array;
  const featuresFlipped = load(TRAINING_DATA_FILES.featuresFlipped, 'float32', [n, d]) as Float32Array;
  const all = [...manifest.split.train, ...manifest.split.validation];
  if (all.length !== n || new Set(all).size !== n || all.some((i) => i >= n)) {
    throw new InputError(`training data: the split of ${dir} does not partition its ${n} faces`, { path: dir, reason: 'split' });
  }
  return { manifest, hr, lr, features, featuresFlipped };
}
