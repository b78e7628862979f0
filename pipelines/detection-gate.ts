import { changedFraction, greyThumbnail, type DecodedFrame, type GreyThumbnail } from '../src/ingest';
import type { Detection } from '../src/contracts';
import type { TrackEvent } from '../src/track';
import type { ProcessMotionGateConfig } from './process-config';

/** Why a frame was or was not detected. */
export const GATE_REASONS = Object.freeze(['off', 'first', 'track', 'interval', 'change', 'static'] as const);
export type GateReason = (typeof GATE_REASONS)[number];

/** Frames per {@link GateReason}: only 'static' frames skip the detector. */
export type GateCounts = Record<GateReason, number>;

/**
 * Decides, frame by frame, whether the detector runs (docs/pipeline.md, "Motion gate"), in this
 * order: gate off → detect; first frame → detect; a track alive (a confirmed track not yet
 * finished, a lost one inside its re-entry window, or detections in the last detected frame: a
 * tentative track) → detect; the last detector pass `fullDetectionIntervalMs` ago or more →
 * detect; the grey thumbnail changed against the last detected frame's → detect; else 'static'.
 * The reference thumbnail is the last DETECTED frame's, so a slow change adds up until it is seen.
 * One gate per source; state lives in the instance.
 */
export class DetectionGate {
  private reference: GreyThumbnail | null = null;
  private lastDetectedPtsMs: number | null = null;
  private lastDetections = 0;
  private readonly alive = new Set<number>();
  private readonly counts: GateCounts = { off: 0, first: 0, track: 0, interval: 0, change: 0, static: 0 };

  constructor(private readonly config: Readonly<ProcessMotionGateConfig>) {}

  /** Whether `frame` goes to the detector, and why. Call once per analysed frame, then {@link recordFrame}. */
  decide(frame: DecodedFrame): { readonly detect: boolean; readonly reason: GateReason; readonly thumbnail: GreyThumbnail | null } {
    const reason = this.reasonFor(frame);
    this.counts[reason.reason] += 1;
    return reason;
  }

  /** After the frame: its detection count (0 when not detected) and the tracker's events ({@link recordDetections}, then {@link recordEvents}). */
  recordFrame<D extends Detection>(frame: DecodedFrame, decision: { readonly detect: boolean; readonly thumbnail: GreyThumbnail | null }, detections: number, events: readonly TrackEvent<D>[]): void {
    this.recordDetections(frame, decision, detections);
    this.recordEvents(events);
  }

  /**
   * The first half of {@link recordFrame}, once the frame is detected (before it is tracked).
   * After a frame with detections the next frame's decision is 'track' whatever that frame's
   * events hold, so the pipeline may decide the next frame before it records them
   * (`computeSourceResults` detects frame N+1 while frame N is embedded).
   */
  recordDetections(frame: DecodedFrame, decision: { readonly detect: boolean; readonly thumbnail: GreyThumbnail | null }, detections: number): void {
    if (decision.detect) {
      this.lastDetectedPtsMs = frame.ptsMs;
      this.lastDetections = detections;
      if (decision.thumbnail !== null) this.reference = decision.thumbnail;
    }
  }

  /** The second half of {@link recordFrame}: the tracker's events for the frame (which tracks are alive). */
  recordEvents<D extends Detection>(events: readonly TrackEvent<D>[]): void {
    for (const e of events) {
      if (e.kind === 'confirmed' || e.kind === 'reentered') this.alive.add(e.trackKey);
      else if (e.kind === 'finished') this.alive.delete(e.track.trackKey);
    }
  }

  /** Whether the next frame's decision is the same whether or not the last frame's events are recorded: it had detections, or the gate is off. */
  nextDecisionKnown(): boolean {
    return !this.config.enabled || (this.reference !== null && this.lastDetectedPtsMs !== null && this.lastDetections > 0);
  }

  /** Frames by reason so far (a copy). */
  reasonCounts(): Readonly<GateCounts> {
    return { ...this.counts };
  }

  private reasonFor(frame: DecodedFrame): { detect: boolean; reason: GateReason; thumbnail: GreyThumbnail | null } {
    const cfg = this.config;
    if (!cfg.enabled) return { detect: true, reason: 'off', thumbnail: null };
    // The analysis copy is smaller than the frame and shows the same view.
    const img = frame.analysis ?? frame;
    const thumbnail = greyThumbnail(img.rgb, img.width, img.height, cfg.thumbnailWidthPx);
    if (this.reference === null || this.lastDetectedPtsMs === null) return { detect: true, reason: 'first', thumbnail };
    if (this.alive.size > 0 || this.lastDetections > 0) return { detect: true, reason: 'track', thumbnail };
    if (frame.ptsMs - this.lastDetectedPtsMs >= cfg.fullDetectionIntervalMs) return { detect: true, reason: 'interval', thumbnail };
    if (changedFraction(thumbnail, this.reference, cfg.minGreyDelta) >= cfg.minChangedFraction) return { detect: true, reason: 'change', thumbnail };
    return { detect: false, reason: 'static', thumbnail };
  }
}
