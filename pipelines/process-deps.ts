import type { FaceEmbedder } from '../src/fuse';
import { createFaceEmbedder, createWorkerFaceEmbedder } from '../src/fuse';
import { resolveFfmpegBinaries, type FfmpegBinaries } from '../src/ingest';
import { initBackend, type BackendInfo } from '../src/runtime';
import { createFaceApiFaceDetector, createHumanFaceDetector, createWorkerFaceDetector, type FaceDetector } from '../src/track';
import type { ProcessConfig, ProcessDetectorConfig } from './process-config';

/** Creates the detector a process config names (its settings already parsed). */
export async function createNamedDetector(config: ProcessDetectorConfig): Promise<FaceDetector> {
  const { name, ...settings } = config;
  return name === 'human' ? createHumanFaceDetector(settings) : createFaceApiFaceDetector(settings);
}

/** What `processSource` runs with: created once per run, passed in, closed by the caller. */
export interface ProcessDeps {
  readonly detector: FaceDetector;
  /** The small-face pass's SSD (config `smallFaces`); absent or null when the pass is off. */
  readonly smallFaceDetector?: FaceDetector | null;
  readonly embedder: FaceEmbedder;
  readonly binaries: FfmpegBinaries;
}

/** {@link ProcessDeps} with the backend they were created on. */
export interface CreatedProcessDeps extends ProcessDeps {
  readonly backend: BackendInfo;
}

/**
 * Initialises the compute backend, resolves ffmpeg/ffprobe and creates the detector, the
 * small-face pass's SSD (when `config.smallFaces.enabled`) and the embedder named in `config` (in
 * its own worker thread when `config.embed.worker`). Close them with {@link closeProcessDeps}.
 * @param backend 'auto' | 'tensorflow' | 'wasm' | 'cpu' (src/runtime/backend).
 * @throws InputError/BackendError for the backend, InputError when ffmpeg is missing,
 *   CheckpointError when a model cannot be read.
 */
export async function createProcessDeps(config: Readonly<ProcessConfig>, backend: string = 'auto'): Promise<CreatedProcessDeps> {
  const backendInfo = await initBackend(backend);
  const binaries = await resolveFfmpegBinaries();
  const detector = await createNamedDetector(config.detector);
  let smallFaceDetector: FaceDetector | null = null;
  let embedder: FaceEmbedder;
  try {
    if (config.smallFaces.enabled) {
      // smallFaces.worker (off by default): the same SSD in its own thread, on this thread's backend (same detections).
      smallFaceDetector = config.smallFaces.worker
        ? await createWorkerFaceDetector('face-api', config.smallFaces.detector, backendInfo.name)
        : await createFaceApiFaceDetector(config.smallFaces.detector);
    }
    // embed.worker: the same embedder in its own thread, on this thread's backend (same vectors).
    embedder = config.embed.worker ? await createWorkerFaceEmbedder(config.embedder, {}, backendInfo.name) : await createFaceEmbedder(config.embedder);
  } catch (err) {
    await Promise.allSettled([detector.close(), smallFaceDetector?.close()]);
    throw err;
  }
  return { detector, smallFaceDetector, embedder, binaries, backend: backendInfo };
}

/**
 * The detection setup's provenance, as runs record it: the main detector's id, and with the
 * small-face pass `+small-faces:` and its SSD's id.
 */
export function detectorProvenance(deps: ProcessDeps): string {
  return deps.smallFaceDetector == null ? deps.detector.id : `${deps.detector.id}+small-faces:${deps.smallFaceDetector.id}`;
}

/** Closes the detectors and the embedder (all, even if one fails; the first error is rethrown). */
export async function closeProcessDeps(deps: ProcessDeps): Promise<void> {
  const results = await Promise.allSettled([deps.detector.close(), deps.smallFaceDetector?.close(), deps.embedder.close()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
