import { philox4x32 } from '../../../../src/sr/noise';

const hex = (a: Uint32Array): string[] => Array.from(a).map((v) => v.toString(16).padStart(8, '0'));

describe('philox4x32 (Philox4x32-10)', () => {
  // Known-answer vectors from Random123's kat_vectors (philox4x32 with 10 rounds).
  it.each([
    [[0, 0, 0, 0], [0, 0], ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']],
  ])('ctr %j key %j → Random123 answer', (ctr, key, expected) => {
    const out = new Uint32Array(4);
    philox4x32(ctr, key, out);
    expect(hex(out)).toEqual(expected);
  });
});
