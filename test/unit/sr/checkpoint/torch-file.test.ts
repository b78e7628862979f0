import { zipSync } from 'fflate';
import { CheckpointError } from '../../../../src/contracts';
import type { PickleValue } from '../../../../src/sr/checkpoint/pickle-reader';
import { openTorchFile } from '../../../../src/sr/checkpoint/torch-file';
import { TorchTensor } from '../../../../src/sr/checkpoint/torch-tensor';
import { legacyHeader, le, nums, PickleBytes, torchZip } from './pickle-bytes';

function read(bytes: Uint8Array): PickleValue {
  const f = openTorchFile({ bytes, name: 'mem.pth' });
  try {
    f.loadAll();
    return f.root;
  } finally {
    f.close();
  }
}

const SIX = new Float32Array([0, 1, 2, 3, 4, 5]);

/** {'t': tensor(size, stride, offset) over storage '0' of 6 floats}. */
function dictWithTensor(size: number[], stride: number[], offset: number, storageType = 'FloatStorage', numel = 6, legacy = false): Uint8Array {
  const p = new PickleBytes().proto().emptyDict().str('t');
  p.tensor(storageType, '0', numel, offset, size, stride, legacy);
  return p.setitem().stop().bytes();
}

function tensorOf(root: PickleValue): TorchTensor {
  const t = (root as Map<string, PickleValue>).get('t');
  expect(t).toBeInstanceOf(TorchTensor);
  return t as TorchTensor;
}

describe('torch zip format', () => {
  it('reads a contiguous tensor from a stored archive and from a deflated one', () => {
    for (const level of [0, 6] as const) {
      const t = tensorOf(read(torchZip(dictWithTensor([2, 3], [3, 1], 0), { '0': le(SIX) }, { level })));
      expect(t.shape).toEqual([2, 3]);
      expect(t.isContiguous).toBe(true);
      expect(nums(t.data)).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it('honours strides (a transposed view) and the storage offset', () => {
    const tr = tensorOf(read(torchZip(dictWithTensor([3, 2], [1, 3], 0), { '0': le(SIX) })));
    expect(tr.isContiguous).toBe(false);
    expect(nums(tr.data)).toEqual([0, 3, 1, 4, 2, 5]);
    const sub = tensorOf(read(torchZip(dictWithTensor([2], [2], 1), { '0': le(SIX) })));
    expect(nums(sub.data)).toEqual([1, 3]);
    const tail = tensorOf(read(torchZip(dictWithTensor([1, 2], [2, 1], 4), { '0': le(SIX) })));
    expect(nums(tail.data)).toEqual([4, 5]);
    const scalar = tensorOf(read(torchZip(dictWithTensor([], [], 5), { '0': le(SIX) })));
    expect(scalar.shape).toEqual([]);
    expect(nums(scalar.data)).toEqual([5]);
  });

  it('maps storage classes to dtypes: Long → BigInt64Array, Half → widened float32, Bool → 0/1', () => {
    const longs = tensorOf(read(torchZip(dictWithTensor([3], [1], 0, 'LongStorage', 3), { '0': le(new BigInt64Array([1n, -2n, 2n ** 40n])) })));
    expect(longs.dtype).toBe('int64');
    expect(Array.from(longs.data as BigInt64Array)).toEqual([1n, -2n, 2n ** 40n]);
    // float16 bits of 1, -2, 0.5, 65504, 2^-24 (smallest subnormal).
    const halfBits = new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001]);
    const half = tensorOf(read(torchZip(dictWithTensor([5], [1], 0, 'HalfStorage', 5), { '0': le(halfBits) })));
    expect(half.dtype).toBe('float16');
    expect(nums(half.data)).toEqual([1, -2, 0.5, 65504, 2 ** -24]);
    const bools = tensorOf(read(torchZip(dictWithTensor([2], [1], 0, 'BoolStorage', 2), { '0': Uint8Array.from([1, 0]) })));
    expect(bools.dtype).toBe('bool');
    expect(nums(bools.data)).toEqual([1, 0]);
  });

  it('refuses an unknown storage type, naming it', () => {
    const e = (() => {
      try {
        read(torchZip(dictWithTensor([2], [1], 0, 'ComplexFloatStorage', 2), { '0': new Uint8Array(16) }));
      } catch (err) {
        return err as CheckpointError;
      }
      throw new Error('no error');
    })();
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toMatch(/forbidden global 'torch\.ComplexFloatStorage'.*unsupported storage type; supported: FloatStorage, DoubleStorage/);
  });

  it('refuses a view that runs past its storage, a wrong-sized record and a missing record', () => {
    expect(() => read(torchZip(dictWithTensor([4, 2], [2, 1], 0), { '0': le(SIX) }))).toThrow(
      /tensor of size \(4, 2\) stride \(2, 1\) offset 0 reaches element 7 of storage '0' \(float32\[6\]\)/,
    );
    expect(() => read(torchZip(dictWithTensor([6], [1], 0), { '0': new Uint8Array(20) }))).toThrow(/storage 'archive\/data\/0' has 20 bytes, expected 24/);
    expect(() => read(torchZip(dictWithTensor([6], [1], 0), {}))).toThrow(/storage record 'archive\/data\/0' is missing/);
  });

  it('detects truncation and corruption', () => {
    const zip = torchZip(dictWithTensor([6], [1], 0), { '0': le(SIX) });
    for (const cut of [zip.length - 1, zip.length - 30, Math.floor(zip.length / 2), 10]) {
      expect(() => read(zip.subarray(0, cut))).toThrow(CheckpointError);
    }
    expect(() => read(zip.subarray(0, zip.length - 10))).toThrow(/end-of-central-directory record not found/);
    // Flip one data byte: the CRC-32 check catches it.
    const bad = new Uint8Array(zip);
    const at = Buffer.from(bad).indexOf(Buffer.from(le(new Float32Array([5]))));
    bad[at] = (bad[at] as number) ^ 0x01;
    expect(() => read(bad)).toThrow(/CRC-32 mismatch in 'archive\/data\/0'/);
  });

  it('refuses tensor metadata it would otherwise silently ignore (e.g. a conjugate bit)', () => {
    const p = new PickleBytes().proto().global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', 'FloatStorage').str('0').str('cpu').int(6).tuple().binpersid();
    p.int(0).intTuple([6]).intTuple([1]).bool(false).global('collections', 'OrderedDict').emptyTuple().reduce();
    p.emptyDict().str('conj').bool(true).setitem().tuple().reduce().stop();
    expect(() => read(torchZip(p.bytes(), { '0': le(SIX) }))).toThrow(/_rebuild_tensor_v2: tensor metadata dict\[1\] is not supported/);
  });

  it('refuses a hostile data.pkl inside a well-formed archive', () => {
    const pkl = new PickleBytes().proto().global('os', 'system').str('echo pwned').tuple1().reduce().stop().bytes();
    expect(() => read(torchZip(pkl, {}))).toThrow(/forbidden global 'os\.system'/);
  });

  it('refuses an archive without exactly one <root>/data.pkl', () => {
    const pkl = new PickleBytes().proto().none().stop().bytes();
    expect(() => read(torchZip(pkl, {}, { root: 'a/b' }))).toThrow(/expected exactly one '<root>\/data\.pkl' in the zip archive, found 0/);
    expect(() => read(zipSync({ 'a/data.pkl': pkl, 'b/data.pkl': pkl }))).toThrow(/found 2/);
    expect(read(zipSync({ 'anything/data.pkl': pkl }))).toBeNull();
  });
});

describe('torch legacy format', () => {
  function legacyFile(storageBytes: Uint8Array, count: bigint, extra: Uint8Array = new Uint8Array(0)): Uint8Array {
    const main = dictWithTensor([3, 2], [1, 3], 0, 'FloatStorage', 6, true);
    const keys = new PickleBytes().proto().emptyList().str('0').append().stop().bytes();
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(count);
    return Buffer.concat([legacyHeader(), main, keys, n, storageBytes, extra]);
  }

  it('reads the magic, version, sys_info, object pickle, key list and storages', () => {
    const f = openTorchFile({ bytes: legacyFile(le(SIX), 6n), name: 'legacy.pth' });
    expect(f.format).toBe('legacy');
    expect(nums(tensorOf(f.root).data)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('rejects truncated data, a wrong element count and trailing bytes', () => {
    expect(() => read(legacyFile(le(SIX).subarray(0, 20), 6n))).toThrow(/truncated in storage '0': needs 24 bytes, 20 left/);
    expect(() => read(legacyFile(le(SIX), 5n))).toThrow(/legacy storage '0' holds 5 elements, the pickle says 6/);
    expect(() => read(legacyFile(le(SIX), 6n, Uint8Array.from([0])))).toThrow(/1 trailing bytes after the last storage/);
    expect(() => read(legacyFile(le(SIX), 6n).subarray(0, 40))).toThrow(CheckpointError);
  });
});

describe('not a torch file', () => {
  it('rejects an empty buffer and random bytes', () => {
    expect(() => read(new Uint8Array(0))).toThrow(/empty file, not a torch checkpoint/);
    // Deterministic pseudo-random bytes (LCG), not starting with a zip or pickle magic.
    const rnd = new Uint8Array(4096);
    let s = 12345;
    for (let i = 0; i < rnd.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      rnd[i] = s >>> 24;
    }
    rnd[0] = 0x13;
    expect(() => read(rnd)).toThrow(/not a torch checkpoint: expected a zip archive/);
    // Starts like a zip but has no central directory.
    rnd.set([0x50, 0x4b, 0x03, 0x04], 0);
    expect(() => read(rnd)).toThrow(/end-of-central-directory record not found/);
  });
});
