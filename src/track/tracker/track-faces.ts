import { Observable, type OperatorFunction } from 'rxjs';
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

/**
 * RxJS operator over the pure tracker core: each input frame yields its TrackEvents; on
 * completion every remaining confirmed or lost track is emitted as a 'finished' event. Input
 * errors (out-of-order frames, bad boxes) go to `subscriber.error`. A fresh tracker per subscription.
 */
export function trackFaces<D extends Detection = Detection>(
  config: Readonly<TrackerConfig> = DEFAULT_TRACKER_CONFIG,
): OperatorFunction<FrameDetections<D>, TrackEvent<D>> {
  return (source) =>
    new Observable<TrackEvent<D>>((subscriber) => {
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
          for (const e of events) subscriber.next(e);
        },
        error(err) {
          subscriber.error(err);
        },
        complete() {
          for (const track of tracker.finish()) subscriber.next({ kind: 'finished', track });
          subscriber.complete();
        },
      });
    });
}
