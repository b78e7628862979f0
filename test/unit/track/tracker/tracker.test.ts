import { from, lastValueFrom, toArray } from 'rxjs';
import { ConfigError, InputError, type Detection } from '../../../../src/contracts';
import { createTracker, parseTrackerConfig, trackFaces, type FinishedTrack, type FrameDetections, type TrackEvent } from '../../../../src/track/tracker';
import { det, FPS_MS } from './tracker-fixtures';

/** A unit embedding near axis k (4-D), slightly perturbed per frame. */
function emb(k: number, frame: number): Float32Array {
  const e = new Float32Array(4).fill(0.05 * Math.sin(frame + k));
  e[k] = 1;
  return e;
}

type Frame = { dets: Detection[]; embs?: (Float32Array | null)[] };

function run(frames: Frame[], config = {}): { events: TrackEvent[]; tracks: FinishedTrack[] } {
  const tracker = createTracker(parseTrackerConfig(config));
  const events: TrackEvent[] = [];
  frames.forEach((f, i) => events.push(...tracker.update(i, i * FPS_MS, f.dets, f.embs)));
  const finishedEarly = events.flatMap((e) => (e.kind === 'finished' ? [e.track] : []));
  return { events, tracks: [...finishedEarly, ...tracker.finish()].sort((a, b) => a.trackKey - b.trackKey) };
}

/** x position of a track's detections, in order. */
const xs = (t: FinishedTrack | undefined): number[] => (t?.detections ?? []).map((d) => Math.round(d.bboxXYWH[0] + d.bboxXYWH[2] / 2));

describe('createTracker', () => {
  it('two faces on known paths give exactly two tracks with all their detections', () => {
    const frames: Frame[] = Array.from({ length: 40 }, (_, i) => ({
      dets: [det(i, 100 + 4 * i, 150 + Math.sin(i / 5) * 10), det(i, 500 - 3 * i, 350, 80)],
    }));
    const { events, tracks } = run(frames);
    expect(tracks).toHaveLength(2);
    expect(tracks.map((t) => t.detections.length)).toEqual([40, 40]);
    expect(xs(tracks[0])).toEqual(Array.from({ length: 40 }, (_, i) => 100 + 4 * i));
    expect(xs(tracks[1])).toEqual(Array.from({ length: 40 }, (_, i) => 500 - 3 * i));
    // confirmation after minHits = 3 frames, then one update per frame
    expect(events.filter((e) => e.kind === 'confirmed').map((e) => (e.kind === 'confirmed' ? e.frameIndex : -1))).toEqual([2, 2]);
    expect(events.filter((e) => e.kind === 'updated')).toHaveLength(2 * 37);
  });

  it('two faces that meet and turn back keep their identities with embeddings (IoU alone swaps them)', () => {
    // A comes from the left, B from the right; they overlap around frame 15 and both turn back.
    const path = (i: number, dir: 1 | -1): number => 300 + dir * (i < 15 ? -(15 - i) * 8 : -(i - 15) * 8);
    const frames: Frame[] = Array.from({ length: 30 }, (_, i) => {
      const a = det(i, path(i, 1), 200);
      const b = det(i, path(i, -1) + 6, 204);
      return { dets: i % 2 ? [a, b] : [b, a], embs: i % 2 ? [emb(0, i), emb(1, i)] : [emb(1, i), emb(0, i)] };
    });
    const withEmb = run(frames);
    expect(withEmb.tracks).toHaveLength(2);
    for (const t of withEmb.tracks) {
      const k = (t.embeddings[0] as Float32Array)[0] === 1 ? 0 : 1;
      // every detection of a track carries its own person's embedding: no swap
      expect(t.embeddings.every((e) => (e as Float32Array)[k] === 1)).toBe(true);
      expect(t.detections).toHaveLength(30);
    }
    const iouOnly = run(frames.map((f) => ({ dets: f.dets })));
    const swapped = iouOnly.tracks.some((t) => {
      const first = xs({ ...t, detections: t.detections.slice(0, 1) })[0] ?? 0;
      const last = xs({ ...t, detections: t.detections.slice(-1) })[0] ?? 0;
      return (first < 300) !== (last < 300); // ended on the other side = followed the other person
    });
    expect(swapped).toBe(true);
  });

  it('a gap up to maxMissedFrames keeps the id; a longer gap kills the track', () => {
    const framesWithGap = (gap: number): Frame[] =>
      Array.from({ length: 20 + gap }, (_, i) => ({ dets: i >= 10 && i < 10 + gap ? [] : [det(i, 100 + 2 * i, 100)] }));
    const short = run(framesWithGap(5), { maxMissedFrames: 5, reentryWindowMs: 0 });
    expect(short.tracks).toHaveLength(1);
    expect(short.tracks[0]?.detections).toHaveLength(20);
    // 6 missed frames (10–15): the 6th miss, at frame 15, exceeds maxMissedFrames = 5
    const long = run(framesWithGap(6), { maxMissedFrames: 5, reentryWindowMs: 0 });
    expect(long.tracks.map((t) => t.detections.length)).toEqual([10, 10]);
    expect(long.events.some((e) => e.kind === 'lost' && e.trackKey === 1 && e.frameIndex === 15)).toBe(true);
  });

  it('maxGapMs ends a track even when few frames were missed (sparse sampling)', () => {
    const tracker = createTracker(parseTrackerConfig({ maxGapMs: 500, reentryWindowMs: 0 }));
    for (let i = 0; i < 4; i++) tracker.update(i, i * 40, [det(i, 100, 100)]);
    const events = tracker.update(4, 1000, []);
    expect(events.map((e) => e.kind)).toEqual(['lost', 'finished']);
  });

  it('a face that leaves and comes back within the re-entry window keeps its trackKey (by appearance)', () => {
    const frames: Frame[] = Array.from({ length: 60 }, (_, i) => {
      if (i >= 15 && i < 40) return { dets: [], embs: [] }; // 1 s away, far beyond maxMissedFrames
      const x = i < 15 ? 100 + 3 * i : 600 - 3 * i; // comes back elsewhere
      return { dets: [det(i, x, 200)], embs: [emb(2, i)] };
    });
    const { events, tracks } = run(frames);
    expect(tracks).toHaveLength(1);
    expect(tracks[0]?.trackKey).toBe(1);
    expect(tracks[0]?.reentries).toBe(1);
    expect(tracks[0]?.detections).toHaveLength(35);
    expect(events.find((e) => e.kind === 'reentered')).toMatchObject({ trackKey: 1, frameIndex: 42 });
    // a different person coming back is a new track
    const other = frames.map((f, i) => (i >= 40 ? { dets: f.dets, embs: [emb(3, i)] } : f));
    expect(run(other).tracks.map((t) => t.trackKey)).toEqual([1, 2]);
    // and without re-entry (window 0) the same person is a new track too
    expect(run(frames, { reentryWindowMs: 0 }).tracks.map((t) => t.trackKey)).toEqual([1, 2]);
  });

  it('re-entry needs both tracks to hold a face of reentryMinFacePx: smaller faces stay separate tracks', () => {
    // The same appearance both times; the face is 60 px before the gap and `after` px after it.
    const frames = (after: number): Frame[] =>
      Array.from({ length: 60 }, (_, i) => {
        if (i >= 15 && i < 40) return { dets: [], embs: [] };
        return { dets: [i < 15 ? det(i, 100 + 3 * i, 200) : det(i, 600 - 3 * i, 200, after)], embs: [emb(2, i)] };
      });
    expect(run(frames(60), { reentryMinFacePx: 60 }).tracks.map((t) => t.reentries)).toEqual([1]); // at the floor: joined
    expect(run(frames(59), { reentryMinFacePx: 60 }).tracks.map((t) => t.trackKey)).toEqual([1, 2]); // the new track is below it
    expect(run(frames(59)).tracks.map((t) => t.reentries)).toEqual([1]); // no floor by default
    // the lost track's face counts too: 30 px before the gap, 80 after
    const smallFirst = frames(80).map((f, i) => (i < 15 ? { dets: [det(i, 100 + 3 * i, 200, 30)], embs: f.embs } : f));
    expect(run(smallFirst, { reentryMinFacePx: 32 }).tracks.map((t) => t.trackKey)).toEqual([1, 2]);
    expect(() => parseTrackerConfig({ reentryMinFacePx: -1 })).toThrow(ConfigError);
  });

  it('false positives shorter than minHits produce no track', () => {
    const frames: Frame[] = Array.from({ length: 20 }, (_, i) => ({
      // a 2-frame blip at frame 5 and a 1-frame blip at 12, next to a real face
      dets: [det(i, 300, 300), ...(i === 5 || i === 6 ? [det(i, 80, 80, 30)] : []), ...(i === 12 ? [det(i, 500, 90, 20)] : [])],
    }));
    const { tracks, events } = run(frames);
    expect(tracks).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'confirmed')).toHaveLength(1);
  });

  it('rejects out-of-order frames, mismatched embeddings, bad boxes and calls after finish', () => {
    const t = createTracker();
    t.update(0, 0, [det(0, 50, 50)]);
    expect(() => t.update(0, 40, [])).toThrow(/frameIndex must be an integer greater than the previous 0, got 0/);
    expect(() => t.update(1, 0, [])).toThrow(/ptsMs must be finite and greater than the previous 0, got 0/);
    expect(() => t.update(2, 80, [det(2, 50, 50)], [])).toThrow(/expected 1 embeddings \(one per detection\), got 0/);
    expect(() => t.update(3, 120, [{ ...det(3, 50, 50), bboxXYWH: [0, 0, -1, 5] }])).toThrow(InputError);
    t.finish();
    expect(() => t.update(9, 999, [])).toThrow(/after finish/);
    expect(() => parseTrackerConfig({ minHit: 3 })).toThrow(ConfigError);
    expect(() => parseTrackerConfig({ minIou: 0 })).toThrow(/minIou/);
  });
});

describe('trackFaces operator', () => {
  it('emits the core events and the finished tracks on completion', async () => {
    const frames: FrameDetections[] = Array.from({ length: 10 }, (_, i) => ({ frameIndex: i, ptsMs: i * FPS_MS, detections: [det(i, 100 + i, 100)] }));
    const events = await lastValueFrom(from(frames).pipe(trackFaces(), toArray()));
    expect(events.map((e) => e.kind)).toEqual(['confirmed', ...new Array<string>(7).fill('updated'), 'finished']);
    const last = events[events.length - 1];
    expect(last?.kind === 'finished' && last.track.detections.length).toBe(10);
  });

  it('sends input errors to the subscriber', async () => {
    const bad: FrameDetections[] = [
      { frameIndex: 1, ptsMs: 40, detections: [] },
      { frameIndex: 0, ptsMs: 80, detections: [] },
    ];
    await expect(lastValueFrom(from(bad).pipe(trackFaces(), toArray()))).rejects.toThrow(/frameIndex must be an integer greater/);
  });
});
