import { InputError } from '../contracts';
import { SeededRandom } from '../sr';

/**
 * A derangement of 0…n−1 fixed by `seed` (Sattolo's algorithm: a uniformly random single cycle, so
 * no index maps to itself): identity i is given the F_M of identity `order[i]` in the
 * `fasr-shuffled` control.
 * @throws InputError for n < 2.
 */
export function seededDerangement(n: number, seed: number): number[] {
  if (!Number.isSafeInteger(n) || n < 2) throw new InputError(`seededDerangement: need at least 2 identities to give each another's F_M, received ${String(n)}`);
  const rng = new SeededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * i); // j < i: Sattolo
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}
