import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError, InputError } from '../../contracts';
import { createFaceEmbedder } from '../../fuse';
import { degradeLikeAuthors, floatToUint8, readImageRgb, uint8ToFloat } from '../../image';
import { createHumanFaceDetector } from '../../track';
import { formatNpy } from '../checkpoint';
import { formatConfigIssues } from '../model-config';
import { alignTrainingFace } from './align-training-face';
import { flipHorizontalHWC } from './flip-horizontal';
import { TrainRandom } from './train-random';
import type { SkippedFace, TrainingDataManifest } from './training-data';
import { TRAINING_DATA_FILES, TRAINING_DATA_FORMAT, TRAINING_DATA_VERSION, readTrainingDataManifest } from './training-data';

/** Configuration of {@link prepareTrainingData}. */
export interface PrepareDataConfig {
  /** Folder of face images (jpg, jpeg, png, webp; not recursive), read in file-name order. Required. */
  readonly sourceDir: string;
  /** Output folder (created); holds dataset.json and the .npy arrays. Required. */
  readonly outDir: string;
  /** HR side in pixels (the model's imageSize). Integer >= 8. Default 128. */
  readonly hrSizePx: number;
  /** LR factor of degradeLikeAuthors (paper 8); must divide hrSizePx. Default 8. */
  readonly lrScale: number;
  /** alignFace quadScale; must match the pipeline's (process config `align.quadScale`). Default 1. */
  readonly quadScale: number;
  /** Embedder name (createFaceEmbedder); its descriptor conditions the model. Default 'faceres'. */
  readonly embedder: string;
  /** Embedder config passed to createFaceEmbedder. Default {}. */
  readonly embedderConfig: Readonly<Record<string, unknown>>;
  /** Face detector config passed to createHumanFaceDetector. Default {}. */
  readonly detectorConfig: Readonly<Record<string, unknown>>;
  /**
   * Grey border added on every side before detection, as a fraction of the image's larger side
   * (landmarks are mapped back; the alignment reads the original image). Already cropped faces
   * (UTKFace 200x200) fill the frame, where the detector misses some. In [0, 2]. Default 0.25.
   */
  readonly detectPadFraction: number;
  /** Share of the kept faces held out for validation, in [0, 1). Default 0.05. */
  readonly validationFraction: number;
  /** Seed of the split permutation. Integer >= 0. Default 0. */
  readonly splitSeed: number;
  /** Use only the first `limit` images (file-name order); null = all. Default null. */
  readonly limit: number | null;
  /** Descriptors computed per embed call. Integer >= 1. Default 16. */
  readonly embedBatch: number;
}

const schema = z
  .object({
    sourceDir: z.string().min(1),
    outDir: z.string().min(1),
    hrSizePx: z.number().int().min(8).default(128),
    lrScale: z.number().int().min(1).default(8),
    quadScale: z.number().finite().min(0.25).max(4).default(1),
    embedder: z.string().min(1).default('faceres'),
    embedderConfig: z.record(z.string(), z.unknown()).default({}),
    detectorConfig: z.record(z.string(), z.unknown()).default({}),
    detectPadFraction: z.number().min(0).max(2).default(0.25),
    validationFraction: z.number().min(0).lt(1, 'expected a number in [0, 1)').default(0.05),
    splitSeed: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).nullable().default(null),
    embedBatch: z.number().int().min(1).default(16),
  })
  .strict();

/**
 * Validates a {@link PrepareDataConfig} (strict keys) and fills defaults.
 * @throws ConfigError listing every problem.
 */
export function parsePrepareDataConfig(input: unknown): PrepareDataConfig {
  const res = schema.safeParse(input);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, input, Object.keys(schema.shape));
    throw new ConfigError(`invalid data preparation config: ${lines.join('; ')}`, { issues: lines });
  }
  if (res.data.hrSizePx % res.data.lrScale !== 0) {
    throw new ConfigError(`invalid data preparation config: lrScale: expected a divisor of hrSizePx ${res.data.hrSizePx}, received ${res.data.lrScale}`);
  }
  return Object.freeze(res.data);
}

/** Progress of {@link prepareTrainingData}. */
export interface PrepareDataProgress {
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
}

/** What {@link prepareTrainingData} did. */
export interface PreparedTrainingData {
  readonly manifest: TrainingDataManifest;
  /** True when an existing dataset with the same inputs hash was kept instead of recomputed. */
  readonly reused: boolean;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

function listImages(dir: string, limit: number | null): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new InputError(`prepareTrainingData: cannot read folder ${dir}: ${(err as Error).message}`, { path: dir, reason: 'unreadable' });
  }
  const images = names.filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  if (images.length === 0) throw new InputError(`prepareTrainingData: no images (${[...IMAGE_EXTENSIONS].join(', ')}) in ${dir}`, { path: dir, reason: 'empty' });
  return limit === null ? images : images.slice(0, limit);
}

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/**
 * Builds the training set of the SR model from a folder of face images (issue 10): each image
 * goes through the project's face detector (highest-scoring face, on the image framed by a grey
 * border so that tightly cropped faces are found), the canonical FFHQ alignment
 * (`alignFace`, hrSizePx, quadScale) → HR uint8; LR = `degradeLikeAuthors(HR)` quantised to uint8
 * (exactly the model's conditioning y, already upsampled back to hrSizePx); descriptors of the HR
 * face and of its mirror image with the configured embedder. Images without a detected face are
 * listed in the manifest's `skipped` with the reason, never silently dropped. The split is a
 * seeded permutation of the kept faces (file-name order): its first round(f·N) are validation.
 *
 * Everything is cached in `outDir` (dataset.json + hr/lr/features/features-flipped .npy); a later
 * call whose settings and input files hash the same returns the existing set without recomputing.
 * Files are written atomically (temp + rename), the manifest last.
 *
 * @throws ConfigError for a bad config; InputError for an unreadable folder or image.
 */
export async function prepareTrainingData(input: unknown, onProgress?: (p: PrepareDataProgress) => void): Promise<PreparedTrainingData> {
  const c = parsePrepareDataConfig(input);
  const files = listImages(c.sourceDir, c.limit);
  const hash = createHash('sha256');
  const settings = { hrSizePx: c.hrSizePx, lrScale: c.lrScale, quadScale: c.quadScale, embedder: c.embedder, embedderConfig: c.embedderConfig, detectorConfig: c.detectorConfig, detectPadFraction: c.detectPadFraction, validationFraction: c.validationFraction, splitSeed: c.splitSeed, version: TRAINING_DATA_VERSION };
  hash.update(JSON.stringify(settings));
  for (const f of files) {
    const b = fs.readFileSync(path.join(c.sourceDir, f));
    hash.update(f).update('\0').update(String(b.length)).update('\0').update(b);
  }
  const inputsHash = hash.digest('hex');
  if (fs.existsSync(path.join(c.outDir, TRAINING_DATA_FILES.manifest))) {
    const existing = readTrainingDataManifest(c.outDir);
    if (existing.inputsHash === inputsHash) return { manifest: existing, reused: true };
  }
  fs.mkdirSync(c.outDir, { recursive: true });

  const detector = await createHumanFaceDetector(c.detectorConfig);
  const embedder = await createFaceEmbedder(c.embedder, c.embedderConfig);
  const s = c.hrSizePx;
  const kept: string[] = [];
  const skipped: SkippedFace[] = [];
  const hrRows: Uint8Array[] = [];
  const lrRows: Uint8Array[] = [];
  const features: Float32Array[] = [];
  const featuresFlipped: Float32Array[] = [];
  let pending: Uint8Array[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const crops = pending.flatMap((rgb) => [
      { width: s, height: s, rgb },
      { width: s, height: s, rgb: flipHorizontalHWC(rgb, s, s, 3) },
    ]);
    const out = await embedder.embed(crops);
    for (let i = 0; i < pending.length; i++) {
      features.push(out[2 * i] as Float32Array);
      featuresFlipped.push(out[2 * i + 1] as Float32Array);
    }
    pending = [];
  };
  try {
    for (let i = 0; i < files.length; i++) {
      const file = files[i] as string;
      const image = await readImageRgb(path.join(c.sourceDir, file));
      const aligned = await alignTrainingFace(detector, image, i, { sizePx: s, quadScale: c.quadScale, padFraction: c.detectPadFraction });
      if (!('rgb' in aligned)) {
        skipped.push({ file, reason: aligned.skipped });
      } else {
        const hr = aligned.rgb;
        kept.push(file);
        hrRows.push(hr);
        // Eq. of the authors' datasets.py: LR = bicubic_up(antialiased_bilinear_down(HR)), quantised once.
        lrRows.push(floatToUint8(degradeLikeAuthors(uint8ToFloat(hr), s, { scale: c.lrScale })));
        pending.push(hr);
        if (pending.length >= c.embedBatch) await flush();
      }
      onProgress?.({ done: i + 1, total: files.length, skipped: skipped.length });
    }
    await flush();
  } finally {
    await detector.close();
    await embedder.close();
  }
  const n = kept.length;
  if (n === 0) throw new InputError(`prepareTrainingData: no face was detected in any of the ${files.length} images of ${c.sourceDir}`, { path: c.sourceDir, reason: 'no faces' });
  const dim = features[0]?.length ?? 0;
  const concat = <T extends Uint8Array | Float32Array>(rows: T[], make: (len: number) => T, rowLen: number): T => {
    const out = make(rows.length * rowLen);
    rows.forEach((r, i) => out.set(r, i * rowLen));
    return out;
  };
  const perm = new TrainRandom(c.splitSeed).permutation(n, 0);
  const nVal = Math.round(c.validationFraction * n);
  const validation = [...perm.subarray(0, nVal)].sort((a, b) => a - b);
  const valSet = new Set(validation);
  const train = [...Array(n).keys()].filter((i) => !valSet.has(i));
  writeAtomic(path.join(c.outDir, TRAINING_DATA_FILES.hr), formatNpy({ dtype: 'uint8', shape: [n, s, s, 3], data: concat(hrRows, (l) => new Uint8Array(l), s * s * 3) }));
  writeAtomic(path.join(c.outDir, TRAINING_DATA_FILES.lr), formatNpy({ dtype: 'uint8', shape: [n, s, s, 3], data: concat(lrRows, (l) => new Uint8Array(l), s * s * 3) }));
  writeAtomic(path.join(c.outDir, TRAINING_DATA_FILES.features), formatNpy({ dtype: 'float32', shape: [n, dim], data: concat(features, (l) => new Float32Array(l), dim) }));
  writeAtomic(
    path.join(c.outDir, TRAINING_DATA_FILES.featuresFlipped),
    formatNpy({ dtype: 'float32', shape: [n, dim], data: concat(featuresFlipped, (l) => new Float32Array(l), dim) }),
  );
  const manifest: TrainingDataManifest = {
    format: TRAINING_DATA_FORMAT,
    version: TRAINING_DATA_VERSION,
    sourceDir: c.sourceDir,
    inputsHash,
    hrSizePx: s,
    lrScale: c.lrScale,
    quadScale: c.quadScale,
    embedder: { name: c.embedder, id: embedder.id, dim },
    detectorId: detector.id,
    inputCount: files.length,
    files: kept,
    skipped,
    split: { seed: c.splitSeed, validationFraction: c.validationFraction, train, validation },
    createdAt: new Date().toISOString(),
  };
  writeAtomic(path.join(c.outDir, TRAINING_DATA_FILES.manifest), `${JSON.stringify(manifest, null, 1)}\n`);
  return { manifest, reused: false };
}
