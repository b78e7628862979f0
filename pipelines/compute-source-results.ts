import { EMPTY, Subject, catchError, concatMap, type Observable } from 'rxjs';
import { FasrError, InputError } from '../src/contracts';
import { WorkerFaceEmbedder } from '../src/fuse';
import { decodeFrames, type DecodedFrame } from '../src/ingest';
import type { TrackResultInput } from '../src/store';
import { createTracker, type FinishedTrack, type TrackEvent } from '../src/track';
import { cutNativeCrop, detectFrame, embedChosen, type DetectionCrops, type FrameDetections, type PipelineDetection } from './analyse-frame';
import { buildTrackResult } from './build-track-result';
import { CropKeeper, type KeptCrops } from './crop-keeper';
import { DetectionGate, type GateCounts } from './detection-gate';
import { EMBED_REASONS, EmbedAdmission, type EmbedReason } from './embed-admission';
import { joinSplitTracks } from './join-tracks';
import type { ProcessConfig } from './process-config';
import type { ProcessDeps } from './process-deps';
import { SmallFacePass, type SmallFaceCounts } from './small-face-pass';

/** Figures of a computation so far (after every analysed frame) or at its end. */
export interface ComputeFigures {
  /** Frames analysed (after fps sampling). */
  readonly frames: number;
  /** Faces detected (every detection kept for tracking). */
  readonly faces: number;
  /** Tracks confirmed (a track that re-enters counts once). */
  readonly confirmedTracks: number;
  /** Detections dropped for lack of head angles / for degenerate landmarks. */
  readonly droppedNoPose: number;
  readonly droppedDegenerate: number;
  /** pts of the first / last analysed frame, ms (stream timeline); null before the first. */
  readonly firstPtsMs: number | null;
  readonly lastPtsMs: number | null;
}

/**
 * What one source's footage gives, computed WITHOUT touching the store: the input of
 * `replaceSourceResults` plus how the decode ended. Plain data (typed arrays inside), so a queue
 * worker can compute it and the coordinator that owns the store can write it (writeSourceResults).
 */
export interface SourceComputation extends ComputeFigures {
  /** One entry per finished track, in finishing order. */
  readonly tracks: readonly TrackResultInput[];
  /** The decode ended early (damage or an ffmpeg failure) after the frames analysed; null when it ran to the end. */
  readonly decodeError: { readonly message: string; readonly damaged: boolean } | null;
  /** Detection, embedding or tracking failed: nothing of the source may be stored; null when none. */
  readonly analysisError: string | null;
}

/** Where one source's time went and what the motion gate did, for progress displays and benchmarks. */
export interface ComputeStats {
  /** Frames the detector ran on / frames the motion gate kept from it (tracked as frames with no face). */
  readonly framesDetected: number;
  readonly framesGated: number;
  /** Analysed frames by gate reason (docs/pipeline.md, "Motion gate"). */
  readonly gateReasons: Readonly<GateCounts>;
  /** Detections embedded / left without an embedding (`embed.topK`: they could not enter their track's K best). */
  readonly cropsEmbedded: number;
  readonly cropsNotEmbedded: number;
  /** Detections by why they were embedded or not (pipelines/embed-admission.ts `EmbedReason`). */
  readonly embedReasons: Readonly<Record<EmbedReason, number>>;
  /** Detected frames by whether the small-face pass ran on them and why (pipelines/small-face-pass.ts; it ran on 'probe' and 'found'). */
  readonly smallFaceReasons: Readonly<SmallFaceCounts>;
  /** Faces the small-face pass added to the main detector's (before the no-pose and degenerate-landmark drops). */
  readonly smallFacesAdded: number;
  /** Split tracks joined into an earlier one of the same person (`join`, pipelines/join-tracks.ts); 0 until the end. */
  readonly tracksJoined: number;
  /**
   * Milliseconds the embedder's own thread spent embedding this source's crops (`embed.worker`:
   * work done beside the pipeline's thread, not in `stageMs`); null when the embedder runs in the
   * pipeline's thread.
   */
  readonly embedThreadMs: number | null;
  /** Frames detected while the frame before was being embedded in the embedder's thread (0 when it runs in the pipeline's thread). */
  readonly framesOverlapped: number;
  /**
   * Wall time per stage, ms, of the pipeline's thread (they add up to its wall time): waiting for the decoder (ffmpeg runs beside the pipeline, so this is
   * only the time the pipeline had nothing to do), the gate's thumbnail and difference, the detector,
   * the small-face pass, alignment and quality, the embedder (with `embed.worker`: handing the crops
   * over and waiting for the vectors the detection of the next frame did not cover), the tracker, crops kept and finished
   * tracks built (PNG, F_M).
   */
  readonly stageMs: {
    readonly decodeWait: number;
    readonly gate: number;
    readonly detect: number;
    readonly smallFaces: number;
    readonly alignQuality: number;
    readonly embed: number;
    readonly track: number;
    readonly cropsAndBuild: number;
  };
}

/** Options of {@link computeSourceResults}. */
export interface ComputeSourceOptions {
  /** Receives the figures after every analysed frame. Must not throw. */
  readonly onFrame?: (figures: ComputeFigures) => void;
  /** Receives the stats once, when the computation ends (also after an error). Must not throw. */
  readonly onStats?: (stats: ComputeStats) => void;
}

/** A detected frame on its way to the tracker: its detections, the decoded frame (for crops) and the gate's decision. */
interface DetectedFrame extends FrameDetections {
  readonly decoded: DecodedFrame;
  readonly decision: ReturnType<DetectionGate['decide']>;
}

/** A detected frame whose embeddings are being computed (one entry per detection, null where not embedded). */
interface InFlight {
  readonly frame: DetectedFrame;
  readonly embeddings: Promise<(Float32Array | null)[]>;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Footage to track results for one video file, the pure half of `processSource`: decode at the
 * analysis rate (analysis copy for detection, full resolution for crops; paced by a demand signal
 * so one frame is in the pipeline at a time and memory is bounded whatever the length) → detect →
 * align (FFHQ, model size and native) → quality → embed the detections whose embedding can matter
 * (`embed.topK`: the tracker's `forecast`, then `EmbedAdmission`; all with topK 0) → track
 * (embeddings as the appearance gate, re-entry) → per finished track: LR_0 by quality, the
 * model's LR_0, F_M from its `embed.topK` best detections.
 *
 * Never throws for a bad input: a decode error is returned in `decodeError` with the tracks from
 * the frames before it; an analysis error in `analysisError`.
 * @param sourceId carried by the frames (not part of the results).
 */
export async function computeSourceResults(
  filePath: string,
  sourceId: number,
  config: Readonly<ProcessConfig>,
  deps: ProcessDeps,
  opts: ComputeSourceOptions = {},
): Promise<SourceComputation> {
  // The figures, one record updated as frames are analysed and tracks confirmed.
  const fig: { -readonly [K in keyof ComputeFigures]: ComputeFigures[K] } = { frames: 0, faces: 0, confirmedTracks: 0, droppedNoPose: 0, droppedDegenerate: 0, firstPtsMs: null, lastPtsMs: null };
  const figures = (): ComputeFigures => ({ ...fig });

  const gate = new DetectionGate(config.motionGate);
  const smallFacePass = new SmallFacePass(config.smallFaces);
  let framesDetected = 0;
  let framesOverlapped = 0;
  /** The embedder when it runs in its own thread (`embed.worker`), else null. */
  const threadEmbedder = deps.embedder instanceof WorkerFaceEmbedder ? deps.embedder : null;
  const threadMsAtStart = threadEmbedder?.computeMs ?? 0;
  let smallFacesAdded = 0;
  const stageMs = { decodeWait: 0, gate: 0, detect: 0, smallFaces: 0, alignQuality: 0, embed: 0, track: 0, cropsAndBuild: 0 };
  let cropsEmbedded = 0;
  let tracksJoined = 0;
  const embedReasons = Object.fromEntries(EMBED_REASONS.map((r) => [r, 0])) as Record<EmbedReason, number>;
  const stats = (): ComputeStats => ({
    framesDetected,
    framesGated: fig.frames - framesDetected,
    gateReasons: gate.reasonCounts(),
    cropsEmbedded,
    cropsNotEmbedded: fig.faces - cropsEmbedded,
    embedReasons: { ...embedReasons },
    smallFaceReasons: smallFacePass.reasonCounts(),
    smallFacesAdded,
    tracksJoined,
    stageMs: { ...stageMs },
    framesOverlapped,
    embedThreadMs: threadEmbedder === null ? null : threadEmbedder.computeMs - threadMsAtStart,
  });
  const tracker = createTracker<PipelineDetection>(config.tracker);
  // embed.topK 0: every detection is embedded (no admission).
  const admission = config.embed.topK > 0 ? new EmbedAdmission(config.embed.topK) : null;
  const keeper = new CropKeeper<DetectionCrops>(config.retention.cropsPerTrack, config.tracker.minHits + 1);
  const results: TrackResultInput[] = [];
  let nextKey = 0;
  let decodeError: unknown = null;

  const finishTrack = async (t: FinishedTrack<PipelineDetection>): Promise<void> => {
    const t0 = performance.now();
    results.push(await buildTrackResult(t, keeper.take(t.trackKey), sourceId, deps.embedder.id, config));
    admission?.forget(t.trackKey);
    stageMs.cropsAndBuild += performance.now() - t0;
  };
  /** @param embedded per detection of the frame the events come from, whether it has an embedding (null: the end of the stream). */
  const onEvents = async (events: readonly TrackEvent<PipelineDetection>[], embedded: readonly boolean[] | null): Promise<void> => {
    for (const e of events) {
      if (e.kind === 'confirmed' || e.kind === 'reentered') {
        if (e.kind === 'confirmed') fig.confirmedTracks += 1;
        keeper.claim(e.trackKey, e.detections.map((d) => d.detectionKey));
        // A tentative track's detections are all embedded (EmbedAdmission.decide embeds every detection not surely joining a confirmed track).
        for (const d of e.detections) admission?.record(e.trackKey, d.quality);
      } else if (e.kind === 'updated') {
        keeper.claim(e.trackKey, [e.detection.detectionKey]);
        if (embedded?.[e.detectionIndex] === true) admission?.record(e.trackKey, e.detection.quality);
      } else if (e.kind === 'finished') {
        await finishTrack(e.track);
      }
    }
  };

  // Two frames at most in the pipeline: frame N is embedded (in the embedder's thread when
  // `embed.worker`) while frame N+1 is detected; the next frame is requested (demand$) only then,
  // so memory holds ~maxBufferedFrames + 2 frames plus the kept crops, whatever the length.
  const demand$ = new Subject<number>();
  let idleSince = performance.now();
  /** Which detections to embed: all (topK 0), else what can matter to the tracker or enter a track's K best. */
  const select = (ptsMs: number, frameIndex: number, ds: readonly PipelineDetection[]): readonly boolean[] => {
    const reasons: EmbedReason[] = admission === null ? ds.map(() => 'all') : admission.decide(tracker.forecast(frameIndex, ptsMs, ds), ds.map((d) => d.quality));
    for (const r of reasons) embedReasons[r] += 1;
    return reasons.map((r) => r !== 'skip');
  };
  /** Gate → detect, align, quality: the frame's detections, before any embedding. */
  const detect = async (frame: DecodedFrame): Promise<DetectedFrame> => {
    const tGate = performance.now();
    stageMs.decodeWait += tGate - idleSince;
    // The motion gate: a frame it keeps from the detector is tracked as a frame with no face.
    const decision = gate.decide(frame);
    stageMs.gate += performance.now() - tGate;
    // The small-face pass runs only on detected frames (its own decision: pipelines/small-face-pass.ts).
    const small = decision.detect ? smallFacePass.decide(frame, decision.reason) : null;
    // A probe only has to find whether small faces are there (the analysis copy); faces it tracks get the full frame.
    const run = small === null || !small.run ? 'none' : small.reason === 'found' ? 'full' : 'probe';
    const a: FrameDetections = decision.detect
      ? await detectFrame(frame, config, deps, nextKey, run)
      : { frameIndex: frame.index, ptsMs: frame.ptsMs, detections: [], aligned: [], droppedNoPose: 0, droppedDegenerate: 0, smallFacesAdded: 0, timingMs: { detect: 0, smallFaces: 0, alignQuality: 0 } };
    if (run !== 'none') smallFacePass.record(frame.ptsMs, a.smallFacesAdded);
    smallFacesAdded += a.smallFacesAdded;
    if (decision.detect) {
      framesDetected += 1;
      stageMs.detect += a.timingMs.detect;
      stageMs.smallFaces += a.timingMs.smallFaces;
      stageMs.alignQuality += a.timingMs.alignQuality;
    }
    nextKey += a.detections.length;
    gate.recordDetections(frame, decision, a.detections.length);
    return { ...a, decoded: frame, decision };
  };
  /** Chooses the frame's detections to embed (the tracker's state after the frame before) and starts their embedding. */
  const startEmbedding = (a: DetectedFrame): InFlight => {
    const t0 = performance.now();
    const chosen = a.detections.length > 0 ? select(a.ptsMs, a.frameIndex, a.detections) : [];
    const embeddings = embedChosen(a, chosen, deps.embedder);
    // Observed when the frame is tracked; until then a rejection must not count as unhandled.
    embeddings.catch(() => undefined);
    stageMs.embed += performance.now() - t0;
    return { frame: a, embeddings };
  };
  /** Waits for the frame's embeddings, then the tracker: keep the crops its tracks may need, build the finished tracks. */
  const trackAndKeep = async (f: InFlight): Promise<void> => {
    const tWait = performance.now();
    const embeddings = await f.embeddings;
    const trackedSince = performance.now();
    stageMs.embed += trackedSince - tWait;
    const a = f.frame;
    for (const e of embeddings) if (e !== null) cropsEmbedded += 1;
    fig.frames += 1;
    fig.faces += a.detections.length;
    fig.droppedNoPose += a.droppedNoPose;
    fig.droppedDegenerate += a.droppedDegenerate;
    fig.firstPtsMs ??= a.ptsMs;
    fig.lastPtsMs = a.ptsMs;
    const events = tracker.update(a.frameIndex, a.ptsMs, a.detections, embeddings);
    const tCrops = performance.now();
    stageMs.track += tCrops - trackedSince;
    gate.recordEvents(events);
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
      entries.push({ detectionKey: det.detectionKey, frameIndex: a.frameIndex, quality: det.quality, crops: { aligned, native: cutNativeCrop(a.decoded, det, config) } });
    });
    keeper.addFrame(a.frameIndex, entries);
    stageMs.cropsAndBuild += performance.now() - tCrops;
    await onEvents(
      events,
      embeddings.map((e) => e !== null),
    );
    opts.onFrame?.(figures());
  };
  /** The frame whose embeddings are on their way (tracked when the next frame is detected, or at the end). */
  let inFlight: InFlight | null = null;
  const trackInFlight = async (): Promise<void> => {
    if (inFlight === null) return;
    const before = inFlight;
    inFlight = null;
    await trackAndKeep(before);
  };
  /**
   * One decoded frame: detected while the frame before is embedded (when the gate's decision for
   * this frame cannot depend on the frame before's tracker events: `nextDecisionKnown`; otherwise
   * that frame is tracked first), then the frame before is tracked, and this frame's embedding starts.
   */
  const onFrame = async (frame: DecodedFrame): Promise<void> => {
    try {
      // The overlap needs the embedder in its own thread; in this thread it would only reorder the same work.
      if (threadEmbedder === null || !gate.nextDecisionKnown()) await trackInFlight();
      if (inFlight !== null && inFlight.frame.decision.detect && inFlight.frame.aligned.length > 0) framesOverlapped += 1;
      const detected = await detect(frame);
      await trackInFlight();
      inFlight = startEmbedding(detected);
    } finally {
      idleSince = performance.now();
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
      stallTimeoutMs: d.stallTimeoutMs,
      fullFrameFormat: d.fullFrameFormat,
    },
    deps.binaries,
    { demand$ },
  ).pipe(
    // Decode errors end the stream after the good frames; they are returned, and what was analysed is kept.
    catchError((err: unknown) => {
      decodeError = err;
      return EMPTY;
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      frames$.pipe(concatMap(onFrame)).subscribe({ error: reject, complete: resolve });
    });
    await trackInFlight(); // the last frame's embeddings
    // The end of the stream: every remaining track finished.
    await onEvents(
      tracker.finish().map((track) => ({ kind: 'finished', track })),
      null,
    );
  } catch (err) {
    opts.onStats?.(stats());
    return { ...figures(), tracks: [], decodeError: null, analysisError: `analysis failed after ${fig.frames} frames: ${messageOf(err)}` };
  }
  // One person split by a short gap or a cut: joined by F_M (docs/pipeline.md, "Joining split tracks").
  let tracks: TrackResultInput[];
  try {
    tracks = joinSplitTracks(results, deps.embedder.id, config, (d) => {
      if (d.joined) tracksJoined += 1;
    });
  } catch (err) {
    opts.onStats?.(stats());
    return { ...figures(), tracks: [], decodeError: null, analysisError: `joining split tracks failed: ${messageOf(err)}` };
  }
  opts.onStats?.(stats());
  const decoded = decodeError === null ? null : { message: messageOf(decodeError), damaged: decodeError instanceof InputError && decodeError.context.reason === 'damaged' };
  return { ...figures(), tracks, decodeError: decoded, analysisError: null };
}
