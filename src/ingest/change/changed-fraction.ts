import { InputError } from '../../contracts';
import type { GreyThumbnail } from './grey-thumbnail';

/**
 * Frame differencing on grey thumbnails: the fraction of cells, in [0, 1], whose mean luma
 * differs by at least `minGreyDelta` (0–255 scale) between `a` and `b`.
 * @throws InputError when the thumbnails differ in size (frames of one source have one size).
 */
export function changedFraction(a: GreyThumbnail, b: GreyThumbnail, minGreyDelta: number): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new InputError(`changedFraction: thumbnails differ in size (${a.width}x${a.height} vs ${b.width}x${b.height})`, { option: 'thumbnail' });
  }
  let changed = 0;
  for (let i = 0; i < a.grey.length; i++) if (Math.abs((a.grey[i] ?? 0) - (b.grey[i] ?? 0)) >= minGreyDelta) changed += 1;
  return changed / a.grey.length;
}
