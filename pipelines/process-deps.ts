import type { FaceEmbedder } from '../src/fuse';
import { createFaceEmbedder } from '../src/fuse';
import { resolveFfmpegBinaries, type FfmpegBinaries } from '../src/ingest';
import { initBackend, type BackendInfo } from '../src/runtime';
import { createFaceApiFaceDetector, createHumanFaceDetector, type FaceDetector } from '../src/track';
import type { ProcessConfig, ProcessDetectorConfig } from './process-config';

/** Creates the detector a process config names (its settings already parsed). */
export async function createNamedDetector(config: ProcessDetectorConfig): Promise<FaceDetector> {
  const { name, ...settings } = config;
  return name === 'human' ? createHumanFaceDetector(settings) : createFaceApiFaceDetector(settings);
}

/** What `processSource` runs with: created once per run, passed in, closed by the caller. */
export interface ProcessDeps {
  readonly detector: FaceDetector;
  readonly embedder: FaceEmbedder;
  readonly binaries: FfmpegBinaries;
}

/** {@link ProcessDeps} with the backend they were created on. */
export interface CreatedProcessDeps extends ProcessDeps {
  readonly backend: BackendInfo;
}

/**
 * Initialises the compute backend, resolves ffmpeg/ffprobe and creates the detector and the
 * embedder named in `config`. Close them with {@link closeProcessDeps}.
 * @param backend 'auto' | 'tensorflow' | 'wasm' | 'cpu' (src/runtime/backend).
 * @throws InputError/BackendError for the backend, InputError when ffmpeg is missing,
 *   CheckpointError when a model cannot be read.
 */
export async function createProcessDeps(config: Readonly<ProcessConfig>, backend: string = 'auto'): Promise<CreatedProcessDeps> {
  const backendInfo = await initBackend(backend);
  const binaries = await resolveFfmpegBinaries();
  const detector = await createNamedDetector(config.detector);
  let embedder: FaceEmbedder;
  try {
    embedder = await createFaceEmbedder(config.embedder);
  } catch (err) {
    await detector.close();
    throw err;
  }
  return { detector, embedder, binaries, backend: backendInfo };
}

/** Closes the detector and the embedder (both, even if one fails; the first error is rethrown). */
export async function closeProcessDeps(deps: ProcessDeps): Promise<void> {
  const results = await Promise.allSettled([deps.detector.close(), deps.embedder.close()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
