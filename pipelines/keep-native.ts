import type { CropRow, TrackDetail, TrackListItem } from '../src/store';
import { checkNumber } from '../src/validate';
import { CROP_KINDS } from './build-track-result';

/**
 * The keep-native rule of the SR step (issue 16): a face whose LR_0 native crop (the FFHQ-aligned
 * crop cut from the full-resolution frame, crop kind 'aligned-full') is already at least this many
 * pixels on a side is not synthesized; its SR output is that native crop, recorded as 'kept-native'
 * with the reason. Super-resolving a downscaled copy of such a face would throw its real detail away.
 * Default 128: the bundled model's output size (the paper's HR size).
 */
export const DEFAULT_KEEP_NATIVE_MIN_SIDE_PX = 128;

/** Largest accepted threshold, px: the store's largest image side is far above the pipeline's native-crop cap (align.exportMaxPx ≤ 4096). */
export const MAX_KEEP_NATIVE_MIN_SIDE_PX = 4096;

/** The crop kind the rule measures: the pipeline's full-resolution aligned crop (build-track-result CROP_KINDS.native). */
export const NATIVE_CROP_KIND = CROP_KINDS.native;

/** Why a track was kept native, as sr_outputs.kept_native_reason records it, e.g. 'native-crop-at-least-128px'. */
export function keepNativeReason(minSidePx: number): string {
  return `native-crop-at-least-${minSidePx}px`;
}

/**
 * `keepNativeMinSidePx` as a config gives it: undefined → the default (128); null or 0 → the rule is
 * off (every track is synthesized); else an integer in [1, 4096].
 * @param where names the config in the message, e.g. '$.sr' or 'enhanceTracks'.
 * @throws ConfigError `<where>.keepNativeMinSidePx: expected ..., received ...`.
 */
export function parseKeepNativeMinSidePx(where: string, value: unknown): number | null {
  if (value === undefined) return DEFAULT_KEEP_NATIVE_MIN_SIDE_PX;
  if (value === null || value === 0) return null;
  return checkNumber(where, 'keepNativeMinSidePx', value, { integer: true, min: 1, max: MAX_KEEP_NATIVE_MIN_SIDE_PX });
}

/** A track the rule keeps native: its LR_0 native crop, that crop's side and the reason. */
export interface KeepNativeDecision {
  /** The LR_0 detection's native ('aligned-full', square) crop. */
  readonly crop: CropRow;
  /** Its side, px (the face's own size in the frame, capped by the pipeline at align.exportMaxPx). */
  readonly nativeSidePx: number;
  /** The threshold it met, px. */
  readonly minSidePx: number;
  /** {@link keepNativeReason} of the threshold. */
  readonly reason: string;
}

/**
 * Whether a stored track is kept native under `minSidePx` (null: the rule is off): its LR_0
 * detection has a square native crop of at least `minSidePx`. A track without a native crop (stored
 * by an older pipeline, or cropped at the model size only) cannot be measured and is synthesized.
 */
export function decideKeepNative(detail: Pick<TrackDetail, 'crops'> & { readonly track: Pick<TrackListItem, 'lr0DetectionId'> }, minSidePx: number | null): KeepNativeDecision | null {
  if (minSidePx === null) return null;
  const lr0Id = detail.track.lr0DetectionId;
  const crop = detail.crops.find((c) => c.detectionId === lr0Id && c.kind === NATIVE_CROP_KIND && c.widthPx === c.heightPx);
  if (crop === undefined || crop.widthPx < minSidePx) return null;
  return { crop, nativeSidePx: crop.widthPx, minSidePx, reason: keepNativeReason(minSidePx) };
}
