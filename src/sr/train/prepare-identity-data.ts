import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError, InputError } from '../../contracts';
import { createFaceEmbedder } from '../../fuse';
import { CCTV_DEGRADATION_RANGES, degradeLikeCctv, drawCctvDegradation, readImageRgb, uint8ToFloat, upsampleLrFace } from '../../image';
import { processAlive } from '../../runtime';
import { createHumanFaceDetector } from '../../track';
import { formatNpy, parseNpy } from '../checkpoint';
import { formatConfigIssues } from '../model-config';
import { alignTrainingFace } from './align-training-face';
import { TrainRandom, boxMullerNormal } from './train-random';
import type { SkippedFace } from './training-data';

/**
 * Identity training data (issue 16): aligned HR faces with an identity label and, per face, K
 * descriptors of CCTV-like degraded, jittered copies, so that F_M in training is what inference
 * has — a fusion of low-quality crops — never the target's own HR descriptor.
 * - a folder with `labels.csv` (`file,identity`, e.g. celeba-train-ids): F_M of a face fuses
 *   copies of *other* photos of the same person;
 * - a folder without labels (UTKFace): every face is its own identity; F_M fuses several
 *   differently degraded copies of the face.
 */
export const IDENTITY_DATA_FORMAT = 'fasr-identity-data';
export const IDENTITY_DATA_VERSION = 1;
export const IDENTITY_DATA_FILES = Object.freeze({ manifest: 'dataset.json', hr: 'hr.npy', identity: 'identity.npy', copies: 'cctv-features.npy' });

/** Manifest (`dataset.json`) of an identity data cache. */
export interface IdentityDataManifest {
  readonly format: typeof IDENTITY_DATA_FORMAT;
  readonly version: typeof IDENTITY_DATA_VERSION;
  readonly sourceDir: string;
  readonly labelled: boolean;
  readonly inputsHash: string;
  readonly hrSizePx: number;
  readonly quadScale: number;
  readonly embedder: { readonly name: string; readonly id: string; readonly dim: number };
  readonly detectorId: string;
  /** Degraded copies (descriptors) per face. */
  readonly copies: number;
  readonly files: readonly string[];
  /** Identity names, indexed by identity.npy. */
  readonly identities: readonly string[];
  readonly skipped: readonly SkippedFace[];
  /** Split by identity: faces of a validation identity never train. */
  readonly split: { readonly seed: number; readonly validationFraction: number; readonly train: readonly number[]; readonly validation: readonly number[] };
  readonly createdAt: string;
}

/** A loaded identity data cache. */
export interface IdentityData {
  readonly manifest: IdentityDataManifest;
  /** uint8 [N, s, s, 3]. */
  readonly hr: Uint8Array;
  /** int32 [N]: identity index of each face. */
  readonly identity: Int32Array;
  /** float32 [N, copies, D]: descriptors of the degraded copies (unnormalised embedder output). */
  readonly copyFeatures: Float32Array;
}

const schema = z
  .object({
    sourceDir: z.string().min(1),
    outDir: z.string().min(1),
    labels: z.string().min(1).nullable().default(null),
    hrSizePx: z.number().int().min(8).default(128),
    quadScale: z.number().finite().min(0.25).max(4).default(1),
    embedder: z.string().min(1).default('faceres'),
    embedderConfig: z.record(z.string(), z.unknown()).default({}),
    detectorConfig: z.record(z.string(), z.unknown()).default({}),
    detectPadFraction: z.number().min(0).max(2).default(0.25),
    copies: z.number().int().min(1).max(16).default(3),
    copyLrSide: z.tuple([z.number().int().min(4), z.number().int().min(4)]).default([12, 40]),
    validationFraction: z.number().min(0).lt(1).default(0.05),
    seed: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).nullable().default(null),
    embedBatch: z.number().int().min(1).default(16),
    /** Faces per part written to outDir/parts/ as it is done (a stopped preparation resumes from them). */
    partSize: z.number().int().min(1).default(250),
  })
  .strict();
export type PrepareIdentityDataConfig = z.infer<typeof schema>;

function parseConfig(input: unknown): PrepareIdentityDataConfig {
  const res = schema.safeParse(input);
  if (!res.success) {
    const lines = formatConfigIssues(res.error.issues, input, Object.keys(schema.shape));
    throw new ConfigError(`invalid identity data config: ${lines.join('; ')}`, { issues: lines });
  }
  return Object.freeze(res.data);
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** The (file, identity) list of a source folder, in file-name order. */
function listFaces(c: PrepareIdentityDataConfig): { file: string; identity: string }[] {
  if (c.labels !== null) {
    const csv = path.isAbsolute(c.labels) ? c.labels : path.join(c.sourceDir, c.labels);
    let text: string;
    try {
      text = fs.readFileSync(csv, 'utf8');
    } catch (err) {
      throw new InputError(`identity data: cannot read labels ${csv}: ${(err as Error).message}`, { path: csv, reason: 'unreadable' });
    }
    const rows = text.split(/\r?\n/).filter((l) => l.trim().length > 0).slice(1);
    const out = rows.map((line, i) => {
      const [file, identity] = line.split(',').map((v) => v.trim());
      if (!file || !identity) throw new InputError(`identity data: ${csv} line ${i + 2}: expected "file,identity", received ${JSON.stringify(line)}`, { path: csv, reason: 'malformed' });
      return { file, identity };
    });
    out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    return c.limit === null ? out : out.slice(0, c.limit);
  }
  let names: string[];
  try {
    names = fs.readdirSync(c.sourceDir);
  } catch (err) {
    throw new InputError(`identity data: cannot read folder ${c.sourceDir}: ${(err as Error).message}`, { path: c.sourceDir, reason: 'unreadable' });
  }
  const files = names.filter((n) => IMAGE_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  if (files.length === 0) throw new InputError(`identity data: no images in ${c.sourceDir}`, { path: c.sourceDir, reason: 'empty' });
  return (c.limit === null ? files : files.slice(0, c.limit)).map((file) => ({ file, identity: file }));
}

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/** Reads and checks `dataset.json` of an identity data cache. */
export function readIdentityDataManifest(dir: string): IdentityDataManifest {
  const file = path.join(dir, IDENTITY_DATA_FILES.manifest);
  let m: IdentityDataManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as IdentityDataManifest;
  } catch (err) {
    throw new InputError(`identity data: cannot read ${file}: ${(err as Error).message}`, { path: file, reason: 'unreadable' });
  }
  if (m.format !== IDENTITY_DATA_FORMAT || m.version !== IDENTITY_DATA_VERSION) {
    throw new InputError(`identity data: ${file} is not a ${IDENTITY_DATA_FORMAT} v${IDENTITY_DATA_VERSION} manifest`, { path: file, reason: 'format' });
  }
  return m;
}

/** Loads an identity data cache written by {@link prepareIdentityData}. */
export function loadIdentityData(dir: string): IdentityData {
  const manifest = readIdentityDataManifest(dir);
  const read = (name: string) => parseNpy(fs.readFileSync(path.join(dir, name)));
  const hr = read(IDENTITY_DATA_FILES.hr);
  const identity = read(IDENTITY_DATA_FILES.identity);
  const copies = read(IDENTITY_DATA_FILES.copies);
  const n = manifest.files.length;
  const s = manifest.hrSizePx;
  if (!(hr.data instanceof Uint8Array) || hr.data.length !== n * s * s * 3) throw new InputError(`identity data: ${dir}/hr.npy does not hold ${n} uint8 faces of ${s}x${s}x3`, { path: dir, reason: 'shape' });
  if (!(identity.data instanceof Int32Array) || identity.data.length !== n) throw new InputError(`identity data: ${dir}/identity.npy does not hold ${n} int32 labels`, { path: dir, reason: 'shape' });
  if (!(copies.data instanceof Float32Array) || copies.data.length !== n * manifest.copies * manifest.embedder.dim) {
    throw new InputError(`identity data: ${dir}/cctv-features.npy does not hold ${n}x${manifest.copies}x${manifest.embedder.dim} float32`, { path: dir, reason: 'shape' });
  }
  return { manifest, hr: hr.data, identity: identity.data, copyFeatures: copies.data };
}

/** Progress of {@link prepareIdentityData}. */
export interface PrepareIdentityProgress {
  readonly done: number;
  readonly total: number;
  readonly skipped: number;
}

/** Everything a preparation shares between its parts: the config, the face list, the inputs hash. */
interface Preparation {
  readonly c: PrepareIdentityDataConfig;
  readonly faces: readonly { file: string; identity: string }[];
  readonly inputsHash: string;
  readonly partCount: number;
  readonly partsDir: string;
  readonly partFile: (part: number, what: string) => string;
}

function openPreparation(input: unknown): Preparation {
  const c = parseConfig(input);
  const faces = listFaces(c);
  const hash = createHash('sha256');
  const { sourceDir: _s, outDir: _o, partSize: _p, ...settings } = c; // partSize does not change the result
  hash.update(JSON.stringify({ ...settings, version: IDENTITY_DATA_VERSION }));
  for (const f of faces) {
    const b = fs.readFileSync(path.join(c.sourceDir, f.file));
    hash.update(f.file).update('\0').update(f.identity).update('\0').update(String(b.length)).update('\0').update(b);
  }
  const partsDir = path.join(c.outDir, 'parts');
  return {
    c,
    faces,
    inputsHash: hash.digest('hex'),
    partCount: Math.ceil(faces.length / c.partSize),
    partsDir,
    partFile: (p, what) => path.join(partsDir, `${String(p).padStart(5, '0')}-${what}`),
  };
}

interface PartRows {
  readonly kept: { file: string; identity: string }[];
  readonly skipped: SkippedFace[];
  readonly hrRows: Uint8Array[];
  readonly copyRows: Float32Array[];
}

/** A written part of this preparation (same inputs hash), or null. */
function readPart(prep: Preparation, part: number): PartRows | null {
  const { c, partFile } = prep;
  const metaFile = partFile(part, 'meta.json');
  if (!fs.existsSync(metaFile)) return null;
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as { inputsHash: string; kept: { file: string; identity: string }[]; skipped: SkippedFace[] };
  if (meta.inputsHash !== prep.inputsHash) return null;
  const s = c.hrSizePx;
  const hr = parseNpy(fs.readFileSync(partFile(part, 'hr.npy'))).data as Uint8Array;
  const cp = parseNpy(fs.readFileSync(partFile(part, 'copies.npy'))).data as Float32Array;
  const dim = meta.kept.length === 0 ? 0 : cp.length / (meta.kept.length * c.copies);
  const rows: PartRows = { kept: meta.kept, skipped: meta.skipped, hrRows: [], copyRows: [] };
  meta.kept.forEach((_f, k) => {
    rows.hrRows.push(hr.slice(k * s * s * 3, (k + 1) * s * s * 3));
    for (let j = 0; j < c.copies; j++) rows.copyRows.push(cp.slice((k * c.copies + j) * dim, (k * c.copies + j + 1) * dim));
  });
  return rows;
}

/**
 * Claims part `part` for this process: parts/NNNNN-claim, created exclusively, holds the pid.
 * False while another live process holds it; the claim of a process that is gone (killed, a
 * session's end) is taken over. Two processes on one cache thus never compute the same part.
 */
function claimPart(prep: Preparation, part: number): boolean {
  const file = prep.partFile(part, 'claim');
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let pid: number;
    try {
      pid = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // removed meanwhile: try again
    }
    if (pid === process.pid) return true;
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return false;
    fs.rmSync(file, { force: true });
  }
}

interface PartWorker {
  /** Computes part `part` (detection, alignment, degraded copies, descriptors) and writes it. */
  readonly compute: (part: number, onFace?: (i: number, skippedSoFar: number) => void) => Promise<PartRows>;
  readonly ids: { embedderId: string; detectorId: string };
  readonly close: () => Promise<void>;
}

async function openPartWorker(prep: Preparation): Promise<PartWorker> {
  const { c, faces, partFile } = prep;
  fs.mkdirSync(prep.partsDir, { recursive: true });
  const detector = await createHumanFaceDetector(c.detectorConfig);
  const embedder = await createFaceEmbedder(c.embedder, c.embedderConfig);
  const rnd = new TrainRandom(c.seed);
  const s = c.hrSizePx;
  const ranges = { ...CCTV_DEGRADATION_RANGES, lrSide: c.copyLrSide, jitterShift: 0.025 * s, jitterScale: 0.04 };
  // The draws of face i depend on i alone and descriptors are embedded in batches that start at
  // each part's first face, so a part's content does not depend on which process wrote it or when.
  const compute = async (part: number, onFace?: (i: number, skippedSoFar: number) => void): Promise<PartRows> => {
    const rows: PartRows = { kept: [], skipped: [], hrRows: [], copyRows: [] };
    let pending: { width: number; height: number; rgb: Uint8Array }[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      rows.copyRows.push(...(await embedder.embed(pending)));
      pending = [];
    };
    const start = part * c.partSize;
    const end = Math.min(faces.length, start + c.partSize);
    for (let i = start; i < end; i++) {
      const face = faces[i] as { file: string; identity: string };
      const image = await readImageRgb(path.join(c.sourceDir, face.file));
      const aligned = await alignTrainingFace(detector, image, i, { sizePx: s, quadScale: c.quadScale, padFraction: c.detectPadFraction });
      if (!('rgb' in aligned)) {
        rows.skipped.push({ file: face.file, reason: aligned.skipped });
      } else {
        rows.kept.push(face);
        rows.hrRows.push(aligned.rgb);
        const hrFloat = uint8ToFloat(aligned.rgb);
        for (let k = 0; k < c.copies; k++) {
          let sub = 0;
          const u = (): number => rnd.uniform('validation', i, k * 4096 + sub++);
          const normal = (): number => boxMullerNormal(u);
          const d = drawCctvDegradation(u, ranges);
          const lr = await degradeLikeCctv(hrFloat, s, d, normal);
          const up = upsampleLrFace(lr, d.lrSide, s);
          const rgb = new Uint8Array(up.length);
          for (let j = 0; j < up.length; j++) rgb[j] = Math.min(255, Math.max(0, Math.round((up[j] ?? 0) * 255)));
          pending.push({ width: s, height: s, rgb });
        }
        if (pending.length >= c.embedBatch) await flush();
      }
      onFace?.(i, rows.skipped.length);
    }
    await flush();
    const partHr = new Uint8Array(rows.kept.length * s * s * 3);
    rows.hrRows.forEach((r, k) => partHr.set(r, k * s * s * 3));
    const dim = rows.copyRows[0]?.length ?? 0;
    const cp = new Float32Array(rows.copyRows.length * dim);
    rows.copyRows.forEach((r, k) => cp.set(r, k * dim));
    writeAtomic(partFile(part, 'hr.npy'), formatNpy({ dtype: 'uint8', shape: [rows.kept.length, s, s, 3], data: partHr }));
    writeAtomic(partFile(part, 'copies.npy'), formatNpy({ dtype: 'float32', shape: [rows.kept.length, c.copies, dim], data: cp }));
    writeAtomic(partFile(part, 'meta.json'), JSON.stringify({ inputsHash: prep.inputsHash, kept: rows.kept, skipped: rows.skipped }));
    return rows;
  };
  return {
    compute,
    ids: { embedderId: embedder.id, detectorId: detector.id },
    close: async () => {
      await detector.close();
      await embedder.close();
    },
  };
}

/**
 * A second process for a preparation that another process runs (scripts/prepare-identity-data.ts
 * --from-end): computes the missing parts from the last one backwards and stops at the first part
 * already written or claimed — where the forward run has been — so two processes share the work of
 * one cache on two cores, never computing a part twice (the forward run waits for a part the
 * other has claimed). It never assembles the cache (the forward run does, from all the parts), so the two
 * never race on the cache files. Returns how many parts it wrote.
 * @throws ConfigError for a bad config; InputError for unreadable inputs.
 */
export async function fillIdentityDataPartsFromEnd(input: unknown, onProgress?: (p: PrepareIdentityProgress) => void): Promise<{ written: number }> {
  const prep = openPreparation(input);
  if (fs.existsSync(path.join(prep.c.outDir, IDENTITY_DATA_FILES.manifest)) && readIdentityDataManifest(prep.c.outDir).inputsHash === prep.inputsHash) return { written: 0 };
  const worker = await openPartWorker(prep);
  let written = 0;
  try {
    for (let part = prep.partCount - 1; part >= 0; part--) {
      if (fs.existsSync(prep.partFile(part, 'meta.json')) || !claimPart(prep, part)) break; // the forward run has been here
      await worker.compute(part, (i, sk) => onProgress?.({ done: i + 1, total: prep.faces.length, skipped: sk }));
      written++;
    }
  } finally {
    await worker.close();
  }
  return { written };
}

/**
 * Builds an identity data cache from a folder of face photos: detection + the pipeline's FFHQ
 * alignment (as prepareTrainingData), identity labels, and `copies` descriptors per face of
 * CCTV-like degraded copies (`degradeLikeCctv` with alignment jitter, LR side drawn from
 * `copyLrSide`, brought back to hrSizePx as the pipeline's aligned crops are) — the low-quality
 * crops F_M is fused from in training. Seeded; cached by an inputs hash like prepareTrainingData.
 * Faces are processed in parts of `partSize`, each written to outDir/parts/ when done, so a stopped
 * preparation (a session's end, kill -9) continues where it was, and a second process
 * ({@link fillIdentityDataPartsFromEnd}) may fill parts from the end meanwhile; the result equals
 * an uninterrupted run's.
 * @throws ConfigError for a bad config; InputError for unreadable inputs or no face at all.
 */
export async function prepareIdentityData(input: unknown, onProgress?: (p: PrepareIdentityProgress) => void): Promise<{ manifest: IdentityDataManifest; reused: boolean }> {
  const prep = openPreparation(input);
  const { c, faces, inputsHash } = prep;
  if (fs.existsSync(path.join(c.outDir, IDENTITY_DATA_FILES.manifest))) {
    const existing = readIdentityDataManifest(c.outDir);
    if (existing.inputsHash === inputsHash) return { manifest: existing, reused: true };
  }
  fs.mkdirSync(c.outDir, { recursive: true });
  const worker = await openPartWorker(prep);
  const rnd = new TrainRandom(c.seed);
  const s = c.hrSizePx;
  const kept: { file: string; identity: string }[] = [];
  const skipped: SkippedFace[] = [];
  const hrRows: Uint8Array[] = [];
  const copyRows: Float32Array[] = [];
  try {
    for (let part = 0; part < prep.partCount; part++) {
      const end = Math.min(faces.length, (part + 1) * c.partSize);
      let rows: PartRows | null = null;
      for (;;) {
        rows = readPart(prep, part);
        if (rows !== null) {
          onProgress?.({ done: end, total: faces.length, skipped: skipped.length + rows.skipped.length });
          break;
        }
        if (claimPart(prep, part)) {
          rows = await worker.compute(part, (i, sk) => onProgress?.({ done: i + 1, total: faces.length, skipped: skipped.length + sk }));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000)); // a from-end process is computing it
      }
      kept.push(...rows.kept);
      skipped.push(...rows.skipped);
      hrRows.push(...rows.hrRows);
      copyRows.push(...rows.copyRows);
    }
  } finally {
    await worker.close();
  }
  const n = kept.length;
  if (n === 0) throw new InputError(`identity data: no face was detected in any of the ${faces.length} images of ${c.sourceDir}`, { path: c.sourceDir, reason: 'no faces' });
  const dim = copyRows[0]?.length ?? 0;
  const names = [...new Set(kept.map((f) => f.identity))].sort();
  const index = new Map(names.map((name, k) => [name, k]));
  const identity = Int32Array.from(kept.map((f) => index.get(f.identity) ?? 0));
  const perm = rnd.permutation(names.length, 0);
  const valIds = new Set(perm.subarray(0, Math.round(c.validationFraction * names.length)));
  const validation: number[] = [];
  const train: number[] = [];
  identity.forEach((id, k) => (valIds.has(id) ? validation : train).push(k));
  const hr = new Uint8Array(n * s * s * 3);
  hrRows.forEach((r, k) => hr.set(r, k * s * s * 3));
  const copies = new Float32Array(n * c.copies * dim);
  copyRows.forEach((r, k) => copies.set(r, k * dim));
  writeAtomic(path.join(c.outDir, IDENTITY_DATA_FILES.hr), formatNpy({ dtype: 'uint8', shape: [n, s, s, 3], data: hr }));
  writeAtomic(path.join(c.outDir, IDENTITY_DATA_FILES.identity), formatNpy({ dtype: 'int32', shape: [n], data: identity }));
  writeAtomic(path.join(c.outDir, IDENTITY_DATA_FILES.copies), formatNpy({ dtype: 'float32', shape: [n, c.copies, dim], data: copies }));
  const manifest: IdentityDataManifest = {
    format: IDENTITY_DATA_FORMAT,
    version: IDENTITY_DATA_VERSION,
    sourceDir: c.sourceDir,
    labelled: c.labels !== null,
    inputsHash,
    hrSizePx: s,
    quadScale: c.quadScale,
    embedder: { name: c.embedder, id: worker.ids.embedderId, dim },
    detectorId: worker.ids.detectorId,
    copies: c.copies,
    files: kept.map((f) => f.file),
    identities: names,
    skipped,
    split: { seed: c.seed, validationFraction: c.validationFraction, train, validation },
    createdAt: new Date().toISOString(),
  };
  writeAtomic(path.join(c.outDir, IDENTITY_DATA_FILES.manifest), `${JSON.stringify(manifest, null, 1)}\n`);
  fs.rmSync(prep.partsDir, { recursive: true, force: true });
  return { manifest, reused: false };
}
