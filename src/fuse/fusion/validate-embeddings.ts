import { InputError } from '../../contracts';

/**
 * Checks a member list for fusion: non-empty, one dimension, every value finite.
 * @returns the common dimension.
 * @throws InputError naming `fn`, the member index and what was wrong.
 */
export function validateEmbeddings(fn: string, embeddings: readonly Float32Array[]): number {
  if (!Array.isArray(embeddings) || embeddings.length === 0) {
    throw new InputError(`${fn}: expected at least one embedding, got ${Array.isArray(embeddings) ? 0 : typeof embeddings}`, {
      reason: 'empty input',
    });
  }
  const dim = embeddings[0]?.length ?? 0;
  if (dim === 0) throw new InputError(`${fn}: embedding 0 is empty`, { reason: 'empty embedding' });
  embeddings.forEach((e, i) => {
    if (!(e instanceof Float32Array)) throw new InputError(`${fn}: embedding ${i} must be a Float32Array`, { reason: 'bad type' });
    if (e.length !== dim) {
      throw new InputError(`${fn}: embedding ${i} has dimension ${e.length}, expected ${dim} (the dimension of embedding 0)`, {
        reason: 'dimension mismatch',
      });
    }
    for (let k = 0; k < dim; k++) {
      if (!Number.isFinite(e[k])) {
        throw new InputError(`${fn}: embedding ${i} has a non-finite value (${String(e[k])}) at index ${k}`, { reason: 'non-finite' });
      }
    }
  });
  return dim;
}
