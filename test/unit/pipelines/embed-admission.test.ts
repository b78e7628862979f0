import { EmbedAdmission, fusionMemberIndices, parseProcessConfig, type EmbedReason } from '../../../pipelines';
import { InputError, type ScoredDetection } from '../../../src/contracts';
import { createTracker, parseTrackerConfig, type FinishedTrack, type TrackEvent } from '../../../src/track';

const FPS_MS = 200; // 5 fps, the pipeline's analysis rate

function det(frameIndex: number, cx: number, cy: number, quality: number): ScoredDetection {
  return {
    frameIndex,
    ptsMs: frameIndex * FPS_MS,
    bboxXYWH: [cx - 30, cy - 30, 60, 60],
    score: 0.9,
    landmarks: { leftEye: [cx - 10, cy - 5], rightEye: [cx + 10, cy - 5], nose: [cx, cy], mouthLeft: [cx - 8, cy + 12], mouthRight: [cx + 8, cy + 12] },
    yawDeg: 0,
    pitchDeg: 0,
    rollDeg: 0,
    quality,
    sharpness: quality,
    frontalness: 1,
  };
}

/** A unit embedding near axis k (4-D), slightly perturbed per frame. */
function emb(k: number, frame: number): Float32Array {
  const e = new Float32Array(4).fill(0.05 * Math.sin(frame + k));
  e[k] = 1;
  return e;
}

/**
 * Drives the real tracker as computeSourceResults does: forecast → EmbedAdmission.decide → embed
 * the chosen (here: the person's synthetic embedding) → update → record the embedded detections of
 * confirmed tracks. Returns the reasons per frame and the finished tracks.
 */
function drive(frames: readonly { dets: ScoredDetection[]; person: number[] }[], topK: number, trackerConfig = {}): { reasons: EmbedReason[][]; tracks: FinishedTrack<ScoredDetection>[] } {
  const tracker = createTracker<ScoredDetection>(parseTrackerConfig(trackerConfig));
  const admission = new EmbedAdmission(topK);
  const reasons: EmbedReason[][] = [];
  const finished: FinishedTrack<ScoredDetection>[] = [];
  const record = (events: readonly TrackEvent<ScoredDetection>[], embedded: readonly boolean[]): void => {
    for (const e of events) {
      if (e.kind === 'confirmed' || e.kind === 'reentered') for (const d of e.detections) admission.record(e.trackKey, d.quality);
      else if (e.kind === 'updated' && embedded[e.detectionIndex] === true) admission.record(e.trackKey, e.detection.quality);
      else if (e.kind === 'finished') {
        finished.push(e.track);
        admission.forget(e.track.trackKey);
      }
    }
  };
  frames.forEach((f, i) => {
    const r = admission.decide(tracker.forecast(i, i * FPS_MS, f.dets), f.dets.map((d) => d.quality));
    reasons.push(r);
    const embeddings = f.dets.map((_, j) => (r[j] === 'skip' ? null : emb(f.person[j] ?? 0, i)));
    record(tracker.update(i, i * FPS_MS, f.dets, embeddings), r.map((x) => x !== 'skip'));
  });
  finished.push(...tracker.finish());
  return { reasons, tracks: finished.sort((a, b) => a.trackKey - b.trackKey) };
}

describe('EmbedAdmission', () => {
  it('admits while a track has room, then only what beats the worst of its K best (ties go to the earlier crop)', () => {
    const a = new EmbedAdmission(2);
    expect(a.admits(7, 0.1)).toBe(true); // unknown track: room
    a.record(7, 0.5);
    expect(a.admits(7, 0.1)).toBe(true); // one of two places taken
    a.record(7, 0.6);
    expect(a.admits(7, 0.4)).toBe(false);
    expect(a.admits(7, 0.5)).toBe(false); // a tie: the earlier 0.5 stays among the best
    expect(a.admits(7, 0.55)).toBe(true);
    // A better crop later displaces the worst: now the bar is 0.55.
    a.record(7, 0.55);
    expect(a.admits(7, 0.52)).toBe(false);
    expect(a.admits(7, 0.56)).toBe(true);
    expect(a.admits(8, 0)).toBe(true); // tracks are independent
    a.forget(7);
    expect(a.trackCount).toBe(0);
    expect(a.admits(7, 0.1)).toBe(true);
  });

  it('embeds every detection the tracker may need (new, tentative, contested), and of sure joins only the ones that can enter the K best', () => {
    const a = new EmbedAdmission(1);
    a.record(3, 0.8);
    const reasons = a.decide(
      [{ kind: 'new' }, { kind: 'joins', trackKey: 0 }, { kind: 'contested' }, { kind: 'joins', trackKey: 3 }, { kind: 'joins', trackKey: 3 }, { kind: 'joins', trackKey: 4 }],
      [0.1, 0.1, 0.1, 0.7, 0.9, 0.1],
    );
    expect(reasons).toEqual(['new', 'tentative', 'contested', 'skip', 'top-k', 'top-k']);
  });

  it('refuses a K below 1 (0 means: no admission, every crop embedded, handled by the pipeline)', () => {
    expect(() => new EmbedAdmission(0)).toThrow(new InputError('EmbedAdmission: topK must be an integer >= 1, received 0'));
    expect(() => new EmbedAdmission(2.5)).toThrow('EmbedAdmission: topK must be an integer >= 1, received 2.5');
  });

  it('with the real tracker: crops that cannot enter the top-K are not embedded, a better crop later is, and the K best all have embeddings', () => {
    // One face walking right for 20 frames; qualities rise to 0.9 at frame 12, which displaces a worse one.
    const q = [0.3, 0.5, 0.4, 0.6, 0.2, 0.55, 0.3, 0.1, 0.58, 0.2, 0.4, 0.3, 0.9, 0.2, 0.1, 0.3, 0.5, 0.2, 0.61, 0.1];
    const frames = q.map((quality, i) => ({ dets: [det(i, 100 + 3 * i, 200, quality)], person: [0] }));
    const { reasons, tracks } = drive(frames, 3);
    expect(tracks).toHaveLength(1);
    const r = reasons.map((x) => x[0]);
    // Frames 0–2 build the tentative track; after confirmation the K = 3 best so far are 0.5, 0.4, 0.3.
    expect(r.slice(0, 3)).toEqual(['new', 'tentative', 'tentative']);
    // 0.6 enters (bar 0.3), 0.2 does not, 0.55 enters (bar 0.4), 0.3 / 0.1 do not, 0.58 enters (bar 0.5) …
    expect(r.slice(3)).toEqual(['top-k', 'skip', 'top-k', 'skip', 'skip', 'top-k', 'skip', 'skip', 'skip', 'top-k', 'skip', 'skip', 'skip', 'skip', 'skip', 'top-k', 'skip']);
    const t = tracks[0]!;
    const embedded = t.embeddings.map((e) => e !== null);
    expect(embedded).toEqual(r.map((x) => x !== 'skip'));
    // F_M's members: the 3 best by quality (0.9, 0.61, 0.6), every one embedded.
    const members = fusionMemberIndices(t.detections.map((d) => d.quality), 3);
    expect(members).toEqual([3, 12, 18]);
    expect(members.every((i) => embedded[i])).toBe(true);
    // topK 0 in the config means every crop: fusionMemberIndices then takes them all.
    expect(fusionMemberIndices(q, parseProcessConfig({ embed: { topK: 0 } }).embed.topK)).toEqual(q.map((_, i) => i));
  });

  it('with the real tracker: two faces that meet are embedded while contested and keep their identities', () => {
    // A comes from the left, B from the right; they overlap around frame 15 and both turn back (tracker.test.ts: IoU alone swaps them).
    const pathX = (i: number, dir: 1 | -1): number => 300 + dir * (i < 15 ? -(15 - i) * 8 : -(i - 15) * 8);
    const frames = Array.from({ length: 30 }, (_, i) => {
      const a = det(i, pathX(i, 1), 200, 0.5);
      const b = det(i, pathX(i, -1) + 6, 204, 0.5);
      return i % 2 ? { dets: [a, b], person: [0, 1] } : { dets: [b, a], person: [1, 0] };
    });
    const { reasons, tracks } = drive(frames, 2, { maxGapMs: 5000 });
    expect(tracks).toHaveLength(2);
    for (const t of tracks) {
      const own = t.embeddings.find((e) => e !== null)!;
      const k = own[0] === 1 ? 0 : 1;
      // Every embedded detection of a track is its own person's: no swap at the meeting.
      expect(t.embeddings.every((e) => e === null || e[k] === 1)).toBe(true);
      expect(t.detections).toHaveLength(30);
    }
    const flat = reasons.flat();
    expect(flat.filter((x) => x === 'contested').length).toBeGreaterThan(0);
    expect(flat.filter((x) => x === 'skip').length).toBeGreaterThan(0);
  });
});
