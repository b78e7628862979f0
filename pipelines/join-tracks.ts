import { FasrError, type FusedIdentity } from '../src/contracts';
import { cosineSimilarity } from '../src/fuse';
import type { TrackPart, TrackResultInput } from '../src/store';
import { selectLr0 } from '../src/track';
import { CROP_KINDS, fuseTrack, fusionMemberIndices } from './build-track-result';
import type { ProcessConfig } from './process-config';

function span(t: TrackResultInput): { firstPtsMs: number; lastPtsMs: number; firstFrameIndex: number; lastFrameIndex: number } {
  const first = t.detections[0]?.detection;
  const last = t.detections[t.detections.length - 1]?.detection;
  if (first === undefined || last === undefined) throw new FasrError('E_PIPELINE', `track ${t.trackKey}: no detections`, { trackKey: t.trackKey });
  return { firstPtsMs: first.ptsMs, lastPtsMs: last.ptsMs, firstFrameIndex: first.frameIndex, lastFrameIndex: last.frameIndex };
}

/** The parts a track is made of: its own `parts`, or itself as the one part. */
export function partsOf(t: TrackResultInput): readonly TrackPart[] {
  return t.parts ?? [{ trackKey: t.trackKey, ...span(t), detectionCount: t.detections.length }];
}

/** F_M of the embedder, when the track has one and a face large enough for it to identify (`join.minFacePx`). */
function fmOf(t: TrackResultInput, embedderId: string, minFacePx: number): FusedIdentity | undefined {
  const largest = Math.max(...t.detections.map((d) => Math.max(d.detection.bboxXYWH[2], d.detection.bboxXYWH[3])));
  return largest >= minFacePx ? t.fused?.find((f) => f.embedderId === embedderId) : undefined;
}

/**
 * One track of `a` then `b` (b starts after a ends): detections in time order; LR_0 the better of
 * the two (selectLr0 over the union; the other LR_0 loses its model crop); crops kept only on the
 * union's `retention.cropsPerTrack` best detections that have them (and LR_0); F_M re-fused from
 * the union's `embed.topK` best, with indices into the union's stored embeddings.
 * @throws FasrError E_PIPELINE when a detection F_M needs has no embedding.
 */
export function joinTrackPair(a: TrackResultInput, b: TrackResultInput, embedderId: string, config: Readonly<ProcessConfig>): TrackResultInput {
  const detections = [...a.detections, ...b.detections];
  const lr0Index = selectLr0(detections.map((d) => d.detection));
  const withCrops = detections.map((d, i) => ({ i, q: d.detection.quality, has: (d.crops ?? []).length > 0 })).filter((x) => x.has);
  const keepCrops = new Set(
    withCrops
      .sort((x, y) => y.q - x.q || x.i - y.i)
      .slice(0, config.retention.cropsPerTrack)
      .map((x) => x.i),
  );
  keepCrops.add(lr0Index);
  const joined = detections.map((d, i) => {
    const crops = keepCrops.has(i) ? (d.crops ?? []).filter((c) => i === lr0Index || c.kind !== CROP_KINDS.lr0Model) : [];
    const kinds = new Set(crops.map((c) => c.kind));
    // An embedding whose crop is no longer kept stays, without its crop (as buildTrackResult stores one of a crop not kept).
    const embeddings = (d.embeddings ?? []).map((e) => (e.cropKind === null || e.cropKind === undefined || kinds.has(e.cropKind) ? e : { ...e, cropKind: null }));
    return { ...d, crops, embeddings };
  });
  const storedIndex = new Map<number, number>();
  joined.forEach((d, i) => {
    if ((d.embeddings ?? []).some((e) => e.modelId === embedderId)) storedIndex.set(i, storedIndex.size);
  });
  const members = fusionMemberIndices(
    joined.map((d) => d.detection.quality),
    config.embed.topK,
  );
  const vectors = members.map((i) => {
    const e = joined[i]?.embeddings?.find((x) => x.modelId === embedderId);
    if (e === undefined) throw new FasrError('E_PIPELINE', `joined track ${a.trackKey}+${b.trackKey}: detection ${i} has no ${embedderId} embedding`, { trackKey: a.trackKey });
    return e.vector;
  });
  const fused = fuseTrack(
    vectors,
    members.map((i) => joined[i]?.detection.quality ?? 0),
    embedderId,
    config,
  );
  const toStored = (m: number): number => storedIndex.get(members[m] ?? -1) ?? -1;
  const others = (a.fused ?? []).filter((f) => f.embedderId !== embedderId);
  return {
    trackKey: a.trackKey,
    detections: joined,
    lr0Index,
    fused: [...others, { ...fused, memberIndices: fused.memberIndices.map(toStored), rejectedIndices: fused.rejectedIndices.map(toStored) }],
    parts: [...partsOf(a), ...partsOf(b)],
  };
}

/** Why each join was made (or the best candidate refused), for logs and tests. */
export interface JoinDecision {
  readonly earlierKey: number;
  readonly laterKey: number;
  readonly gapMs: number;
  readonly cosine: number;
  readonly joined: boolean;
}

/**
 * Joins a source's tracks that are one person split by a short gap or a cut. Greedy in start
 * order: each track joins the chain (an already joined group) that ended before it started, at
 * most `maxGapMs` earlier, whose F_M is most similar to its own, if that cosine is >= `minCosine`;
 * a chain's F_M is re-fused after every join. Tracks without an F_M of `embedderId`, or whose
 * largest face is below `join.minFacePx`, are left alone.
 * The result keeps the order of each chain's first track in `tracks`.
 */
export function joinSplitTracks(
  tracks: readonly TrackResultInput[],
  embedderId: string,
  config: Readonly<ProcessConfig>,
  onDecision?: (d: JoinDecision) => void,
): TrackResultInput[] {
  if (!config.join.enabled || tracks.length < 2) return [...tracks];
  const order = tracks.map((t, i) => ({ t, i, s: span(t) })).sort((x, y) => x.s.firstPtsMs - y.s.firstPtsMs || x.i - y.i);
  /** Chains by the position of their first track in `tracks`, with their F_M (undefined: never joined) and end, worked out once. */
  const chains = new Map<number, { readonly track: TrackResultInput; readonly fm: FusedIdentity | undefined; readonly lastPtsMs: number }>();
  const chainOf = (track: TrackResultInput) => ({ track, fm: fmOf(track, embedderId, config.join.minFacePx), lastPtsMs: span(track).lastPtsMs });
  for (const { t, i, s } of order) {
    const own = chainOf(t);
    let best: { pos: number; cosine: number; gapMs: number } | null = null;
    if (own.fm !== undefined) {
      for (const [pos, c] of chains) {
        const gapMs = s.firstPtsMs - c.lastPtsMs;
        if (c.fm === undefined || gapMs <= 0 || gapMs > config.join.maxGapMs) continue;
        const cosine = cosineSimilarity(c.fm.featureVector, own.fm.featureVector);
        if (best === null || cosine > best.cosine) best = { pos, cosine, gapMs };
      }
    }
    const chain = best === null ? undefined : chains.get(best.pos);
    if (best !== null && chain !== undefined) {
      const joined = best.cosine >= config.join.minCosine;
      onDecision?.({ earlierKey: chain.track.trackKey, laterKey: t.trackKey, gapMs: best.gapMs, cosine: best.cosine, joined });
      if (joined) {
        chains.set(best.pos, chainOf(joinTrackPair(chain.track, t, embedderId, config)));
        continue;
      }
    }
    chains.set(i, own);
  }
  return [...chains.entries()].sort((x, y) => x[0] - y[0]).map(([, c]) => c.track);
}
