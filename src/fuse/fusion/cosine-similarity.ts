import { InputError } from '../../contracts';

/**
 * cos(a, b) = a·b / (‖a‖‖b‖), float64 accumulation.
 * @throws InputError on different lengths, empty, zero or non-finite vectors.
 */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw new InputError(`cosineSimilarity: vectors must be non-empty and of equal length, got ${a.length} and ${b.length}`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? NaN;
    const y = b[i] ?? NaN;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (!Number.isFinite(dot + na + nb)) throw new InputError('cosineSimilarity: non-finite value in input', { reason: 'non-finite' });
  if (na === 0 || nb === 0) throw new InputError('cosineSimilarity: zero vector', { reason: 'zero norm' });
  return dot / Math.sqrt(na * nb);
}
