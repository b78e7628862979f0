import { decodeWire, encodeWire } from '../../../pipelines/queue';

describe('encodeWire / decodeWire', () => {
  test('typed arrays survive JSON bit-exact (NaN payload, -0, unaligned views) and plain data is unchanged', () => {
    const f = new Float32Array([1.5, -0, Number.MIN_VALUE, 3.4e38]);
    const raw = new Uint32Array(1);
    raw[0] = 0x7fc00abc; // a NaN with a payload
    const nan = new Float32Array(raw.buffer);
    const backing = new Uint8Array([9, 1, 2, 3, 4]);
    const view = backing.subarray(1, 4); // offset view: only its own bytes travel
    const value = { a: 1, s: 'x', n: null, list: [true, { v: f }], nan, img: view, skip: undefined };
    const text = JSON.stringify(encodeWire(value));
    const back = decodeWire(JSON.parse(text)) as { a: number; s: string; n: null; list: [boolean, { v: Float32Array }]; nan: Float32Array; img: Uint8Array };
    expect(back.a).toBe(1);
    expect(back.s).toBe('x');
    expect(back.n).toBeNull();
    expect('skip' in back).toBe(false);
    expect(back.list[1].v).toBeInstanceOf(Float32Array);
    expect(Buffer.from(back.list[1].v.buffer).equals(Buffer.from(f.buffer))).toBe(true);
    expect(Object.is(back.list[1].v[1], -0)).toBe(true);
    expect(new Uint32Array(back.nan.buffer)[0]).toBe(0x7fc00abc);
    expect(back.img).toBeInstanceOf(Uint8Array);
    expect([...back.img]).toEqual([1, 2, 3]);
  });

  test('base64 keeps the wire within 4/3 of the bytes', () => {
    const img = new Uint8Array(300_000).map((_, i) => (i * 7) & 255);
    expect(JSON.stringify(encodeWire({ img })).length).toBeLessThan(300_000 * (4 / 3) + 64);
  });

  test('refuses what JSON would not carry faithfully, naming where', () => {
    expect(() => encodeWire({ a: [1, Number.NaN] })).toThrow('encodeWire: (value).a[1]: expected a finite number, received NaN');
    expect(() => encodeWire({ v: new Float64Array(2) })).toThrow('encodeWire: (value).v: only Uint8Array and Float32Array travel, received Float64Array');
    expect(() => encodeWire({ d: new Date(0) })).toThrow('encodeWire: (value).d: expected plain data, received an instance of Date');
    expect(() => encodeWire({ $bytes: 'x' })).toThrow('encodeWire: (value): the key "$bytes" is reserved');
    expect(() => encodeWire({ f: () => 1 })).toThrow('encodeWire: (value).f: cannot send a function');
  });

  test('a malformed marker is an error, not data', () => {
    expect(() => decodeWire({ x: { $f32: 'AAAA', extra: 1 } })).toThrow('decodeWire: (value).x: a typed-array marker must be a single "$bytes" or "$f32" key with a base64 string');
    expect(() => decodeWire({ $f32: Buffer.from([1, 2, 3]).toString('base64') })).toThrow('float32 data of 3 bytes (not a multiple of 4)');
  });
});
