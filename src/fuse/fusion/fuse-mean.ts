import { InputError, type FusedIdentity } from '../../contracts';
import { l2normalise } from './l2-normalise';
import { validateEmbeddings } from './validate-embeddings';

/**
 * Weighted mean of the L2-normalised members listed in `indices`, in float64. Not re-normalised
 * (F_M keeps the norm < 1 that tells how much the members agree, as in the authors' features).
 */
export function meanOfNormalised(normalised: readonly Float32Array[], indices: readonly number[], weights?: readonly number[]): Float32Array {
  const dim = normalised[0]?.length ?? 0;
  const acc = new Float64Array(dim);
  let wSum = 0;
  for (const i of indices) {
    const w = weights === undefined ? 1 : (weights[i] ?? 0);
    const e = normalised[i];
    if (e === undefined) continue;
    for (let k = 0; k < dim; k++) acc[k] = (acc[k] ?? 0) + w * (e[k] ?? 0);
    wSum += w;
  }
  const out = new Float32Array(dim);
  for (let k = 0; k < dim; k++) out[k] = (acc[k] ?? 0) / wSum;
  return out;
}

/**
 * F_M of the paper: the mean of the L2-normalised member embeddings, F_M = (1/N) Σ e_i/‖e_i‖
 * (FASR `features_extract.py` averages the AdaFace embeddings, which the model returns
 * normalised). The result is not re-normalised: the authors' feature rows have norms 0.72–0.86.
 * @param embeddings N ≥ 1 embeddings of one dimension (any norm > 0).
 * @param embedderId the embedder that produced them (recorded in the result).
 * @throws InputError on empty input, mismatched dimensions, non-finite values or a zero vector.
 */
export function fuseMean(embeddings: readonly Float32Array[], embedderId: string): FusedIdentity {
  validateEmbeddings('fuseMean', embeddings);
  if (typeof embedderId !== 'string' || embedderId.length === 0) {
    throw new InputError('fuseMean: embedderId must be a non-empty string', { option: 'embedderId' });
  }
  const normalised = embeddings.map((e) => l2normalise(e));
  const all = normalised.map((_, i) => i);
  return { featureVector: meanOfNormalised(normalised, all), embedderId, method: 'mean', memberIndices: all, rejectedIndices: [] };
}
