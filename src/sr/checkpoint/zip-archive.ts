import * as zlib from 'node:zlib';
import { inflateSync } from 'fflate';
import { CheckpointError } from '../../contracts';
import type { ByteSource } from './byte-source';

/** One file in a zip archive, from its central-directory record. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** Offset of the entry's local file header. */
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

/** Slicing-by-8 tables for the pure-JS CRC-32 (used where Node lacks `zlib.crc32`, before 20.15). */
function crcTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 8; k++) {
    const prev = tables[k - 1] as Uint32Array;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (t0[(prev[n] as number) & 0xff] as number) ^ ((prev[n] as number) >>> 8);
    tables.push(t);
  }
  return tables;
}

const CRC_TABLES: readonly Uint32Array[] = crcTables();

/** CRC-32 in JavaScript, slicing by 8. */
export function crc32Js(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = 0xffffffff;
  let i = 0;
  const n8 = bytes.length - (bytes.length % 8);
  for (; i < n8; i += 8) {
    const a = (c ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24))) >>> 0;
    c =
      (t7[a & 0xff] as number) ^
      (t6[(a >>> 8) & 0xff] as number) ^
      (t5[(a >>> 16) & 0xff] as number) ^
      (t4[a >>> 24] as number) ^
      (t3[bytes[i + 4] as number] as number) ^
      (t2[bytes[i + 5] as number] as number) ^
      (t1[bytes[i + 6] as number] as number) ^
      (t0[bytes[i + 7] as number] as number);
  }
  for (; i < bytes.length; i++) c = (t0[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 (IEEE 802.3, as in zip): Node's zlib when it has `crc32` (20.15+), else {@link crc32Js}. */
export function crc32(bytes: Uint8Array): number {
  return typeof zlib.crc32 === 'function' ? zlib.crc32(bytes) >>> 0 : crc32Js(bytes);
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
}
function u64(b: Uint8Array, o: number, what: string, name: string): number {
  const lo = u32(b, o);
  const hi = u32(b, o + 4);
  const v = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(v)) throw new CheckpointError(`${name}: zip ${what} ${v} is out of range`, { path: name });
  return v;
}

/**
 * A read-only zip archive (PKZIP with optional ZIP64), enough for `torch.save` archives:
 * stored or deflated entries, no encryption, single disk. Entries are read on demand and their
 * CRC-32 is checked.
 */
export class ZipArchive {
  private readonly entries: ReadonlyMap<string, ZipEntry>;

  /** @throws CheckpointError when the central directory is missing, truncated or inconsistent. */
  constructor(private readonly src: ByteSource) {
    this.entries = readCentralDirectory(src);
  }

  /** Entry names in central-directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (e === undefined) throw new CheckpointError(`${this.src.name}: zip archive has no entry '${name}'`, { path: this.src.name });
    return e;
  }

  /**
   * The uncompressed bytes of an entry, in a fresh buffer whose byteOffset is 0 (so typed-array
   * views are aligned).
   * @throws CheckpointError for a missing entry, a truncated archive, an unsupported method or a CRC mismatch.
   */
  read(name: string): Uint8Array {
    const e = this.entry(name);
    const src = this.src;
    const head = src.read(e.localHeaderOffset, 30);
    if (u32(head, 0) !== SIG_LOCAL) {
      throw new CheckpointError(`${src.name}: corrupt zip: no local header for '${name}' at offset ${e.localHeaderOffset}`, { path: src.name });
    }
    const dataStart = e.localHeaderOffset + 30 + u16(head, 26) + u16(head, 28);
    let out: Uint8Array;
    if (e.method === 0) {
      if (e.compressedSize !== e.uncompressedSize) {
        throw new CheckpointError(`${src.name}: corrupt zip: stored entry '${name}' has sizes ${e.compressedSize} != ${e.uncompressedSize}`, {
          path: src.name,
        });
      }
      out = src.read(dataStart, e.compressedSize, true);
    } else if (e.method === 8) {
      const packed = src.read(dataStart, e.compressedSize);
      try {
        out = inflateSync(packed, { out: new Uint8Array(e.uncompressedSize) });
      } catch (err) {
        throw new CheckpointError(`${src.name}: corrupt deflate data in '${name}' (${err instanceof Error ? err.message : String(err)})`, {
          path: src.name,
        });
      }
      if (out.byteLength !== e.uncompressedSize) {
        throw new CheckpointError(`${src.name}: entry '${name}' inflated to ${out.byteLength} bytes, expected ${e.uncompressedSize}`, {
          path: src.name,
          expected: e.uncompressedSize,
          actual: out.byteLength,
        });
      }
    } else {
      throw new CheckpointError(`${src.name}: zip entry '${name}' uses compression method ${e.method}; supported: 0 (stored), 8 (deflate)`, {
        path: src.name,
      });
    }
    const crc = crc32(out);
    if (crc !== e.crc32) {
      throw new CheckpointError(
        `${src.name}: CRC-32 mismatch in '${name}': expected ${e.crc32.toString(16)}, computed ${crc.toString(16)} (corrupt archive)`,
        { path: src.name, expected: e.crc32, actual: crc },
      );
    }
    return out;
  }
}

function readCentralDirectory(src: ByteSource): Map<string, ZipEntry> {
  const name = src.name;
  if (src.byteLength < EOCD_MIN) throw new CheckpointError(`${name}: not a zip archive (${src.byteLength} bytes)`, { path: name });
  const tailLen = Math.min(src.byteLength, EOCD_MIN + MAX_COMMENT);
  const tailStart = src.byteLength - tailLen;
  const tail = src.read(tailStart, tailLen);
  let eocd = -1;
  for (let i = tailLen - EOCD_MIN; i >= 0; i--) {
    if (u32(tail, i) === SIG_EOCD && i + EOCD_MIN + u16(tail, i + 20) === tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new CheckpointError(`${name}: truncated or corrupt zip: end-of-central-directory record not found`, { path: name });
  }
  if (u16(tail, eocd + 4) !== 0 || u16(tail, eocd + 6) !== 0) {
    throw new CheckpointError(`${name}: multi-disk zip archives are not supported`, { path: name });
  }
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locPos = tailStart + eocd - 20;
    const loc = src.read(locPos, 20);
    if (u32(loc, 0) !== SIG_EOCD64_LOCATOR) throw new CheckpointError(`${name}: corrupt zip64: locator missing`, { path: name });
    const e64Pos = u64(loc, 8, 'zip64 end offset', name);
    const e64 = src.read(e64Pos, 56);
    if (u32(e64, 0) !== SIG_EOCD64) throw new CheckpointError(`${name}: corrupt zip64: end record missing`, { path: name });
    count = u64(e64, 32, 'entry count', name);
    cdSize = u64(e64, 40, 'central directory size', name);
    cdOffset = u64(e64, 48, 'central directory offset', name);
  }
  if (count * 46 > cdSize) {
    throw new CheckpointError(`${name}: corrupt zip: ${count} entries cannot fit a ${cdSize}-byte central directory`, { path: name });
  }
  const cd = src.read(cdOffset, cdSize);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || u32(cd, p) !== SIG_CENTRAL) {
      throw new CheckpointError(`${name}: corrupt zip: central directory record ${k} is invalid`, { path: name });
    }
    const flags = u16(cd, p + 8);
    const method = u16(cd, p + 10);
    const crc = u32(cd, p + 16);
    let compressedSize = u32(cd, p + 20);
    let uncompressedSize = u32(cd, p + 24);
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    let localHeaderOffset = u32(cd, p + 42);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw new CheckpointError(`${name}: corrupt zip: central directory record ${k} overruns`, { path: name });
    if (flags & 1) throw new CheckpointError(`${name}: encrypted zip entries are not supported`, { path: name });
    let entryName: string;
    try {
      entryName = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    } catch {
      throw new CheckpointError(`${name}: corrupt zip: entry ${k} has an invalid UTF-8 name`, { path: name });
    }
    // ZIP64 extended information: only the fields whose 32-bit value is saturated are present.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = u16(cd, q);
      const size = u16(cd, q + 2);
      if (id === 0x0001) {
        let r = q + 4;
        const take = (what: string): number => {
          if (r + 8 > q + 4 + size) throw new CheckpointError(`${name}: corrupt zip64 extra field in '${entryName}'`, { path: name });
          const v = u64(cd, r, what, name);
          r += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take('size');
        if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('offset');
      }
      q += 4 + size;
    }
    if (entries.has(entryName)) throw new CheckpointError(`${name}: corrupt zip: duplicate entry '${entryName}'`, { path: name });
    if (localHeaderOffset + 30 + compressedSize > cdOffset) {
      throw new CheckpointError(`${name}: corrupt zip: entry '${entryName}' overlaps the central directory`, { path: name });
    }
    entries.set(entryName, { name: entryName, method, compressedSize, uncompressedSize, crc32: crc, localHeaderOffset });
    p = end;
  }
  return entries;
}
