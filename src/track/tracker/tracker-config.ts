import { z } from 'zod';
import { ConfigError } from '../../contracts';

/** Parameters of the face tracker; every field is explained in docs/tracking.md. */
export interface TrackerConfig {
  /** Gate: a detection can join a track only if IoU(predicted box, detection box) ≥ this. (0, 1]. Default 0.2. */
  readonly minIou: number;
  /** Consecutive matched frames before a tentative track is confirmed (gets a trackKey and events). Integer ≥ 1. Default 3. */
  readonly minHits: number;
  /** A confirmed track dies after more than this many consecutive frames without a match. Integer ≥ 0. Default 10. */
  readonly maxMissedFrames: number;
  /** …or when more than this many ms passed since its last detection (covers sparse frame sampling). > 0. Default 1000. */
  readonly maxGapMs: number;
  /** Weight of the appearance term in the cost (1 − IoU) + w·(1 − cos). ≥ 0. Default 0.5. Used only when both embeddings exist. */
  readonly appearanceWeight: number;
  /** Appearance gate: cos(detection, track mean embedding) must be ≥ this. [−1, 1]. Default 0.3. */
  readonly minAppearanceCosine: number;
  /**
   * Re-entry window, ms: a dead track whose last detection is at most this old when a new track
   * is confirmed can be continued by it (same trackKey) if their mean embeddings match.
   * 0 disables re-entry (every return is a new track). ≥ 0. Default 5000.
   */
  readonly reentryWindowMs: number;
  /** Re-entry needs cos(new track mean, dead track mean) ≥ this. [−1, 1]. Default 0.5. */
  readonly reentryMinCosine: number;
  /**
   * Re-entry needs both tracks to hold a face at least this large (largest side of a detection's
   * box, in the detections' pixels): below the size where the embedder tells people apart, two
   * strangers' means pass any cosine gate. ≥ 0; 0 = no floor. Default 0 (the pipeline sets 32,
   * faceres' floor: PIPELINE_TRACKER_OVERRIDES).
   */
  readonly reentryMinFacePx: number;
  /** Kalman acceleration noise std, box sizes per s². > 0. Default 4. */
  readonly accelStd: number;
  /** Kalman measurement noise std, box sizes. > 0. Default 0.05. */
  readonly measurementStd: number;
  /** Kalman initial velocity std, box sizes per s. > 0. Default 2. */
  readonly initVelocityStd: number;
}

/** Frozen defaults of {@link TrackerConfig}. */
export const DEFAULT_TRACKER_CONFIG: Readonly<TrackerConfig> = Object.freeze({
  minIou: 0.2,
  minHits: 3,
  maxMissedFrames: 10,
  maxGapMs: 1000,
  appearanceWeight: 0.5,
  minAppearanceCosine: 0.3,
  reentryWindowMs: 5000,
  reentryMinCosine: 0.5,
  reentryMinFacePx: 0,
  accelStd: 4,
  measurementStd: 0.05,
  initVelocityStd: 2,
});

const schema = z
  .object({
    minIou: z.number().gt(0).max(1),
    minHits: z.number().int().min(1),
    maxMissedFrames: z.number().int().min(0),
    maxGapMs: z.number().finite().positive(),
    appearanceWeight: z.number().finite().min(0),
    minAppearanceCosine: z.number().min(-1).max(1),
    reentryWindowMs: z.number().finite().min(0),
    reentryMinCosine: z.number().min(-1).max(1),
    reentryMinFacePx: z.number().finite().min(0),
    accelStd: z.number().finite().positive(),
    measurementStd: z.number().finite().positive(),
    initVelocityStd: z.number().finite().positive(),
  })
  .strict()
  .partial();

/**
 * Validates a partial tracker config (unknown or misspelled keys rejected) and fills in the defaults.
 * @throws ConfigError listing every problem with its key.
 */
export function parseTrackerConfig(input: unknown = {}): Readonly<TrackerConfig> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`tracker config: ${issues}`, { issues: r.error.issues });
  }
  return Object.freeze({ ...DEFAULT_TRACKER_CONFIG, ...r.data });
}
