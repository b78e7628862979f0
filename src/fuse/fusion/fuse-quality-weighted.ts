import { InputError, type FusedIdentity } from '../../contracts';
import { meanOfNormalised } from './fuse-mean';
import { l2normalise } from './l2-normalise';
import { validateEmbeddings } from './validate-embeddings';

/**
 * Quality-weighted F_M: Σ q_i·e_i/‖e_i‖ / Σ q_i over members with q_i > 0 (members with quality 0
 * are listed as rejected). Not re-normalised, like {@link fuseMean}.
 * @param qualities one weight per embedding, finite and ≥ 0 (e.g. ScoredDetection.quality), not all 0.
 * @throws InputError on empty input, mismatched lengths or dimensions, non-finite values or bad weights.
 */
export function fuseQualityWeighted(embeddings: readonly Float32Array[], qualities: readonly number[], embedderId: string): FusedIdentity {
  validateEmbeddings('fuseQualityWeighted', embeddings);
  if (typeof embedderId !== 'string' || embedderId.length === 0) {
    throw new InputError('fuseQualityWeighted: embedderId must be a non-empty string', { option: 'embedderId' });
  }
  if (qualities.length !== embeddings.length) {
    throw new InputError(`fuseQualityWeighted: expected ${embeddings.length} qualities (one per embedding), got ${qualities.length}`, {
      reason: 'length mismatch',
    });
  }
  qualities.forEach((q, i) => {
    if (!(Number.isFinite(q) && q >= 0)) {
      throw new InputError(`fuseQualityWeighted: quality ${i} must be a finite number ≥ 0, got ${String(q)}`, { reason: 'bad weight' });
    }
  });
  const members = qualities.flatMap((q, i) => (q > 0 ? [i] : []));
  if (members.length === 0) throw new InputError('fuseQualityWeighted: all qualities are 0; nothing to fuse', { reason: 'zero weights' });
  const rejected = qualities.flatMap((q, i) => (q > 0 ? [] : [i]));
  const normalised = embeddings.map((e) => l2normalise(e));
  return {
    featureVector: meanOfNormalised(normalised, members, qualities),
    embedderId,
    method: 'quality-weighted',
    memberIndices: members,
    rejectedIndices: rejected,
  };
}
