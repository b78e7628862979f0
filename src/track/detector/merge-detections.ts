import type { Detection } from '../../contracts';

type Box = readonly [number, number, number, number];

/** Intersection area of two XYWH boxes. */
function intersection(a: Box, b: Box): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union of two XYWH boxes, in [0, 1]. */
export function boxIou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other. */
export function boxIoMin(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const small = Math.min(a[2] * a[3], b[2] * b[3]);
  return small > 0 ? inter / small : 0;
}

/**
 * Greedy non-maximum suppression over detections of one frame gathered from several analysis
 * passes (whole frame, tiles): highest score first, a detection is dropped when its IoU with a
 * kept one exceeds `iouThreshold`, or when it lies mostly (IoMin > `containThreshold`) inside
 * or around a kept one — the partial face a tile border cuts. Returns at most `maxFaces`, by score.
 */
export function mergeDetections<T extends Detection>(detections: readonly T[], iouThreshold: number, maxFaces: number, containThreshold = 0.7): T[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    if (kept.length >= maxFaces) break;
    const clash = kept.some((k) => boxIou(k.bboxXYWH, d.bboxXYWH) > iouThreshold || boxIoMin(k.bboxXYWH, d.bboxXYWH) > containThreshold);
    if (!clash) kept.push(d);
  }
  return kept;
}

/**
 * The detections of a second pass that add faces to a first pass's: those of `extra` whose box
 * overlaps no box of `primary` (IoU ≤ `iouThreshold` and IoMin ≤ `containThreshold`, as
 * {@link mergeDetections}), appended after `primary` in their own order. The first pass keeps
 * every detection it made: where both passes found a face, its box, landmarks and angles win.
 */
export function addUncoveredDetections<T extends Detection>(primary: readonly T[], extra: readonly T[], iouThreshold: number, containThreshold = 0.7): T[] {
  const out = [...primary];
  for (const d of extra) {
    const covered = primary.some((p) => boxIou(p.bboxXYWH, d.bboxXYWH) > iouThreshold || boxIoMin(p.bboxXYWH, d.bboxXYWH) > containThreshold);
    if (!covered) out.push(d);
  }
  return out;
}
