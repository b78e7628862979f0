import { InputError } from '../../contracts';
import { validateSimilarityMatrix } from './similarity-matrix';
import type { SimilarityMatrix } from './similarity-matrix';

/** How a probe's true match ranks among the gallery. */
export interface ProbeRank {
  /** Non-mated gallery entries scoring strictly above the best mated entry. */
  readonly above: number;
  /** Non-mated gallery entries scoring exactly as the best mated entry (ties). */
  readonly tied: number;
  /** Rank when ties are resolved in the probe's favour: above + 1. */
  readonly optimistic: number;
  /** Rank when ties are resolved against it: above + tied + 1. */
  readonly pessimistic: number;
}

/** Closed-set 1:N identification rates at ranks `ks`, under the three tie conventions. */
export interface IdentificationRates {
  readonly ks: readonly number[];
  /** Fraction of probes whose pessimistic rank ≤ k (ties all count against the probe). */
  readonly pessimistic: readonly number[];
  /** Fraction of probes whose optimistic rank ≤ k (ties all count for the probe). */
  readonly optimistic: readonly number[];
  /**
   * Expected rate under a uniformly random order of tied entries: a probe with `above` = a and
   * `tied` = q lies at each of ranks a+1 … a+q+1 with probability 1/(q+1), so it scores
   * clamp((k − a) / (q + 1), 0, 1). Equals the others when there are no ties. The reported figure.
   */
  readonly average: readonly number[];
  readonly ranks: readonly ProbeRank[];
}

/**
 * Rank of each probe's identity among the gallery entries (closed set: every probe identity must
 * be in the gallery). With several mated entries the best-scoring one counts (the rank of the
 * first correct match).
 * @throws InputError for a malformed matrix or a probe whose identity is not in the gallery.
 */
export function probeRanks(m: SimilarityMatrix): ProbeRank[] {
  validateSimilarityMatrix(m, 'probeRanks');
  return m.scores.map((row, p) => {
    const id = m.probeIds[p];
    let best = -Infinity;
    let mated = 0;
    row.forEach((s, g) => {
      if (m.galleryIds[g] === id) {
        mated += 1;
        best = Math.max(best, s);
      }
    });
    if (mated === 0) throw new InputError(`probeRanks: probe ${p} (identity ${JSON.stringify(id)}) has no gallery entry: closed-set identification needs one`);
    let above = 0;
    let tied = 0;
    row.forEach((s, g) => {
      if (m.galleryIds[g] === id) return;
      if (s > best) above += 1;
      else if (s === best) tied += 1;
    });
    return { above, tied, optimistic: above + 1, pessimistic: above + tied + 1 };
  });
}

/**
 * Rank-k identification rates (Rank-1/5/10 of the paper's Table I) with the three tie conventions.
 * @param ks ranks, positive integers (default 1, 5, 10). A k above the gallery size gives 1.
 * @throws InputError for a bad k or what {@link probeRanks} throws.
 */
export function identificationRates(m: SimilarityMatrix, ks: readonly number[] = [1, 5, 10]): IdentificationRates {
  for (const k of ks) {
    if (!Number.isSafeInteger(k) || k < 1) throw new InputError(`identificationRates: ranks must be positive integers, received ${String(k)}`);
  }
  const ranks = probeRanks(m);
  const n = ranks.length;
  const rate = (f: (r: ProbeRank, k: number) => number): number[] => ks.map((k) => ranks.reduce((s, r) => s + f(r, k), 0) / n);
  return {
    ks: [...ks],
    pessimistic: rate((r, k) => (r.pessimistic <= k ? 1 : 0)),
    optimistic: rate((r, k) => (r.optimistic <= k ? 1 : 0)),
    average: rate((r, k) => Math.min(1, Math.max(0, (k - r.above) / (r.tied + 1)))),
    ranks,
  };
}
