import { InputError } from '../../contracts';
import { SeededRandom } from '../../sr';
import { probeRanks } from './identification';
import { validateSimilarityMatrix } from './similarity-matrix';
import type { SimilarityMatrix } from './similarity-matrix';

/** A difference of two methods' figures with its bootstrap interval. */
export interface PairedDifference {
  /** Figure of method A minus that of method B on the evaluated identities. */
  readonly difference: number;
  /** Percentile bootstrap interval of the difference, [low, high]. */
  readonly ci: readonly [number, number];
}

/** AUC and Rank-1 differences (A − B) with their intervals. */
export interface PairedBootstrapResult {
  readonly auc: PairedDifference;
  /** Rank-1 (the tie-averaged rate, as in the tables), a fraction. */
  readonly rank1: PairedDifference;
  /** Bootstrap resamples drawn. */
  readonly resamples: number;
  /** Interval level, e.g. 0.95. */
  readonly level: number;
  readonly seed: number;
}

/** Options of {@link pairedBootstrap}. */
export interface PairedBootstrapOptions {
  /** Resamples, ≥ 100. Default 2000. */
  readonly resamples?: number;
  /** Interval level in (0, 1). Default 0.95. */
  readonly level?: number;
  /** Seed of the resampling (SeededRandom). Default 0. */
  readonly seed?: number;
}

/**
 * Per probe: its genuine score (the best mated gallery entry) and its impostor scores (the others).
 * Rows of a closed-set matrix with one mated entry per probe identity.
 */
function rows(m: SimilarityMatrix): { genuine: number[]; impostors: number[][] } {
  const genuine: number[] = [];
  const impostors: number[][] = [];
  m.scores.forEach((row, p) => {
    let g = -Infinity;
    const imp: number[] = [];
    row.forEach((s, j) => {
      if (m.galleryIds[j] === m.probeIds[p]) g = Math.max(g, s);
      else imp.push(s);
    });
    genuine.push(g);
    impostors.push(imp.sort((a, b) => a - b));
  });
  return { genuine, impostors };
}

/** Impostors of a sorted row below `g`, ties counted ½ (the Mann–Whitney kernel summed over the row). */
function countBelow(sorted: readonly number[], g: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < g) lo = mid + 1;
    else hi = mid;
  }
  let eq = lo;
  while (eq < sorted.length && sorted[eq] === g) eq += 1;
  return lo + 0.5 * (eq - lo);
}

/** Kernel matrix K[r][s] = Σ over row s's impostors of [g_r > i] + ½[g_r = i], and the row sizes. */
function aucKernel(m: SimilarityMatrix): { k: Float64Array; sizes: number[]; rank1: number[] } {
  const { genuine, impostors } = rows(m);
  const n = genuine.length;
  const k = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let s = 0; s < n; s++) k[r * n + s] = countBelow(impostors[s] as number[], genuine[r] as number);
  // Rank-1 per probe, ties at random order (identificationRates' `average`).
  const rank1 = probeRanks(m).map((p) => Math.min(1, Math.max(0, (1 - p.above) / (p.tied + 1))));
  return { k, sizes: impostors.map((i) => i.length), rank1 };
}

function weightedAuc(k: Float64Array, sizes: readonly number[], w: Float64Array): number {
  const n = sizes.length;
  let num = 0;
  let pairs = 0;
  let wsum = 0;
  for (let s = 0; s < n; s++) {
    wsum += w[s] as number;
    pairs += (w[s] as number) * (sizes[s] as number);
  }
  for (let r = 0; r < n; r++) {
    const wr = w[r] as number;
    if (wr === 0) continue;
    for (let s = 0; s < n; s++) num += wr * (w[s] as number) * (k[r * n + s] as number);
  }
  return num / (wsum * pairs);
}

function weightedMean(v: readonly number[], w: Float64Array): number {
  let a = 0;
  let b = 0;
  v.forEach((x, i) => {
    a += x * (w[i] as number);
    b += w[i] as number;
  });
  return a / b;
}

function percentile(sorted: Float64Array, q: number): number {
  // linear interpolation between order statistics (numpy's default)
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * Paired percentile bootstrap of the differences A − B of verification AUC and Rank-1 between two
 * methods scored on the same identities against the same gallery: each resample draws the
 * identities (probes) with replacement, the same draw for both methods, keeps the gallery fixed,
 * and recomputes the pooled Mann–Whitney AUC over the drawn probes' genuine and impostor scores
 * (ties ½) and the mean Rank-1 (ties at random order). Efron & Tibshirani (1993), ch. 13.
 * @throws InputError for matrices that do not share probes and gallery, fewer than 2 probes, bad options.
 */
export function pairedBootstrap(a: SimilarityMatrix, b: SimilarityMatrix, opts: PairedBootstrapOptions = {}): PairedBootstrapResult {
  validateSimilarityMatrix(a, 'pairedBootstrap');
  validateSimilarityMatrix(b, 'pairedBootstrap');
  const same = (x: readonly string[], y: readonly string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  if (!same(a.probeIds, b.probeIds) || !same(a.galleryIds, b.galleryIds)) throw new InputError('pairedBootstrap: the two methods must be scored on the same probes and gallery (a paired comparison)');
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(resamples) || resamples < 100) throw new InputError(`pairedBootstrap: resamples must be an integer >= 100, received ${String(resamples)}`, { option: 'resamples' });
  if (!(level > 0 && level < 1)) throw new InputError(`pairedBootstrap: level must be in (0, 1), received ${String(level)}`, { option: 'level' });
  const n = a.probeIds.length;
  if (n < 2) throw new InputError(`pairedBootstrap: need at least 2 probes, received ${n}`);
  const ka = aucKernel(a);
  const kb = aucKernel(b);
  const ones = new Float64Array(n).fill(1);
  const auc = weightedAuc(ka.k, ka.sizes, ones) - weightedAuc(kb.k, kb.sizes, ones);
  const rank1 = weightedMean(ka.rank1, ones) - weightedMean(kb.rank1, ones);
  const rng = new SeededRandom(seed);
  const dAuc = new Float64Array(resamples);
  const dRank1 = new Float64Array(resamples);
  const w = new Float64Array(n);
  for (let t = 0; t < resamples; t++) {
    w.fill(0);
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rng.uniform() * n);
      w[j] = (w[j] as number) + 1;
    }
    dAuc[t] = weightedAuc(ka.k, ka.sizes, w) - weightedAuc(kb.k, kb.sizes, w);
    dRank1[t] = weightedMean(ka.rank1, w) - weightedMean(kb.rank1, w);
  }
  dAuc.sort();
  dRank1.sort();
  const tail = (1 - level) / 2;
  return {
    auc: { difference: auc, ci: [percentile(dAuc, tail), percentile(dAuc, 1 - tail)] },
    rank1: { difference: rank1, ci: [percentile(dRank1, tail), percentile(dRank1, 1 - tail)] },
    resamples,
    level,
    seed,
  };
}
