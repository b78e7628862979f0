import { zipSync } from 'fflate';
import { CheckpointError } from '../../../../src/contracts';
import { BufferByteSource } from '../../../../src/sr/checkpoint/byte-source';
import { crc32, crc32Js, ZipArchive } from '../../../../src/sr/checkpoint/zip-archive';

/**
 * Writes a stored-only zip by hand. With `zip64`, every size/offset in the central directory and
 * the end record is saturated and the real values live in ZIP64 extra fields and records, as
 * writers do for archives over 4 GiB.
 */
function handZip(files: Readonly<Record<string, Uint8Array>>, zip64: boolean): Uint8Array {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(45, 4);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    local.push(lh, n, Buffer.from(data));
    const extra = Buffer.alloc(zip64 ? 28 : 0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(data.length), 4);
      extra.writeBigUInt64LE(BigInt(data.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(45, 4);
    ch.writeUInt16LE(45, 6);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(zip64 ? 0xffffffff : data.length, 20);
    ch.writeUInt32LE(zip64 ? 0xffffffff : data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt16LE(extra.length, 30);
    ch.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    central.push(ch, n, extra);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const count = Object.keys(files).length;
  const tail: Buffer[] = [];
  if (zip64) {
    const e64 = Buffer.alloc(56);
    e64.writeUInt32LE(0x06064b50, 0);
    e64.writeBigUInt64LE(44n, 4);
    e64.writeBigUInt64LE(BigInt(count), 24);
    e64.writeBigUInt64LE(BigInt(count), 32);
    e64.writeBigUInt64LE(BigInt(cd.length), 40);
    e64.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(e64, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 8);
  eocd.writeUInt16LE(zip64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(zip64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return Buffer.concat([...local, cd, ...tail, eocd]);
}

const FILES = { 'archive/data.pkl': Uint8Array.from([0x80, 2, 0x4e, 0x2e]), 'archive/data/0': Uint8Array.from({ length: 100 }, (_, i) => i) };

describe('ZipArchive', () => {
  it('reads stored entries, with and without ZIP64 records', () => {
    for (const zip64 of [false, true]) {
      const z = new ZipArchive(new BufferByteSource(handZip(FILES, zip64), 'hand.zip'));
      expect(z.names()).toEqual(Object.keys(FILES));
      const d = z.read('archive/data/0');
      expect(Array.from(d)).toEqual(Array.from(FILES['archive/data/0']));
      expect(d.byteOffset).toBe(0);
      expect(z.entry('archive/data/0').uncompressedSize).toBe(100);
    }
  });

  it('reads deflated entries (fflate writer)', () => {
    const zip = zipSync({ 'a/x': [new Uint8Array(5000).fill(7), { level: 9 }] });
    const z = new ZipArchive(new BufferByteSource(zip));
    expect(z.entry('a/x').method).toBe(8);
    expect(z.read('a/x').every((b) => b === 7)).toBe(true);
  });

  it('finds the end record behind an archive comment', () => {
    const zip = Buffer.from(handZip(FILES, false));
    const comment = Buffer.from('PK\x05\x06 looks like a signature but is a comment');
    zip.writeUInt16LE(comment.length, zip.length - 2);
    const z = new ZipArchive(new BufferByteSource(Buffer.concat([zip, comment])));
    expect(Array.from(z.read('archive/data.pkl'))).toEqual([0x80, 2, 0x4e, 0x2e]);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    // The JS fallback (slicing by 8) agrees with zlib on every length mod 8 and on unaligned views.
    const buf = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    for (const [a, b] of [[0, 0], [0, 1], [3, 17], [1, 999], [0, 1000], [5, 12]] as const) {
      expect(crc32Js(buf.subarray(a, b))).toBe(crc32(buf.subarray(a, b)));
    }
  });

  it('names the entry for a missing entry, a CRC mismatch and a bad local header', () => {
    const zip = handZip(FILES, false);
    const z = new ZipArchive(new BufferByteSource(zip, 'hand.zip'));
    expect(() => z.read('archive/nope')).toThrow(/hand\.zip: zip archive has no entry 'archive\/nope'/);
    const corrupt = new Uint8Array(zip);
    const at = 30 + 'archive/data.pkl'.length + 4 + 30 + 'archive/data/0'.length + 50;
    corrupt[at] = (corrupt[at] as number) ^ 0xff;
    expect(() => new ZipArchive(new BufferByteSource(corrupt, 'c.zip')).read('archive/data/0')).toThrow(/c\.zip: CRC-32 mismatch in 'archive\/data\/0'/);
    const noLocal = new Uint8Array(zip);
    noLocal[0] = 0;
    expect(() => new ZipArchive(new BufferByteSource(noLocal, 'l.zip')).read('archive/data.pkl')).toThrow(/no local header for 'archive\/data\.pkl' at offset 0/);
  });

  it('refuses truncated archives with CheckpointError', () => {
    const zip = handZip(FILES, true);
    for (let cut = 0; cut < zip.length; cut += 7) {
      let ok = false;
      try {
        new ZipArchive(new BufferByteSource(zip.subarray(0, cut), 'cut.zip')).read('archive/data/0');
        ok = true;
      } catch (e) {
        expect(e).toBeInstanceOf(CheckpointError);
      }
      expect({ cut, ok }).toEqual({ cut, ok: false });
    }
  });

  it('refuses encrypted entries, unknown methods and duplicate names', () => {
    const zip = Buffer.from(handZip({ a: Uint8Array.from([1]) }, false));
    const cdAt = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const enc = Buffer.from(zip);
    enc.writeUInt16LE(1, cdAt + 8);
    expect(() => new ZipArchive(new BufferByteSource(enc))).toThrow(/encrypted zip entries are not supported/);
    const bz = Buffer.from(zip);
    bz.writeUInt16LE(12, cdAt + 10);
    expect(() => new ZipArchive(new BufferByteSource(bz)).read('a')).toThrow(/compression method 12; supported: 0 \(stored\), 8 \(deflate\)/);
    const two = Buffer.from(handZip({ ab: Uint8Array.from([1]), ac: Uint8Array.from([2]) }, false));
    const second = two.lastIndexOf(Buffer.from('ac'));
    two.write('ab', second);
    expect(() => new ZipArchive(new BufferByteSource(two))).toThrow(/duplicate entry 'ab'/);
  });
});
