import type { Detection } from '../../contracts';

/** A track the tracker will not touch again, with every detection it collected. */
export interface FinishedTrack<D extends Detection = Detection> {
  /** Tracker-local id (1, 2, 3… in order of confirmation), unique within one tracker. */
  readonly trackKey: number;
  /** Detections in time order (all segments when the track re-entered). */
  readonly detections: readonly D[];
  /** The embedding given with each detection, or null. Same length as `detections`. */
  readonly embeddings: readonly (Float32Array | null)[];
  readonly firstPtsMs: number;
  readonly lastPtsMs: number;
  /** How many times the track came back after dying (re-entry). */
  readonly reentries: number;
}

/** What FaceTracker.update reports; within one call in this order: lost, confirmed/reentered, updated, finished. */
export type TrackEvent<D extends Detection = Detection> =
  /** A tentative track reached minHits and got its trackKey; `detections` are its hits so far. */
  | { readonly kind: 'confirmed'; readonly trackKey: number; readonly frameIndex: number; readonly ptsMs: number; readonly detections: readonly D[] }
  /** A dead track came back (appearance match within the re-entry window); `detections` is the new segment. */
  | { readonly kind: 'reentered'; readonly trackKey: number; readonly frameIndex: number; readonly ptsMs: number; readonly detections: readonly D[] }
  /** A confirmed track got a detection in this frame; `detectionIndex` indexes the update's input array. */
  | { readonly kind: 'updated'; readonly trackKey: number; readonly frameIndex: number; readonly ptsMs: number; readonly detection: D; readonly detectionIndex: number }
  /** A confirmed track stopped being seen (missed/gap limit); it may still re-enter until finished. */
  | { readonly kind: 'lost'; readonly trackKey: number; readonly frameIndex: number; readonly ptsMs: number }
  /** A track is final: the re-entry window passed (or re-entry is off). */
  | { readonly kind: 'finished'; readonly track: FinishedTrack<D> };
