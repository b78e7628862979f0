import type { GateReason } from './detection-gate';
import type { ProcessSmallFacesConfig } from './process-config';

/** Why the small-face pass ran on a detected frame or not. */
export const SMALL_FACE_REASONS = Object.freeze(['off', 'frame-too-small', 'probe', 'found', 'idle'] as const);
export type SmallFaceReason = (typeof SMALL_FACE_REASONS)[number];

/** Detected frames per {@link SmallFaceReason}: the pass ran on 'probe' and 'found' frames. */
export type SmallFaceCounts = Record<SmallFaceReason, number>;

/**
 * Decides, for each frame the main detector runs on, whether the small-face pass runs too
 * (docs/pipeline.md, "Small faces by default"), in this order: pass off → no; the source's frame
 * smaller than `minFrameSidePx` on its shorter side → no; its last run found a small face the main
 * detector missed → run ('found': the faces it tracks need a detection in every frame); no run yet, or
 * the last one `probeIntervalMs` of video time ago or more on a frame where something may have
 * come into view (the motion gate's reason is not 'interval': the view changed, a track is alive,
 * or the gate is off), or `idleProbeIntervalMs` ago on a frame the gate only let through for its
 * interval (nothing changed: a small face can only be one that stands still) → run ('probe': the
 * pipeline runs it on the analysis copy, enough to see whether small faces are there); else 'idle'.
 * One instance per source; state lives in the instance.
 */
export class SmallFacePass {
  private lastRunPtsMs: number | null = null;
  private lastFound = 0;
  private readonly counts: SmallFaceCounts = { off: 0, 'frame-too-small': 0, probe: 0, found: 0, idle: 0 };

  constructor(private readonly config: Readonly<ProcessSmallFacesConfig>) {}

  /**
   * Whether the pass runs on this detected frame (full-resolution size, pts), and why. Then {@link record} what it found.
   * @param gateReason why the motion gate let the frame through (pipelines/detection-gate.ts).
   */
  decide(frame: { readonly width: number; readonly height: number; readonly ptsMs: number }, gateReason: GateReason): { readonly run: boolean; readonly reason: SmallFaceReason } {
    const reason = this.reasonFor(frame, gateReason);
    this.counts[reason] += 1;
    return { run: reason === 'probe' || reason === 'found', reason };
  }

  /** After a run: the faces it added to the main detector's (small, not found by the main detector). */
  record(ptsMs: number, added: number): void {
    this.lastRunPtsMs = ptsMs;
    this.lastFound = added;
  }

  /** Detected frames by reason so far (a copy). */
  reasonCounts(): Readonly<SmallFaceCounts> {
    return { ...this.counts };
  }

  private reasonFor(frame: { readonly width: number; readonly height: number; readonly ptsMs: number }, gateReason: GateReason): SmallFaceReason {
    const cfg = this.config;
    if (!cfg.enabled) return 'off';
    if (Math.min(frame.width, frame.height) < cfg.minFrameSidePx) return 'frame-too-small';
    if (this.lastRunPtsMs !== null && this.lastFound > 0) return 'found';
    if (this.lastRunPtsMs === null) return 'probe';
    const interval = gateReason === 'interval' ? cfg.idleProbeIntervalMs : cfg.probeIntervalMs;
    return frame.ptsMs - this.lastRunPtsMs >= interval ? 'probe' : 'idle';
  }
}
