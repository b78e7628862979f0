import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveFfmpegBinaries, type FfmpegBinaries } from '../ingest';
import { humanModelDir } from '../models-runtime';
import { initBackend, type BackendInfo } from '../runtime';
import { listBundledModels } from '../sr';
import { fasrVersion, installedPackageVersion } from '../runtime';

/** A model file the pipeline can use, and whether it is present. */
export interface ModelFileInfo {
  /** What the model does in fasr. */
  readonly role: string;
  /** Model id (file stem). */
  readonly id: string;
  readonly path: string;
  readonly found: boolean;
  readonly sizeBytes: number | null;
}

/** Everything `fasr info` reports. */
export interface SystemInfo {
  readonly fasrVersion: string;
  readonly node: string;
  readonly platform: string;
  readonly packages: Readonly<Record<string, string | null>>;
  readonly backend: BackendInfo;
  readonly ffmpeg: FfmpegBinaries | { readonly error: string };
  readonly models: readonly ModelFileInfo[];
}

/** Packages whose versions matter for reproducing a result. */
const REPORTED_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@vladmandic/human',
  'better-sqlite3',
  'sharp',
  'fluent-ffmpeg',
  'rxjs',
] as const;

/** Human's models that the pipeline loads (detector, mesh for landmarks and angles, iris, faceres embedder). */
const HUMAN_MODELS: readonly { readonly id: string; readonly role: string }[] = [
  { id: 'blazeface', role: 'face detector (Human)' },
  { id: 'facemesh', role: 'face mesh: landmarks, yaw/pitch/roll (Human)' },
  { id: 'iris', role: 'iris: eye centres (Human)' },
  { id: 'faceres', role: 'face embedder, 1024-d (Human faceres)' },
];

function modelFile(role: string, id: string, file: string): ModelFileInfo {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  return { role, id, path: file, found: stat !== undefined, sizeBytes: stat?.size ?? null };
}

/**
 * Lists the model files fasr knows about: Human's models inside its npm package, and the SR models
 * bundled in the package's `models/` folder as the SR loader finds them (`models/<name>/model.json`
 * with its weights `model.safetensors`; listBundledModels).
 */
export function listModels(modelsDir?: string): ModelFileInfo[] {
  const models = HUMAN_MODELS.map((m) => modelFile(m.role, m.id, path.join(humanModelDir(), `${m.id}.bin`)));
  for (const sidecar of modelsDir === undefined ? listBundledModels() : listBundledModels(modelsDir)) {
    const dir = path.dirname(sidecar);
    models.push(modelFile('SR score model (bundled)', path.basename(dir), path.join(dir, 'model.safetensors')));
  }
  return models;
}

/**
 * Gathers versions, the compute backend (initialising it) and why it was chosen, the ffmpeg and
 * ffprobe in use with their versions, and the models found. An ffmpeg that cannot be found is
 * reported, not thrown: `info` is the command a user runs to find out what is missing.
 */
export async function collectSystemInfo(opts: { readonly backend?: string } = {}): Promise<SystemInfo> {
  const backend = await initBackend(opts.backend ?? 'auto');
  let ffmpeg: SystemInfo['ffmpeg'];
  try {
    ffmpeg = await resolveFfmpegBinaries();
  } catch (err) {
    ffmpeg = { error: err instanceof Error ? err.message : String(err) };
  }
  const packages: Record<string, string | null> = {};
  for (const name of REPORTED_PACKAGES) packages[name] = installedPackageVersion(name);
  return {
    fasrVersion: fasrVersion(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packages,
    backend,
    ffmpeg,
    models: listModels(),
  };
}
