import { InputError, type Detection } from '../../contracts';
import { boxIou } from './box-iou';
import { solveAssignment } from './hungarian';
import { createKalmanBox, type KalmanBox } from './kalman-box';
import { DEFAULT_TRACKER_CONFIG, type TrackerConfig } from './tracker-config';
import type { FinishedTrack, TrackEvent } from './track-event';

/** A stateful multi-face tracker over one source; see docs/tracking.md. */
export interface FaceTracker<D extends Detection = Detection> {
  /**
   * Feeds one frame's detections (possibly none), in increasing frameIndex and ptsMs order.
   * @param embeddings optional, one per detection (L2-normalised or not; null where missing).
   * @throws InputError on out-of-order frames, mismatched embeddings, bad boxes or after finish().
   */
  update(frameIndex: number, ptsMs: number, detections: readonly D[], embeddings?: readonly (Float32Array | null)[]): TrackEvent<D>[];
  /**
   * What `update(frameIndex, ptsMs, detections)` would do with each detection before any
   * appearance is known, without changing the tracker (lets a caller embed only the detections
   * whose embedding can matter, docs/pipeline.md "Embeddings once per track").
   * @throws InputError like update() for out-of-order frames, bad boxes or after finish().
   */
  forecast(frameIndex: number, ptsMs: number, detections: readonly D[]): DetectionForecast[];
  /** Ends the source: every confirmed or lost track not yet reported is returned; tentative ones are dropped. */
  finish(): FinishedTrack<D>[];
}

/**
 * The tracker's view of one detection before update() ({@link FaceTracker.forecast}):
 * - 'joins': the detection is the only one inside the IoU gate of exactly one live track, and that
 *   track gates no other detection, so update() matches them whatever the costs, unless an
 *   embedding given with the detection fails the appearance gate. `trackKey` 0: a tentative track.
 * - 'new': no live track gates it: it starts a tentative track.
 * - 'contested': it shares gates with other tracks or detections: the appearance term may decide.
 */
export type DetectionForecast = { readonly kind: 'joins'; readonly trackKey: number } | { readonly kind: 'new' } | { readonly kind: 'contested' };

interface LiveTrack<D extends Detection> {
  trackKey: number; // 0 while tentative
  kalman: KalmanBox;
  detections: D[];
  embeddings: (Float32Array | null)[];
  /** Sum of the L2-normalised embeddings (running mean direction) and their count. */
  embSum: Float64Array | null;
  hits: number;
  missed: number;
  lastPtsMs: number;
  lastFrameIndex: number;
  reentries: number;
  /** Largest side of any of its detections' boxes (re-entry's face-size floor). */
  largestFacePx: number;
}

function cosineToMean(e: Float32Array, sum: Float64Array): number {
  let dot = 0;
  let ne = 0;
  let ns = 0;
  for (let k = 0; k < e.length; k++) {
    const a = e[k] ?? 0;
    const b = sum[k] ?? 0;
    dot += a * b;
    ne += a * a;
    ns += b * b;
  }
  return ne > 0 && ns > 0 ? dot / Math.sqrt(ne * ns) : 0;
}

/** The larger side of a detection's box. */
function faceSide(d: Detection): number {
  return Math.max(d.bboxXYWH[2], d.bboxXYWH[3]);
}

function addEmbedding<D extends Detection>(t: LiveTrack<D>, e: Float32Array): void {
  let n = 0;
  for (let k = 0; k < e.length; k++) n += (e[k] ?? 0) ** 2;
  if (n === 0) return;
  const inv = 1 / Math.sqrt(n);
  if (t.embSum === null) t.embSum = new Float64Array(e.length);
  for (let k = 0; k < e.length; k++) t.embSum[k] = (t.embSum[k] ?? 0) + (e[k] ?? 0) * inv;
}

function finished<D extends Detection>(t: LiveTrack<D>): FinishedTrack<D> {
  return {
    trackKey: t.trackKey,
    detections: t.detections,
    embeddings: t.embeddings,
    firstPtsMs: t.detections[0]?.ptsMs ?? t.lastPtsMs,
    lastPtsMs: t.lastPtsMs,
    reentries: t.reentries,
  };
}

/**
 * Creates a SORT-style tracker: constant-velocity Kalman prediction of each track's box,
 * Hungarian assignment on cost (1 − IoU) + appearanceWeight·(1 − cos) with IoU and appearance
 * gates, confirmation after minHits consecutive hits, death after maxMissedFrames / maxGapMs, and
 * appearance re-entry within reentryWindowMs between faces of at least reentryMinFacePx (docs/tracking.md).
 * @param config a config from parseTrackerConfig (defaults: DEFAULT_TRACKER_CONFIG).
 */
export function createTracker<D extends Detection = Detection>(config: Readonly<TrackerConfig> = DEFAULT_TRACKER_CONFIG): FaceTracker<D> {
  const cfg = config;
  const kalmanParams = { accelStd: cfg.accelStd, measurementStd: cfg.measurementStd, initVelocityStd: cfg.initVelocityStd };
  let active: LiveTrack<D>[] = [];
  let lost: LiveTrack<D>[] = [];
  let nextKey = 1;
  let lastFrameIndex = -Infinity;
  let lastPtsMs = -Infinity;
  let embDim = -1;
  let done = false;

  function validate(fn: 'update' | 'forecast', frameIndex: number, ptsMs: number, detections: readonly D[], embeddings?: readonly (Float32Array | null)[]): void {
    if (done) throw new InputError(`tracker.${fn}: called after finish()`);
    if (!Number.isInteger(frameIndex) || frameIndex <= lastFrameIndex) {
      throw new InputError(`tracker.${fn}: frameIndex must be an integer greater than the previous ${lastFrameIndex}, got ${frameIndex}`);
    }
    if (!Number.isFinite(ptsMs) || ptsMs <= lastPtsMs) {
      throw new InputError(`tracker.${fn}: ptsMs must be finite and greater than the previous ${lastPtsMs}, got ${ptsMs}`);
    }
    detections.forEach((d, i) => {
      const [x, y, w, h] = d.bboxXYWH;
      if (![x, y, w, h].every(Number.isFinite) || w <= 0 || h <= 0) {
        throw new InputError(`tracker.${fn}: detection ${i} bboxXYWH must be finite with positive size, got [${d.bboxXYWH.join(', ')}]`);
      }
    });
    if (embeddings !== undefined) {
      if (embeddings.length !== detections.length) {
        throw new InputError(`tracker.${fn}: expected ${detections.length} embeddings (one per detection), got ${embeddings.length}`);
      }
      embeddings.forEach((e, i) => {
        if (e === null) return;
        if (embDim === -1) embDim = e.length;
        if (e.length !== embDim || e.length === 0) {
          throw new InputError(`tracker.${fn}: embedding ${i} has dimension ${e.length}, expected ${embDim}`);
        }
        if (!e.every(Number.isFinite)) throw new InputError(`tracker.${fn}: embedding ${i} has a non-finite value`);
      });
    }
  }

  function update(frameIndex: number, ptsMs: number, detections: readonly D[], embeddings?: readonly (Float32Array | null)[]): TrackEvent<D>[] {
    validate('update', frameIndex, ptsMs, detections, embeddings);
    const dtS = lastPtsMs === -Infinity ? 0 : (ptsMs - lastPtsMs) / 1000;
    lastFrameIndex = frameIndex;
    lastPtsMs = ptsMs;
    const events: TrackEvent<D>[] = [];
    const later: TrackEvent<D>[] = [];
    const embOf = (j: number): Float32Array | null => embeddings?.[j] ?? null;

    // 1. Predict every live track to this frame.
    for (const t of active) t.kalman.predict(dtS);

    // 2. Gated cost matrix and Hungarian assignment (forbidden pairs = Infinity).
    const cost = active.map((t) => {
      const pred = t.kalman.box();
      return detections.map((d, j) => {
        const iou = boxIou(pred, d.bboxXYWH);
        if (iou < cfg.minIou) return Infinity;
        const e = embOf(j);
        if (e === null || t.embSum === null) return 1 - iou;
        const cos = cosineToMean(e, t.embSum);
        if (cos < cfg.minAppearanceCosine) return Infinity;
        return 1 - iou + cfg.appearanceWeight * (1 - cos);
      });
    });
    const { rowToCol, colToRow } = solveAssignment(cost);

    // 3. Matched tracks.
    const survivors: LiveTrack<D>[] = [];
    const newlyConfirmed: LiveTrack<D>[] = [];
    active.forEach((t, i) => {
      const j = rowToCol[i] ?? -1;
      if (j >= 0) {
        const d = detections[j] as D;
        t.kalman.update(d.bboxXYWH);
        t.detections.push(d);
        t.largestFacePx = Math.max(t.largestFacePx, faceSide(d));
        const e = embOf(j);
        t.embeddings.push(e);
        if (e !== null) addEmbedding(t, e);
        t.hits++;
        t.missed = 0;
        t.lastPtsMs = ptsMs;
        t.lastFrameIndex = frameIndex;
        if (t.trackKey !== 0) later.push({ kind: 'updated', trackKey: t.trackKey, frameIndex, ptsMs, detection: d, detectionIndex: j });
        else if (t.hits >= cfg.minHits) newlyConfirmed.push(t);
        survivors.push(t);
        return;
      }
      // 4. Unmatched: tentative tracks vanish (never reported); confirmed ones die past the limits.
      t.missed++;
      if (t.trackKey === 0) return;
      if (t.missed > cfg.maxMissedFrames || ptsMs - t.lastPtsMs > cfg.maxGapMs) {
        events.push({ kind: 'lost', trackKey: t.trackKey, frameIndex, ptsMs });
        lost.push(t);
        return;
      }
      survivors.push(t);
    });
    active = survivors;

    // 5. Unmatched detections start tentative tracks (confirmed at once when minHits is 1).
    detections.forEach((d, j) => {
      if ((colToRow[j] ?? -1) >= 0) return;
      const t: LiveTrack<D> = {
        trackKey: 0,
        kalman: createKalmanBox(d.bboxXYWH, kalmanParams),
        detections: [d],
        embeddings: [embOf(j)],
        embSum: null,
        hits: 1,
        missed: 0,
        lastPtsMs: ptsMs,
        lastFrameIndex: frameIndex,
        reentries: 0,
        largestFacePx: faceSide(d),
      };
      const e = embOf(j);
      if (e !== null) addEmbedding(t, e);
      active.push(t);
      if (cfg.minHits <= 1) newlyConfirmed.push(t);
    });

    // 6. Confirmation, or re-entry of a dead track with the same appearance.
    for (const t of newlyConfirmed) {
      const firstPts = t.detections[0]?.ptsMs ?? ptsMs;
      let best: LiveTrack<D> | null = null;
      let bestCos = cfg.reentryMinCosine;
      if (cfg.reentryWindowMs > 0 && t.embSum !== null && t.largestFacePx >= cfg.reentryMinFacePx) {
        for (const l of lost) {
          if (l.embSum === null || firstPts - l.lastPtsMs > cfg.reentryWindowMs || l.lastPtsMs >= firstPts || l.largestFacePx < cfg.reentryMinFacePx) continue;
          const cos = cosineToMean(Float32Array.from(t.embSum), l.embSum);
          if (cos >= bestCos) {
            bestCos = cos;
            best = l;
          }
        }
      }
      if (best !== null) {
        lost = lost.filter((l) => l !== best);
        const segment = t.detections.slice();
        best.kalman = t.kalman;
        best.detections.push(...t.detections);
        best.embeddings.push(...t.embeddings);
        for (const e of t.embeddings) if (e !== null) addEmbedding(best, e);
        best.hits = t.hits;
        best.missed = 0;
        best.lastPtsMs = t.lastPtsMs;
        best.lastFrameIndex = t.lastFrameIndex;
        best.reentries++;
        best.largestFacePx = Math.max(best.largestFacePx, t.largestFacePx);
        active[active.indexOf(t)] = best;
        events.push({ kind: 'reentered', trackKey: best.trackKey, frameIndex, ptsMs, detections: segment });
      } else {
        t.trackKey = nextKey++;
        events.push({ kind: 'confirmed', trackKey: t.trackKey, frameIndex, ptsMs, detections: t.detections.slice() });
      }
    }
    events.push(...later);

    // 7. Dead tracks past the re-entry window (or with re-entry off) are final.
    const keep: LiveTrack<D>[] = [];
    for (const l of lost) {
      if (cfg.reentryWindowMs > 0 && l.embSum !== null && ptsMs - l.lastPtsMs <= cfg.reentryWindowMs) keep.push(l);
      else events.push({ kind: 'finished', track: finished(l) });
    }
    lost = keep;
    return events;
  }

  function forecast(frameIndex: number, ptsMs: number, detections: readonly D[]): DetectionForecast[] {
    validate('forecast', frameIndex, ptsMs, detections);
    const dtS = lastPtsMs === -Infinity ? 0 : (ptsMs - lastPtsMs) / 1000;
    // The IoU gate of update() step 2 on the boxes its step 1 would predict; the appearance term only changes finite costs.
    const gated = active.map((t) => {
      const pred = t.kalman.predictedBox(dtS);
      return detections.map((d) => boxIou(pred, d.bboxXYWH) >= cfg.minIou);
    });
    return detections.map((_, j): DetectionForecast => {
      const rows = gated.flatMap((g, i) => (g[j] === true ? [i] : []));
      if (rows.length === 0) return { kind: 'new' };
      const i = rows[0] ?? -1;
      const t = active[i];
      // An isolated pair of the bipartite gate graph is in every maximum matching, and the solver maximises allowed pairs first.
      if (rows.length === 1 && t !== undefined && gated[i]?.filter(Boolean).length === 1) return { kind: 'joins', trackKey: t.trackKey };
      return { kind: 'contested' };
    });
  }

  function finish(): FinishedTrack<D>[] {
    if (done) throw new InputError('tracker.finish: called twice');
    done = true;
    const out = [...lost, ...active.filter((t) => t.trackKey !== 0)].map((t) => finished(t));
    out.sort((a, b) => a.trackKey - b.trackKey);
    active = [];
    lost = [];
    return out;
  }

  return { update, forecast, finish };
}
