import { InputError, type ScoredDetection, type Track } from '../../contracts';
import type { FinishedTrack } from '../tracker';
import { selectLr0 } from './score-detection';

/**
 * The contracts.ts `Track` of a finished tracker track whose detections were scored
 * (scoreDetection): LR_0 is the best detection by quality ({@link selectLr0}).
 * @param sourceId store id of the source the frames came from.
 * @throws InputError on an empty track or a non-finite quality.
 */
export function toTrack(finished: FinishedTrack<ScoredDetection>, sourceId: number): Track {
  if (!Number.isInteger(sourceId)) throw new InputError(`toTrack: sourceId must be an integer, got ${String(sourceId)}`);
  return { trackKey: finished.trackKey, sourceId, detections: finished.detections, lr0Index: selectLr0(finished.detections) };
}
