import { InputError } from '../../contracts';
import { validateSimilarityMatrix } from './similarity-matrix';
import type { SimilarityMatrix } from './similarity-matrix';

/** The 1:1 verification scores of all probe–gallery pairs, split by whether the pair is the same identity. */
export interface PairScores {
  /** Scores of same-identity (mated) pairs. */
  readonly genuine: Float64Array;
  /** Scores of different-identity (non-mated) pairs. */
  readonly impostor: Float64Array;
}

/** One operating point of an ROC curve: accept a pair when its score ≥ threshold. */
export interface RocPoint {
  /** Score threshold; +Infinity for the (0, 0) start. */
  readonly threshold: number;
  /** False accept rate: impostor pairs with score ≥ threshold / impostor pairs. */
  readonly far: number;
  /** True accept rate: genuine pairs with score ≥ threshold / genuine pairs. */
  readonly tar: number;
}

/** TAR at a FAR target (see {@link tarAtFar}). */
export interface TarAtFar {
  /** The FAR target. */
  readonly farTarget: number;
  /** Highest TAR of an operating point whose FAR ≤ the target. */
  readonly tar: number;
  /** That point's FAR (≤ farTarget) and threshold. */
  readonly far: number;
  readonly threshold: number;
}

/**
 * Splits the scores of all probe–gallery pairs into genuine (same identity) and impostor.
 * @throws InputError for a malformed matrix, or when there is no genuine or no impostor pair.
 */
export function pairScores(m: SimilarityMatrix): PairScores {
  validateSimilarityMatrix(m, 'pairScores');
  const genuine: number[] = [];
  const impostor: number[] = [];
  m.scores.forEach((row, p) => {
    row.forEach((s, g) => (m.probeIds[p] === m.galleryIds[g] ? genuine : impostor).push(s));
  });
  if (genuine.length === 0) throw new InputError('pairScores: no genuine pair (no probe identity is in the gallery)');
  if (impostor.length === 0) throw new InputError('pairScores: no impostor pair (the gallery holds a single identity)');
  return { genuine: Float64Array.from(genuine), impostor: Float64Array.from(impostor) };
}

function checkScores(where: string, s: PairScores): void {
  if (s.genuine.length === 0 || s.impostor.length === 0) {
    throw new InputError(`${where}: need genuine and impostor scores, received ${s.genuine.length} genuine and ${s.impostor.length} impostor`);
  }
  for (const a of [s.genuine, s.impostor]) {
    for (const v of a) if (!Number.isFinite(v)) throw new InputError(`${where}: score ${String(v)} is not finite`);
  }
}

/**
 * The ROC curve: one point per distinct score (accept when score ≥ it), from (0, 0) to (1, 1),
 * FAR non-decreasing. Pairs with equal scores move together, so a tie between genuine and
 * impostor scores is a diagonal segment (whose trapezoid area is the Mann–Whitney ½ credit).
 * @throws InputError when either set is empty or a score is not finite.
 */
export function rocCurve(scores: PairScores): RocPoint[] {
  checkScores('rocCurve', scores);
  const G = scores.genuine.length;
  const I = scores.impostor.length;
  const all: { s: number; genuine: boolean }[] = [];
  for (const s of scores.genuine) all.push({ s, genuine: true });
  for (const s of scores.impostor) all.push({ s, genuine: false });
  all.sort((a, b) => b.s - a.s);
  const points: RocPoint[] = [{ threshold: Infinity, far: 0, tar: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    const t = (all[i] as { s: number }).s;
    while (i < all.length && (all[i] as { s: number }).s === t) {
      if ((all[i] as { genuine: boolean }).genuine) tp += 1;
      else fp += 1;
      i += 1;
    }
    points.push({ threshold: t, far: fp / I, tar: tp / G });
  }
  return points;
}

/** Area under an ROC curve by the trapezoid rule (equals {@link aucMannWhitney} for a {@link rocCurve}). */
export function rocArea(points: readonly RocPoint[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as RocPoint;
    const b = points[i] as RocPoint;
    area += ((b.far - a.far) * (a.tar + b.tar)) / 2;
  }
  return area;
}

/**
 * Verification AUC as the Mann–Whitney statistic: the probability that a random genuine pair
 * scores above a random impostor pair, a tie counting ½ (U / (G·I), ranks averaged over ties).
 * 1 = perfect separation, 0.5 = chance, 0 = inverted.
 * @throws InputError when either set is empty or a score is not finite.
 */
export function aucMannWhitney(scores: PairScores): number {
  checkScores('aucMannWhitney', scores);
  const G = scores.genuine.length;
  const I = scores.impostor.length;
  const all: { s: number; genuine: boolean }[] = [];
  for (const s of scores.genuine) all.push({ s, genuine: true });
  for (const s of scores.impostor) all.push({ s, genuine: false });
  all.sort((a, b) => a.s - b.s);
  let rankSumGenuine = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    let genuineInTie = 0;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) {
      if ((all[j] as { genuine: boolean }).genuine) genuineInTie += 1;
      j += 1;
    }
    const avgRank = (i + 1 + j) / 2; // 1-based ranks i+1..j averaged
    rankSumGenuine += genuineInTie * avgRank;
    i = j;
  }
  const u = rankSumGenuine - (G * (G + 1)) / 2;
  return u / (G * I);
}

/**
 * TAR at a FAR target: the highest TAR among ROC operating points whose FAR does not exceed the
 * target (no interpolation between points, so never optimistic). With I impostor pairs, FAR
 * targets below 1/I can only be met at FAR 0.
 * @throws InputError for a target outside [0, 1] or an empty curve.
 */
export function tarAtFar(points: readonly RocPoint[], farTarget: number): TarAtFar {
  if (!(Number.isFinite(farTarget) && farTarget >= 0 && farTarget <= 1)) {
    throw new InputError(`tarAtFar: FAR target must be in [0, 1], received ${String(farTarget)}`);
  }
  if (points.length === 0) throw new InputError('tarAtFar: empty ROC curve');
  let best: RocPoint | null = null;
  for (const p of points) {
    if (p.far <= farTarget && (best === null || p.tar > best.tar)) best = p;
  }
  const b = best ?? { threshold: Infinity, far: 0, tar: 0 };
  return { farTarget, tar: b.tar, far: b.far, threshold: b.threshold };
}
