import { InputError } from '../../../../src/contracts';
import { createTracker, parseTrackerConfig, type TrackEvent } from '../../../../src/track/tracker';
import { det, FPS_MS } from './tracker-fixtures';

describe('FaceTracker.forecast', () => {
  it('names the track a lone detection surely joins, tentative (0) before minHits, its key after; a far detection is new', () => {
    const tracker = createTracker(parseTrackerConfig({}));
    expect(tracker.forecast(0, 0, [det(0, 100, 100)])).toEqual([{ kind: 'new' }]);
    tracker.update(0, 0, [det(0, 100, 100)]);
    expect(tracker.forecast(1, FPS_MS, [det(1, 104, 100), det(1, 500, 300)])).toEqual([{ kind: 'joins', trackKey: 0 }, { kind: 'new' }]);
    tracker.update(1, FPS_MS, [det(1, 104, 100)]);
    const confirmed = tracker.update(2, 2 * FPS_MS, [det(2, 108, 100)]);
    expect(confirmed.map((e) => e.kind)).toEqual(['confirmed']);
    expect(tracker.forecast(3, 3 * FPS_MS, [det(3, 112, 100)])).toEqual([{ kind: 'joins', trackKey: 1 }]);
  });

  it('calls a detection contested when two tracks gate it, or when its track gates another detection too', () => {
    const tracker = createTracker(parseTrackerConfig({ minHits: 1 }));
    tracker.update(0, 0, [det(0, 100, 100), det(0, 140, 100)]); // two confirmed tracks side by side, overlapping
    // One detection between them: both tracks gate it.
    expect(tracker.forecast(1, FPS_MS, [det(1, 120, 100)])).toEqual([{ kind: 'contested' }]);
    // Two detections, each gated by both tracks.
    expect(tracker.forecast(1, FPS_MS, [det(1, 102, 100), det(1, 138, 100)])).toEqual([{ kind: 'contested' }, { kind: 'contested' }]);
    // Far apart again: each joins its own track.
    const far = createTracker(parseTrackerConfig({ minHits: 1 }));
    far.update(0, 0, [det(0, 100, 100), det(0, 400, 100)]);
    expect(far.forecast(1, FPS_MS, [det(1, 402, 100), det(1, 102, 100)])).toEqual([{ kind: 'joins', trackKey: 2 }, { kind: 'joins', trackKey: 1 }]);
  });

  it('does not change the tracker: the same updates give the same events with or without forecasts', () => {
    const frames = Array.from({ length: 30 }, (_, i) => [det(i, 100 + 5 * i, 100), det(i, 400 - 4 * i, 110)]);
    const plain = createTracker(parseTrackerConfig({}));
    const probed = createTracker(parseTrackerConfig({}));
    const a: TrackEvent[] = [];
    const b: TrackEvent[] = [];
    frames.forEach((ds, i) => {
      a.push(...plain.update(i, i * FPS_MS, ds));
      probed.forecast(i, i * FPS_MS, ds);
      probed.forecast(i, i * FPS_MS + 7, ds.slice(0, 1));
      b.push(...probed.update(i, i * FPS_MS, ds));
    });
    expect(b).toEqual(a);
    expect(probed.finish()).toEqual(plain.finish());
  });

  it('refuses what update refuses: frames out of order, bad boxes, after finish', () => {
    const tracker = createTracker(parseTrackerConfig({}));
    tracker.update(3, 120, [det(3, 100, 100)]);
    expect(() => tracker.forecast(3, 160, [])).toThrow(InputError);
    expect(() => tracker.forecast(4, 160, [{ ...det(4, 100, 100), bboxXYWH: [0, 0, 0, 10] }])).toThrow('tracker.forecast: detection 0 bboxXYWH must be finite with positive size, got [0, 0, 0, 10]');
    tracker.finish();
    expect(() => tracker.forecast(5, 200, [])).toThrow('tracker.forecast: called after finish()');
  });
});
