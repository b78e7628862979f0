/**
 * The order of the model card's identity validation faces: every face's successor (whose F_M the
 * shuffled condition gives it) is another person, or the order is refused.
 */
import { alternatePersonsOrder } from '../../../src/eval';

function check(persons: readonly string[]): void {
  const order = alternatePersonsOrder(persons);
  expect(order).not.toBeNull();
  const o = order as number[];
  expect([...o].sort((a, b) => a - b)).toEqual([...persons.keys()]); // a permutation: every face once
  o.forEach((f, i) => expect(persons[f]).not.toBe(persons[o[(i + 1) % o.length] as number]));
}

describe('alternatePersonsOrder', () => {
  it('puts another person after every face, cyclically', () => {
    check(['a', 'a', 'b', 'b']);
    check(['a', 'a', 'a', 'b', 'b', 'c']);
    check(['a', 'b', 'a', 'c', 'a', 'd', 'b', 'b']);
    check(['x', 'y']);
    check([...'aaaabbbcccddeefg']);
  });

  it('returns null when no such order exists: one person holds more than half, or fewer than 2 faces', () => {
    expect(alternatePersonsOrder(['a', 'a', 'a', 'b', 'c'])).toBeNull();
    expect(alternatePersonsOrder(['a', 'a'])).toBeNull();
    expect(alternatePersonsOrder(['a'])).toBeNull();
    expect(alternatePersonsOrder([])).toBeNull();
  });
});
