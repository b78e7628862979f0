/** Multi-face tracking: Kalman + Hungarian + appearance gate + re-entry (docs/tracking.md). */
export { createTracker } from './create-tracker';
export type { DetectionForecast, FaceTracker } from './create-tracker';
export { trackFaces, trackFrames } from './track-faces';
export type { FrameDetections, TrackedFrame } from './track-faces';
export { DEFAULT_TRACKER_CONFIG, parseTrackerConfig } from './tracker-config';
export type { TrackerConfig } from './tracker-config';
export type { TrackEvent, FinishedTrack } from './track-event';
export { solveAssignment } from './hungarian';
export type { Assignment } from './hungarian';
export { boxIou } from './box-iou';
