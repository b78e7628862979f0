import { StoreError, type FaceCrop, type FusedIdentity, type Track } from '../contracts';
import type { CropInput, EmbeddingInput, TrackResultInput, TrackStatus } from './store';

/** What a pipeline has per track besides the contracts' `Track`; arrays run parallel to `track.detections`. */
export interface TrackExtras {
  /** crops[i] are the crops of track.detections[i]. */
  readonly crops?: readonly (readonly CropInput[])[];
  /** embeddings[i] are the embeddings of track.detections[i]. */
  readonly embeddings?: readonly (readonly EmbeddingInput[])[];
  readonly fused?: readonly FusedIdentity[];
  readonly status?: TrackStatus;
  readonly rejectReason?: string | null;
}

/** A raw RGB `FaceCrop` (from src/track) as a crop to store under `kind`, e.g. 'aligned128'. */
export function cropInputFromFaceCrop(kind: string, crop: FaceCrop): CropInput {
  return { kind, format: 'rgb8', widthPx: crop.width, heightPx: crop.height, image: crop.rgb };
}

/**
 * Builds `replaceSourceResults` input from a contracts `Track` and its per-detection extras.
 * Values are checked by `replaceSourceResults`; this only checks that the parallel arrays line up.
 * @throws StoreError when crops / embeddings do not have one entry per detection.
 */
export function trackResultInput(track: Track, extras: TrackExtras = {}): TrackResultInput {
  const n = track.detections.length;
  for (const key of ['crops', 'embeddings'] as const) {
    const list = extras[key];
    if (list !== undefined && list.length !== n) {
      throw new StoreError(
        `trackResultInput: expected extras.${key} to have one entry per detection (${n}) of track ${track.trackKey}, received ${list.length}`,
        { trackKey: track.trackKey },
      );
    }
  }
  return {
    trackKey: track.trackKey,
    lr0Index: track.lr0Index,
    detections: track.detections.map((detection, i) => ({
      detection,
      crops: extras.crops?.[i] ?? [],
      embeddings: extras.embeddings?.[i] ?? [],
    })),
    fused: extras.fused ?? [],
    ...(extras.status === undefined ? {} : { status: extras.status }),
    ...(extras.rejectReason === undefined ? {} : { rejectReason: extras.rejectReason }),
  };
}
