import * as path from 'node:path';
import { EMPTY, Subject, catchError, concatMap, type Observable } from 'rxjs';
import { FasrError, InputError } from '../src/contracts';
import { decodeFrames, probeSource, type DecodedFrame, type SourceProbe } from '../src/ingest';
import type { JsonValue, SourceProbeInput, SourceRow, Store, TrackResultInput } from '../src/store';
import { createTracker, type FinishedTrack, type TrackEvent } from '../src/track';
import { analyseFrame, cutNativeCrop, type DetectionCrops, type PipelineDetection } from './analyse-frame';
import { buildTrackResult } from './build-track-result';
import { CropKeeper, type KeptCrops } from './crop-keeper';
import { fileFingerprint, type FileFingerprint } from './file-fingerprint';
import type { ProcessConfig } from './process-config';
import type { ProcessDeps } from './process-deps';

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
}

const OPTION_KEYS = ['onProgress', 'runId'];

function probeInput(probe: SourceProbe): SourceProbeInput {
  return {
    probe: JSON.parse(JSON.stringify(probe)) as JsonValue,
    durationMs: probe.durationMs,
    codec: probe.codecName,
    widthPx: probe.width,
    heightPx: probe.height,
    fps: probe.avgFrameRate ?? probe.realFrameRate,
    rotationDeg: probe.rotationDeg,
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isDamage(err: unknown): boolean {
  return err instanceof InputError && err.context.reason === 'damaged';
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
  if (typeof opts !== 'object' || opts === null) throw new InputError('processSource: options must be an object', { option: 'options' });
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(key)) throw new InputError(`processSource: unknown option "${key}"; valid options: ${OPTION_KEYS.join(', ')}`, { option: key });
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') {
    throw new InputError('processSource: onProgress must be a function', { option: 'onProgress' });
  }
}

/** Registers the source (fingerprint and probe when readable) and marks it running; the first error is returned, not thrown. */
async function registerSource(
  store: Store,
  storePath: string,
  filePath: string,
  deps: ProcessDeps,
  runId: number | null,
): Promise<{ source: SourceRow; probe: SourceProbe | null; problem: unknown }> {
  let fp: FileFingerprint | null = null;
  let probe: SourceProbe | null = null;
  let problem: unknown = null;
  try {
    fp = await fileFingerprint(filePath);
    probe = await probeSource(filePath, deps.binaries);
  } catch (err) {
    problem = err;
  }
  let source: SourceRow;
  const known = store.findSourceByPath(storePath);
  if (fp !== null) {
    source = store.upsertSource({ path: storePath, sizeBytes: fp.sizeBytes, mtimeMs: fp.mtimeMs, sha256: fp.sha256, ...(probe !== null ? { probe: probeInput(probe) } : {}) });
  } else if (known !== undefined) {
    source = known; // cannot read the file now: keep what was recorded of it
  } else {
    // Never readable: the store needs a size and an mtime; 0/0 says "nothing could be read" (docs/pipeline.md).
    source = store.upsertSource({ path: storePath, sizeBytes: 0, mtimeMs: 0, sha256: null });
  }
  source = store.markSourceRunning(source.id, { runId });
  return { source, probe, problem };
}

/**
 * Footage to stored tracks for one video file: fingerprint (size, mtime, sha256) and probe →
 * upsert and mark the source running → decode at the analysis rate (analysis copy for detection,
 * full resolution for crops; paced by a demand signal so one frame is in the pipeline at a time
 * and memory is bounded whatever the length) → detect → align (FFHQ, model size and native) →
 * quality → embed every detection → track (embeddings as the appearance gate, re-entry) → per
 * finished track: LR_0 by quality, the model's LR_0 (degradeLikeAuthors), F_M → all results in
 * ONE store transaction (`replaceSourceResults`, markDone).
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
  const { source, probe, problem } = await registerSource(store, storePath, filePath, deps, runId);
  const sourceId = source.id;
  const durationMs = probe?.durationMs ?? source.durationMs;

  let frames = 0;
  let faces = 0;
  let droppedNoPose = 0;
  let droppedDegenerate = 0;
  let confirmed = 0;
  let firstPtsMs: number | null = null;
  let lastPtsMs: number | null = null;
  const progress = (phase: SourceProgress['phase']): void =>
    opts.onProgress?.({ path: filePath, sourceId, frames, ptsMs: lastPtsMs, durationMs, faces, tracks: confirmed, elapsedMs: Date.now() - t0, phase });
  const outcome = (status: 'done' | 'failed', reason: string | null, tracks: number, resultsStored: boolean): SourceOutcome => {
    progress('done');
    const interval = 1000 / config.decode.fps;
    const videoMs = firstPtsMs === null || lastPtsMs === null ? 0 : lastPtsMs - firstPtsMs + interval;
    return { path: filePath, sourceId, status, reason, resultsStored, frames, faces, tracks, droppedNoPose, droppedDegenerate, videoMs, elapsedMs: Date.now() - t0 };
  };
  const fail = (reason: string): SourceOutcome => {
    store.markSourceFailed(sourceId, reason);
    return outcome('failed', reason, 0, false);
  };

  if (problem !== null) return fail(messageOf(problem));

  const tracker = createTracker<PipelineDetection>(config.tracker);
  const keeper = new CropKeeper<DetectionCrops>(config.retention.cropsPerTrack, config.tracker.minHits + 1);
  const results: TrackResultInput[] = [];
  let nextKey = 0;
  let decodeError: unknown = null;

  const finishTrack = async (t: FinishedTrack<PipelineDetection>): Promise<void> => {
    results.push(await buildTrackResult(t, keeper.take(t.trackKey), sourceId, deps.embedder.id, config));
  };
  const onEvents = async (events: readonly TrackEvent<PipelineDetection>[]): Promise<void> => {
    for (const e of events) {
      if (e.kind === 'confirmed' || e.kind === 'reentered') {
        if (e.kind === 'confirmed') confirmed += 1;
        keeper.claim(e.trackKey, e.detections.map((d) => d.detectionKey));
      } else if (e.kind === 'updated') {
        keeper.claim(e.trackKey, [e.detection.detectionKey]);
      } else if (e.kind === 'finished') {
        await finishTrack(e.track);
      }
    }
  };

  // One frame at a time: the next frame is requested only when this one is tracked and its
  // finished tracks are built, so memory holds ~maxBufferedFrames frames plus the kept crops.
  const demand$ = new Subject<number>();
  const step = async (frame: DecodedFrame): Promise<void> => {
    try {
      const a = await analyseFrame(frame, config, deps, nextKey);
      nextKey += a.detections.length;
      frames += 1;
      faces += a.detections.length;
      droppedNoPose += a.droppedNoPose;
      droppedDegenerate += a.droppedDegenerate;
      firstPtsMs ??= a.ptsMs;
      lastPtsMs = a.ptsMs;
      const events = tracker.update(a.frameIndex, a.ptsMs, a.detections, a.embeddings);
      // Crops are held for this frame's detections unless their confirmed track would drop them at
      // once (not among its K best); only those get the costly native crop, cut while the frame is here.
      const trackOf = new Map<number, number>();
      for (const e of events) if (e.kind === 'updated') trackOf.set(e.detection.detectionKey, e.trackKey);
      const entries: KeptCrops<DetectionCrops>[] = [];
      a.detections.forEach((det, i) => {
        const aligned = a.aligned[i];
        if (aligned === undefined) throw new FasrError('E_PIPELINE', `frame ${a.frameIndex}: detection ${i} has no aligned crop`);
        const trackKey = trackOf.get(det.detectionKey);
        if (trackKey !== undefined && !keeper.wouldKeep(trackKey, det.quality)) return;
        entries.push({ detectionKey: det.detectionKey, frameIndex: a.frameIndex, quality: det.quality, crops: { aligned, native: cutNativeCrop(frame, det, config) } });
      });
      keeper.addFrame(a.frameIndex, entries);
      await onEvents(events);
      progress('frame');
    } finally {
      demand$.next(1);
    }
  };
  const d = config.decode;
  const frames$: Observable<DecodedFrame> = decodeFrames(
    filePath,
    {
      sourceId,
      fps: d.fps,
      startMs: d.startMs,
      ...(d.durationMs !== null ? { durationMs: d.durationMs } : {}),
      ...(d.analysisMaxWidth !== null ? { analysisMaxWidth: d.analysisMaxWidth } : {}),
      maxBufferedFrames: d.maxBufferedFrames,
      onDamage: d.onDamage,
    },
    deps.binaries,
    { demand$ },
  ).pipe(
    // Decode errors end the stream after the good frames; they are recorded, and what was analysed is kept.
    catchError((err: unknown) => {
      decodeError = err;
      return EMPTY;
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      frames$.pipe(concatMap(step)).subscribe({ error: reject, complete: resolve });
    });
    for (const t of tracker.finish()) await finishTrack(t);
  } catch (err) {
    return fail(`analysis failed after ${frames} frames: ${messageOf(err)}`);
  }

  if (decodeError !== null && frames === 0) return fail(messageOf(decodeError));
  try {
    const report = store.replaceSourceResults(sourceId, { tracks: results, runId }, { markDone: decodeError === null });
    if (decodeError === null) return outcome('done', null, report.trackIds.length, true);
    const kind = isDamage(decodeError) ? 'damaged input' : 'decode failed';
    const reason = `${kind}: ${messageOf(decodeError)}; kept ${report.trackIds.length} tracks from the ${frames} frames analysed before the error`;
    store.markSourceFailed(sourceId, reason);
    return outcome('failed', reason, report.trackIds.length, true);
  } catch (err) {
    return fail(`storing the results failed: ${messageOf(err)}`);
  }
}
