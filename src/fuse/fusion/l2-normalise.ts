import { InputError } from '../../contracts';

/**
 * v / ‖v‖₂ (computed in float64, stored as float32).
 * @throws InputError for a zero, empty or non-finite vector (a zero embedding has no direction).
 */
export function l2normalise(v: Float32Array): Float32Array {
  if (v.length === 0) throw new InputError('l2normalise: empty vector', { reason: 'empty' });
  let ss = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] ?? NaN;
    if (!Number.isFinite(x)) throw new InputError(`l2normalise: non-finite value (${String(x)}) at index ${i}`, { reason: 'non-finite' });
    ss += x * x;
  }
  if (ss === 0) throw new InputError('l2normalise: zero vector has no direction', { reason: 'zero norm' });
  const inv = 1 / Math.sqrt(ss);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] ?? 0) * inv;
  return out;
}
