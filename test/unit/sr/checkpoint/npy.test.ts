import * as path from 'node:path';
import { formatNpy, parseNpy, readNpy } from '../../../../src/sr/checkpoint/npy';
import { CheckpointError } from '../../../../src/contracts';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/fasr-reference');

describe('npy', () => {
  it('reads a float32 fixture with its shape', () => {
    const t = readNpy(path.join(FIXTURES, 'tiny/t.npy'));
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2]);
    expect(Array.from(t.data as Float32Array)).toEqual([Math.fround(0.3), Math.fround(0.9)]);
    const x = readNpy(path.join(FIXTURES, 'tiny/x.npy'));
    expect(x.shape).toEqual([2, 3, 32, 32]);
    expect(x.data.length).toBe(2 * 3 * 32 * 32);
  });

  it('round-trips through formatNpy', () => {
    const t = { dtype: 'float64' as const, shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6.5]) };
    const back = parseNpy(formatNpy(t));
    expect(back.shape).toEqual([2, 3]);
    expect(Array.from(back.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6.5]);
  });

  it('rejects a non-npy buffer and a truncated one with CheckpointError', () => {
    expect(() => parseNpy(Buffer.from('hello world, not numpy'), 'bad.npy')).toThrow(/bad\.npy: not a \.npy file/);
    const good = formatNpy({ dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(() => parseNpy(good.subarray(0, good.length - 3), 'cut.npy')).toThrow(CheckpointError);
    expect(() => readNpy('/nonexistent/file.npy')).toThrow(/cannot read/);
  });
});
