import * as path from 'node:path';
import { InputError } from '../src/contracts';
import type { Store } from '../src/store';
import { computeSourceResults, type ComputeFigures, type ComputeStats } from './compute-source-results';
import type { ProcessConfig } from './process-config';
import type { ProcessDeps } from './process-deps';
import { registerSource } from './register-source';
import { writeSourceResults } from './write-source-results';

/** Live figures of one source, reported after every analysed frame and once at the end. */
export interface SourceProgress {
  readonly path: string;
  readonly sourceId: number;
  /** Frames analysed so far (after fps sampling). */
  readonly frames: number;
  /** pts of the last analysed frame, ms (stream timeline); null before the first. */
  readonly ptsMs: number | null;
  /** Duration of the source, ms (ffprobe); null when unknown. */
  readonly durationMs: number | null;
  /** Faces detected so far (every detection kept for tracking). */
  readonly faces: number;
  /** Tracks confirmed so far (a track that re-enters counts once). */
  readonly tracks: number;
  readonly elapsedMs: number;
  /** 'frame' after each frame; 'done' when the source is finished (stored or failed). */
  readonly phase: 'frame' | 'done';
}

/** How one source went. */
export interface SourceOutcome {
  /** The path as given. */
  readonly path: string;
  /** The store id; null only when the store itself refused the source. */
  readonly sourceId: number | null;
  /** The source's final status in the store. */
  readonly status: 'done' | 'failed';
  /** Why it failed; null when done. */
  readonly reason: string | null;
  /**
   * Results stored for this source by this call: true when done, and also when the decode hit
   * damage (or ffmpeg failed) after some frames: the tracks from before the error are stored
   * and the source is marked failed with the reason.
   */
  readonly resultsStored: boolean;
  readonly frames: number;
  readonly faces: number;
  /** Tracks stored (0 when nothing was stored). */
  readonly tracks: number;
  /** Detections the detector returned without head angles, dropped (the quality score needs them). */
  readonly droppedNoPose: number;
  /** Detections dropped for degenerate landmarks (cannot be aligned). */
  readonly droppedDegenerate: number;
  /** Video time covered by the analysed frames, ms: last pts − first pts + one analysis interval (0 when no frame). */
  readonly videoMs: number;
  readonly elapsedMs: number;
}

/** Options of {@link processSource}. */
export interface ProcessSourceOptions {
  /** Receives progress after every frame and at the end. Must not throw. */
  readonly onProgress?: (p: SourceProgress) => void;
  /** Store id of the run (store.startRun) the results belong to. */
  readonly runId?: number | null;
  /** Receives where the time went and what the motion gate did, once the frames are analysed (not called when nothing was decoded). Must not throw. */
  readonly onStats?: (stats: ComputeStats) => void;
}

const OPTION_KEYS = ['onProgress', 'runId', 'onStats'];

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function validateArgs(store: Store, filePath: string, config: Readonly<ProcessConfig>, deps: ProcessDeps, opts: ProcessSourceOptions): void {
  if (typeof store !== 'object' || store === null || typeof store.upsertSource !== 'function' || typeof store.replaceSourceResults !== 'function') {
    throw new InputError('processSource: store must be a Store (openStore)', { option: 'store' });
  }
  if (typeof filePath !== 'string' || filePath.trim() === '') {
    throw new InputError(`processSource: path must be a non-empty string, received ${JSON.stringify(filePath)}`, { option: 'path' });
  }
  if (typeof config !== 'object' || config === null || !Object.isFrozen(config) || typeof config.decode !== 'object') {
    throw new InputError('processSource: config must be a parsed ProcessConfig (parseProcessConfig)', { option: 'config' });
  }
  if (
    typeof deps !== 'object' ||
    deps === null ||
    typeof deps.detector?.detect !== 'function' ||
    typeof deps.embedder?.embed !== 'function' ||
    typeof deps.binaries?.ffmpeg?.path !== 'string'
  ) {
    throw new InputError('processSource: deps must hold a detector, an embedder and the ffmpeg binaries (createProcessDeps)', { option: 'deps' });
  }
  if (config.smallFaces.enabled && typeof deps.smallFaceDetector?.detect !== 'function') {
    throw new InputError('processSource: config.smallFaces.enabled is true but deps hold no small-face detector (create the deps from this config: createProcessDeps)', { option: 'deps' });
  }
  if (typeof opts !== 'object' || opts === null) throw new InputError('processSource: options must be an object', { option: 'options' });
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(key)) throw new InputError(`processSource: unknown option "${key}"; valid options: ${OPTION_KEYS.join(', ')}`, { option: key });
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') {
    throw new InputError('processSource: onProgress must be a function', { option: 'onProgress' });
  }
  if (opts.onStats !== undefined && typeof opts.onStats !== 'function') {
    throw new InputError('processSource: onStats must be a function', { option: 'onStats' });
  }
}

/**
 * Footage to stored tracks for one video file: fingerprint (size, mtime, sha256) and probe →
 * upsert and mark the source running → decode at the analysis rate (analysis copy for detection,
 * full resolution for crops; paced by a demand signal so one frame is in the pipeline at a time
 * and memory is bounded whatever the length) → detect → align (FFHQ, model size and native) →
 * quality → embed every detection → track (embeddings as the appearance gate, re-entry) → per
 * finished track: LR_0 by quality, the model's LR_0 (degradeLikeAuthors), F_M → all results in
 * ONE store transaction (`replaceSourceResults`, markDone). Its three steps are exported for the
 * queue (pipelines/queue), where a worker computes and the coordinator registers and writes:
 * registerSource → computeSourceResults → writeSourceResults.
 *
 * Failures are recorded, not thrown (docs/pipeline.md, "Failures"): a missing, empty, unreadable
 * or non-video file fails the source with the reason and stores nothing; damage (or an ffmpeg
 * failure) during the decode keeps the tracks from the frames before it, stores them, and fails
 * the source with the reason; an error in detection, embedding or storing fails the source and
 * leaves its earlier results as they were.
 *
 * @param store an open store; the source is keyed by the absolute path.
 * @param filePath the video file.
 * @param config from parseProcessConfig.
 * @param deps detector, embedder and ffmpeg binaries (createProcessDeps), shared by every source of a run.
 * @throws InputError for invalid arguments (before any side effect); StoreError when the store
 *   refuses to register the source at all.
 */
export async function processSource(
  store: Store,
  filePath: string,
  config: Readonly<ProcessConfig>,
  deps: ProcessDeps,
  opts: ProcessSourceOptions = {},
): Promise<SourceOutcome> {
  validateArgs(store, filePath, config, deps, opts);
  const t0 = Date.now();
  const storePath = path.resolve(filePath);
  const runId = opts.runId ?? null;
  const { source, probe, problem } = await registerSource(store, storePath, filePath, deps.binaries, runId, config.decode.stallTimeoutMs);
  const sourceId = source.id;
  const durationMs = probe?.durationMs ?? source.durationMs;

  let figures: ComputeFigures = { frames: 0, faces: 0, confirmedTracks: 0, droppedNoPose: 0, droppedDegenerate: 0, firstPtsMs: null, lastPtsMs: null };
  const progress = (phase: SourceProgress['phase']): void =>
    opts.onProgress?.({
      path: filePath,
      sourceId,
      frames: figures.frames,
      ptsMs: figures.lastPtsMs,
      durationMs,
      faces: figures.faces,
      tracks: figures.confirmedTracks,
      elapsedMs: Date.now() - t0,
      phase,
    });
  const outcome = (status: 'done' | 'failed', reason: string | null, tracks: number, resultsStored: boolean): SourceOutcome => {
    progress('done');
    const f = figures;
    const interval = 1000 / config.decode.fps;
    const videoMs = f.firstPtsMs === null || f.lastPtsMs === null ? 0 : f.lastPtsMs - f.firstPtsMs + interval;
    return {
      path: filePath,
      sourceId,
      status,
      reason,
      resultsStored,
      frames: f.frames,
      faces: f.faces,
      tracks,
      droppedNoPose: f.droppedNoPose,
      droppedDegenerate: f.droppedDegenerate,
      videoMs,
      elapsedMs: Date.now() - t0,
    };
  };

  if (problem !== null) {
    const reason = messageOf(problem);
    store.markSourceFailed(sourceId, reason);
    return outcome('failed', reason, 0, false);
  }
  // The same two halves a queue worker and its coordinator run (pipelines/queue): compute, then write.
  const computed = await computeSourceResults(filePath, sourceId, config, deps, {
    onFrame: (f) => {
      figures = f;
      progress('frame');
    },
    ...(opts.onStats !== undefined ? { onStats: opts.onStats } : {}),
  });
  figures = computed;
  const w = writeSourceResults(store, sourceId, computed, runId);
  return outcome(w.status, w.reason, w.tracks, w.resultsStored);
}
