/**
 * A 2-D similarity (rotation + uniform scale + translation) in pixel-index coordinates (the centre
 * of pixel (0, 0) is (0, 0), x right, y down):
 *   [X, Y] = [[a, -b], [b, a]] · [x, y] + [tx, ty].
 * The scale is hypot(a, b) and the rotation atan2(b, a).
 */
export interface SimilarityTransform {
  readonly a: number;
  readonly b: number;
  readonly tx: number;
  readonly ty: number;
}

/** Maps one point through `t`. */
export function applySimilarity(t: SimilarityTransform, p: readonly [number, number]): [number, number] {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

/** The inverse similarity: applySimilarity(invertSimilarity(t), applySimilarity(t, p)) = p. */
export function invertSimilarity(t: SimilarityTransform): SimilarityTransform {
  const n = t.a * t.a + t.b * t.b;
  const a = t.a / n;
  const b = -t.b / n;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}
