import { InputError } from '../../contracts';

/**
 * A probe x gallery similarity matrix with the identity label of every row and column.
 * `scores[p][g]` is the similarity of probe p to gallery entry g (higher = more alike).
 */
export interface SimilarityMatrix {
  readonly scores: readonly (readonly number[])[];
  readonly probeIds: readonly string[];
  readonly galleryIds: readonly string[];
}

/**
 * Checks a {@link SimilarityMatrix}: rows = probes, columns = gallery, finite scores, at least one
 * probe and one gallery entry.
 * @throws InputError naming the first offending row/column.
 */
export function validateSimilarityMatrix(m: SimilarityMatrix, where: string): void {
  const { scores, probeIds, galleryIds } = m;
  if (probeIds.length === 0 || galleryIds.length === 0) {
    throw new InputError(`${where}: need at least one probe and one gallery entry, received ${probeIds.length} probes and ${galleryIds.length} gallery entries`);
  }
  if (scores.length !== probeIds.length) {
    throw new InputError(`${where}: scores has ${scores.length} rows, expected one per probe (${probeIds.length})`);
  }
  scores.forEach((row, p) => {
    if (row.length !== galleryIds.length) {
      throw new InputError(`${where}: scores row ${p} has ${row.length} columns, expected one per gallery entry (${galleryIds.length})`);
    }
    row.forEach((s, g) => {
      if (!Number.isFinite(s)) throw new InputError(`${where}: score [${p}][${g}] is not finite (${String(s)})`);
    });
  });
}

/**
 * Cosine similarities of every probe embedding to every gallery embedding:
 * cos(a, b) = a·b / (‖a‖‖b‖), in float64.
 * @throws InputError for mismatched dimensions, empty inputs or a zero vector.
 */
export function cosineSimilarityMatrix(
  probes: readonly Float32Array[],
  gallery: readonly Float32Array[],
  probeIds: readonly string[],
  galleryIds: readonly string[],
): SimilarityMatrix {
  if (probes.length !== probeIds.length || gallery.length !== galleryIds.length) {
    throw new InputError(
      `cosineSimilarityMatrix: ${probes.length} probe embeddings for ${probeIds.length} probe ids, ${gallery.length} gallery embeddings for ${galleryIds.length} gallery ids`,
    );
  }
  const dim = gallery[0]?.length ?? probes[0]?.length ?? 0;
  const norm = (v: Float32Array, what: string): number => {
    if (v.length !== dim) throw new InputError(`cosineSimilarityMatrix: ${what} has ${v.length} values, expected ${dim}`);
    let s = 0;
    for (const x of v) s += x * x;
    if (!(s > 0) || !Number.isFinite(s)) throw new InputError(`cosineSimilarityMatrix: ${what} is a zero or non-finite vector`);
    return Math.sqrt(s);
  };
  const gNorms = gallery.map((g, i) => norm(g, `gallery embedding ${i}`));
  const scores = probes.map((p, i) => {
    const pn = norm(p, `probe embedding ${i}`);
    return gallery.map((g, j) => {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += (p[k] ?? 0) * (g[k] ?? 0);
      return dot / (pn * (gNorms[j] ?? 1));
    });
  });
  const m = { scores, probeIds: [...probeIds], galleryIds: [...galleryIds] };
  validateSimilarityMatrix(m, 'cosineSimilarityMatrix');
  return m;
}
