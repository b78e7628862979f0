import { InputError } from '../src/contracts';
import type { DetectionForecast } from '../src/track';

/**
 * Why a detection is embedded, or 'skip': 'new' (it starts a tentative track), 'tentative' (it
 * surely joins a tentative track), 'contested' (the appearance term may decide its track), 'top-k'
 * (it surely joins a confirmed track and can enter its K best), 'all' (`embed.topK` 0).
 */
export type EmbedReason = 'new' | 'tentative' | 'contested' | 'top-k' | 'all' | 'skip';

/** Every {@link EmbedReason}, in the order reports list them. */
export const EMBED_REASONS: readonly EmbedReason[] = Object.freeze(['new', 'tentative', 'contested', 'top-k', 'all', 'skip']);

/**
 * Decides which detections are embedded when `embed.topK` = K > 0 (docs/pipeline.md, "Embeddings
 * once per track"): a detection the tracker will surely join to a confirmed track
 * (`FaceTracker.forecast` 'joins') is embedded only if it can still enter that track's K best by
 * quality (the track has fewer than K embedded detections, or it beats the worst of them; ties go
 * to the earlier frame, as `selectLr0` and the crop keeper). Every other detection is embedded,
 * because the tracker may need its appearance: a new or tentative track (re-entry is decided at
 * confirmation on its embeddings) or an association several tracks compete for.
 *
 * Invariant this gives: every detection left without an embedding joined a confirmed track that
 * then held K embedded detections at least as good and earlier, so a finished track's K best
 * detections (quality, earliest on ties) all have embeddings, and F_M can be fused from them.
 *
 * Holds K qualities per confirmed track; forget a track when it is finished.
 */
export class EmbedAdmission {
  readonly #topK: number;
  /** Per confirmed track, the qualities of its K best embedded detections, best first. */
  readonly #best = new Map<number, number[]>();

  /**
   * @param topK K, integer >= 1.
   * @throws InputError on a bad K.
   */
  constructor(topK: number) {
    if (!Number.isInteger(topK) || topK < 1) throw new InputError(`EmbedAdmission: topK must be an integer >= 1, received ${String(topK)}`);
    this.#topK = topK;
  }

  /** Whether a detection of `quality`, later than every one recorded, can enter track `trackKey`'s K best (a track not recorded has room). */
  admits(trackKey: number, quality: number): boolean {
    const best = this.#best.get(trackKey);
    if (best === undefined || best.length < this.#topK) return true;
    return quality > (best[best.length - 1] ?? -Infinity);
  }

  /**
   * Whether and why to embed each of one frame's detections, from the tracker's forecast for them
   * ({@link EmbedReason}; 'skip': it cannot enter the K best of the track it surely joins).
   * @param forecasts `FaceTracker.forecast` for the frame's detections.
   * @param qualities the detections' quality scores, same order.
   */
  decide(forecasts: readonly DetectionForecast[], qualities: readonly number[]): EmbedReason[] {
    return forecasts.map((f, j): EmbedReason => {
      if (f.kind !== 'joins') return f.kind;
      if (f.trackKey === 0) return 'tentative';
      return this.admits(f.trackKey, qualities[j] ?? -Infinity) ? 'top-k' : 'skip';
    });
  }

  /** Records an embedded detection of confirmed track `trackKey` (frames in increasing order). */
  record(trackKey: number, quality: number): void {
    let best = this.#best.get(trackKey);
    if (best === undefined) {
      best = [];
      this.#best.set(trackKey, best);
    }
    // After the equal ones already held: they are earlier, and ties go to the earlier frame.
    let at = best.length;
    while (at > 0 && (best[at - 1] ?? Infinity) < quality) at--;
    best.splice(at, 0, quality);
    best.length = Math.min(best.length, this.#topK);
  }

  /** Drops a finished track's record. */
  forget(trackKey: number): void {
    this.#best.delete(trackKey);
  }

  /** Tracks recorded now. */
  get trackCount(): number {
    return this.#best.size;
  }
}
