/**
 * Writes a small prepared training set without the detector or an embedder (for loop tests):
 * smooth random colour faces-to-be, LR made by degradeLikeAuthors, random unit descriptors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { degradeLikeAuthors, floatToUint8, uint8ToFloat } from '../../../../src/image';
import { formatNpy } from '../../../../src/sr/checkpoint';
import { SeededNoiseSource } from '../../../../src/sr/noise';
import { TRAINING_DATA_FILES } from '../../../../src/sr/train';
import type { TrainingDataManifest } from '../../../../src/sr/train';

export function writeSyntheticDataset(dir: string, opts: { count: number; sizePx: number; featDim: number; validation: number; seed?: number }): TrainingDataManifest {
  const { count: n, sizePx: s, featDim: d } = opts;
  const rng = new SeededNoiseSource(opts.seed ?? 7);
  const hr = new Uint8Array(n * s * s * 3);
  const lr = new Uint8Array(n * s * s * 3);
  for (let i = 0; i < n; i++) {
    const c = rng.uniformArray(9);
    const img = new Float32Array(s * s * 3);
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        for (let ch = 0; ch < 3; ch++) {
          const v = 0.5 + 0.25 * Math.sin((x / s) * 6 * (c[ch] ?? 0) + (c[ch + 3] ?? 0) * 6) * Math.cos((y / s) * 5 * (c[ch + 6] ?? 0));
          img[(y * s + x) * 3 + ch] = v;
        }
      }
    }
    const u8 = floatToUint8(img);
    hr.set(u8, i * s * s * 3);
    lr.set(floatToUint8(degradeLikeAuthors(uint8ToFloat(u8), s, { scale: 2 })), i * s * s * 3);
  }
  const feats = rng.normalArray(n * d);
  const featsFlipped = rng.normalArray(n * d);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, TRAINING_DATA_FILES.hr), formatNpy({ dtype: 'uint8', shape: [n, s, s, 3], data: hr }));
  fs.writeFileSync(path.join(dir, TRAINING_DATA_FILES.lr), formatNpy({ dtype: 'uint8', shape: [n, s, s, 3], data: lr }));
  fs.writeFileSync(path.join(dir, TRAINING_DATA_FILES.features), formatNpy({ dtype: 'float32', shape: [n, d], data: feats }));
  fs.writeFileSync(path.join(dir, TRAINING_DATA_FILES.featuresFlipped), formatNpy({ dtype: 'float32', shape: [n, d], data: featsFlipped }));
  const files = [...Array(n).keys()].map((i) => `face-${i}.png`);
  const manifest: TrainingDataManifest = {
    format: 'fasr-train-data',
    version: 1,
    sourceDir: 'synthetic',
    inputsHash: 'a'.repeat(64),
    hrSizePx: s,
    lrScale: 2,
    quadScale: 1,
    embedder: { name: 'synthetic', id: 'synthetic-random', dim: d },
    detectorId: 'none',
    inputCount: n,
    files,
    skipped: [],
    split: { seed: 0, validationFraction: opts.validation / n, train: [...Array(n - opts.validation).keys()], validation: [...Array(opts.validation).keys()].map((i) => n - opts.validation + i) },
    createdAt: new Date(0).toISOString(),
  };
  fs.writeFileSync(path.join(dir, TRAINING_DATA_FILES.manifest), JSON.stringify(manifest));
  return manifest;
}

/** A very small NCSN++ (8x8, nf 8, two levels, attention at 4x4, featDim 8) for fast loop tests. */
export const MICRO_MODEL = {
  imageSize: 8,
  numChannels: 6,
  nf: 8,
  chMult: [1, 2],
  numResBlocks: 1,
  attnResolutions: [4],
  firKernel: [1, 3, 3, 1],
  fourierScale: 16,
  progressiveInput: 'input_skip',
  progressiveCombine: 'sum',
  skipRescale: true,
  scaleBySigma: true,
  conditional: true,
  centered: false,
  sigmaMin: 0.001,
  sigmaMax: 50,
  numScales: 10,
  featDim: 8,
  dropout: 0,
  initScale: 0,
} as const;
