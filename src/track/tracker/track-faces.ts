import { Observable, concatMap, type OperatorFunction } from 'rxjs';
import type { Detection } from '../../contracts';
import { createTracker } from './create-tracker';
import { DEFAULT_TRACKER_CONFIG, type TrackerConfig } from './tracker-config';
import type { TrackEvent } from './track-event';

/** One frame's detections as the tracker operator consumes them. */
export interface FrameDetections<D extends Detection = Detection> {
  readonly frameIndex: number;
  readonly ptsMs: number;
  readonly detections: readonly D[];
  /** Optional, one per detection (null where missing). */
  readonly embeddings?: readonly (Float32Array | null)[];
}

/** One input frame with the TrackEvents it caused; `frame` is null for the end of the stream (every remaining track finished). */
export interface TrackedFrame<D extends Detection, F extends FrameDetections<D>> {
  readonly frame: F | null;
  readonly events: readonly TrackEvent<D>[];
}

/**
 * RxJS operator over the pure tracker core, frame by frame: each input frame is emitted with the
 * TrackEvents it caused (together, so a consumer can act on a frame and its events at once, e.g.
 * keep the crops of the detections a track claimed); on completion one last `{ frame: null }`
 * carries a 'finished' event for every remaining confirmed or lost track. Input errors
 * (out-of-order frames, bad boxes) go to `subscriber.error`. A fresh tracker per subscription.
 */
export function trackFrames<D extends Detection = Detection, F extends FrameDetections<D> = FrameDetections<D>>(
  config: Readonly<TrackerConfig> = DEFAULT_TRACKER_CONFIG,
): OperatorFunction<F, TrackedFrame<D, F>> {
  return (source) =>
    new Observable<TrackedFrame<D, F>>((subscriber) => {
      const tracker = createTracker<D>(config);
      return source.subscribe({
        next(frame) {
          let events: TrackEvent<D>[];
          try {
            events = tracker.update(frame.frameIndex, frame.ptsMs, frame.detections, frame.embeddings);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next({ frame, events });
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          subscriber.next({ frame: null, events: tracker.finish().map((track) => ({ kind: 'finished', track })) });
          subscriber.complete();
        },
      });
    });
}

/**
 * {@link trackFrames} as a flat stream of TrackEvents: each input frame yields its events; on
 * completion every remaining confirmed or lost track is emitted as a 'finished' event.
 */
export function trackFaces<D extends Detection = Detection>(
  config: Readonly<TrackerConfig> = DEFAULT_TRACKER_CONFIG,
): OperatorFunction<FrameDetections<D>, TrackEvent<D>> {
  return (source) => source.pipe(trackFrames<D>(config), concatMap((f) => f.events));
}
