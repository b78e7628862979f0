import { zipSync } from 'fflate';

/**
 * Test helper: hand-assembles pickle byte streams opcode by opcode (protocol 2–4), so hostile
 * and edge-case inputs are built in the tests themselves. Not a test file.
 */
export class PickleBytes {
  private readonly parts: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
  raw(...b: number[]): this {
    this.parts.push(...b);
    return this;
  }
  private u32(n: number): this {
    return this.raw(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  private text(s: string): number[] {
    return [...Buffer.from(s, 'utf8')];
  }
  proto(v = 2): this {
    return this.raw(0x80, v);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  none(): this {
    return this.raw(0x4e);
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    return this.raw(0x4a).u32(n);
  }
  /** LONG1 with the given little-endian two's-complement bytes. */
  long1(bytes: number[]): this {
    return this.raw(0x8a, bytes.length, ...bytes);
  }
  float(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return this.raw(0x47, ...b);
  }
  /** BINUNICODE. */
  str(s: string): this {
    const t = this.text(s);
    return this.raw(0x58).u32(t.length).raw(...t);
  }
  /** SHORT_BINUNICODE (protocol 4). */
  shortStr(s: string): this {
    const t = this.text(s);
    return this.raw(0x8c, t.length, ...t);
  }
  binbytes(b: number[]): this {
    return this.raw(0x43, b.length, ...b);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...this.text(`${module}\n${name}\n`));
  }
  stackGlobal(): this {
    return this.raw(0x93);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  newobj(): this {
    return this.raw(0x81);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tuple1(): this {
    return this.raw(0x85);
  }
  tuple2(): this {
    return this.raw(0x86);
  }
  tuple3(): this {
    return this.raw(0x87);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  binput(i: number): this {
    return this.raw(0x71, i);
  }
  longBinput(i: number): this {
    return this.raw(0x72).u32(i);
  }
  binget(i: number): this {
    return this.raw(0x68, i);
  }
  memoize(): this {
    return this.raw(0x94);
  }
  frame(n: number): this {
    return this.raw(0x95).u32(n).u32(0);
  }
  /** Pushes an int tuple (MARK ... TUPLE). */
  intTuple(xs: readonly number[]): this {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  /**
   * Pushes `torch._utils._rebuild_tensor_v2(persistent ('storage', torch.<storageType>, key, 'cpu', numel),
   * offset, size, stride, False, OrderedDict())` exactly as torch.save writes it.
   */
  tensor(storageType: string, key: string, numel: number, offset: number, size: readonly number[], stride: readonly number[], legacy = false): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', storageType).str(key).str('cpu').int(numel);
    if (legacy) this.none();
    this.tuple().binpersid();
    this.int(offset).intTuple(size).intTuple(stride).bool(false);
    this.global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }
}

/** The legacy format's three header pickles: magic number, protocol version 1001, sys_info. */
export function legacyHeader(): Uint8Array {
  const magic = new PickleBytes().proto().long1([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]).stop();
  const version = new PickleBytes().proto().int(1001).stop();
  const sys = new PickleBytes().proto().emptyDict().mark().str('protocol_version').int(1001).str('little_endian').bool(true).setitems().stop();
  return Buffer.concat([magic.bytes(), version.bytes(), sys.bytes()]);
}

/** Builds a torch zip archive (`<root>/data.pkl`, `<root>/data/<key>`, `<root>/version`) in memory. */
export function torchZip(pkl: Uint8Array, storages: Readonly<Record<string, Uint8Array>>, opts: { root?: string; level?: 0 | 6 } = {}): Uint8Array {
  const root = opts.root ?? 'archive';
  const level = opts.level ?? 0;
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = { [`${root}/data.pkl`]: [pkl, { level }] };
  for (const [k, v] of Object.entries(storages)) files[`${root}/data/${k}`] = [v, { level }];
  files[`${root}/version`] = [Buffer.from('3\n'), { level }];
  return zipSync(files);
}

/** Little-endian bytes of a typed array. */
export function le(a: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Values of a non-int64 typed array as numbers (for toEqual). */
export function nums(d: ArrayLike<number> | BigInt64Array | undefined): number[] {
  if (d === undefined) throw new Error('no data');
  if (d instanceof BigInt64Array) throw new Error('int64 data: compare as bigint');
  return Array.from(d);
}
