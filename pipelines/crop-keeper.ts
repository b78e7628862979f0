import { InputError } from '../src/contracts';

/** Crops of one detection, held until its track is finished. */
export interface KeptCrops<C> {
  /** The detection's key (unique within a source). */
  readonly detectionKey: number;
  readonly frameIndex: number;
  /** Detection quality: the K best of a track are kept (earliest frame on ties). */
  readonly quality: number;
  readonly crops: C;
}

/**
 * Holds per-detection crops between the frame they were cut from and the end of their track,
 * keeping memory bounded: at most `perTrack` detections per track (the best by quality, earliest
 * on ties, so the track's LR_0 is always kept) and, for detections no confirmed track has claimed
 * yet, only those of the last `pendingFrames` frames (a tentative track confirms after minHits
 * consecutive frames or is dropped, so older unclaimed crops can never be claimed).
 *
 * Frames must be added in increasing frameIndex; claims refer to keys added earlier.
 */
export class CropKeeper<C> {
  readonly #perTrack: number;
  readonly #pendingFrames: number;
  readonly #pending = new Map<number, KeptCrops<C>>();
  readonly #tracks = new Map<number, KeptCrops<C>[]>();
  #lastFrameIndex = -1;

  /**
   * @param perTrack crops kept per track, integer >= 1.
   * @param pendingFrames frames an unclaimed detection's crops are kept, integer >= 1 (the tracker's minHits + 1).
   * @throws InputError on bad arguments.
   */
  constructor(perTrack: number, pendingFrames: number) {
    if (!Number.isInteger(perTrack) || perTrack < 1) throw new InputError(`CropKeeper: perTrack must be an integer >= 1, received ${String(perTrack)}`);
    if (!Number.isInteger(pendingFrames) || pendingFrames < 1) {
      throw new InputError(`CropKeeper: pendingFrames must be an integer >= 1, received ${String(pendingFrames)}`);
    }
    this.#perTrack = perTrack;
    this.#pendingFrames = pendingFrames;
  }

  /** Unclaimed detections held now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Detections held for confirmed tracks now. */
  get keptCount(): number {
    let n = 0;
    for (const list of this.#tracks.values()) n += list.length;
    return n;
  }

  /**
   * Adds the crops of one frame's detections and forgets unclaimed ones older than `pendingFrames`.
   * @throws InputError on a frame index not above the previous one or a duplicate key.
   */
  addFrame(frameIndex: number, entries: readonly KeptCrops<C>[]): void {
    if (!Number.isInteger(frameIndex) || frameIndex <= this.#lastFrameIndex) {
      throw new InputError(`CropKeeper.addFrame: frameIndex must be an integer above ${this.#lastFrameIndex}, received ${String(frameIndex)}`);
    }
    this.#lastFrameIndex = frameIndex;
    for (const [key, e] of this.#pending) {
      if (e.frameIndex <= frameIndex - this.#pendingFrames) this.#pending.delete(key);
    }
    for (const e of entries) {
      if (e.frameIndex !== frameIndex) throw new InputError(`CropKeeper.addFrame: entry ${e.detectionKey} has frameIndex ${e.frameIndex}, expected ${frameIndex}`);
      if (this.#pending.has(e.detectionKey)) throw new InputError(`CropKeeper.addFrame: duplicate detection key ${e.detectionKey}`);
      this.#pending.set(e.detectionKey, e);
    }
  }

  /**
   * Moves the crops of `detectionKeys` (if still held) to track `trackKey`, keeping its best `perTrack`.
   * Keys no longer held (pruned, or without crops) are ignored.
   */
  claim(trackKey: number, detectionKeys: readonly number[]): void {
    let list = this.#tracks.get(trackKey);
    if (list === undefined) {
      list = [];
      this.#tracks.set(trackKey, list);
    }
    for (const key of detectionKeys) {
      const e = this.#pending.get(key);
      if (e === undefined) continue;
      this.#pending.delete(key);
      list.push(e);
    }
    // Best first; ties to the earlier frame (selectLr0's rule), so LR_0 survives the cap.
    list.sort((a, b) => b.quality - a.quality || a.frameIndex - b.frameIndex);
    list.length = Math.min(list.length, this.#perTrack);
  }

  /**
   * Whether a detection of `quality` from a frame after every one held would be kept by track
   * `trackKey` now (the track has room, or it beats the worst kept; ties go to the earlier frame).
   * Lets the caller skip cutting crops that would be dropped at once.
   */
  wouldKeep(trackKey: number, quality: number): boolean {
    const list = this.#tracks.get(trackKey);
    if (list === undefined || list.length < this.#perTrack) return true;
    const worst = list[list.length - 1];
    return worst === undefined || quality > worst.quality;
  }

  /** Removes and returns the crops kept for `trackKey`, by detection key (empty when none). */
  take(trackKey: number): Map<number, KeptCrops<C>> {
    const list = this.#tracks.get(trackKey) ?? [];
    this.#tracks.delete(trackKey);
    return new Map(list.map((e) => [e.detectionKey, e]));
  }
}
