import { CheckpointError } from '../../../../src/contracts';
import type { HostTensor } from '../../../../src/sr/checkpoint';
import { formatSafetensors, parseSafetensors } from '../../../../src/sr/checkpoint';
import { nums } from './pickle-bytes';

function t(dtype: HostTensor['dtype'], shape: number[], data: HostTensor['data']): HostTensor {
  return { dtype, shape, data };
}

/** Builds a safetensors buffer from a raw header object and data bytes. */
function raw(header: unknown, data: number[] | Uint8Array = [], headerText?: string): Buffer {
  const json = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data)]);
}

describe('safetensors', () => {
  it('round-trips every dtype, keeps metadata, aligns the data section and orders by size then name', () => {
    const sd = new Map<string, HostTensor>([
      ['z.bool', t('bool', [3], Uint8Array.from([1, 0, 1]))],
      ['b.f32', t('float32', [2, 2], Float32Array.from([1.5, -2, 3.25, 0]))],
      ['a.f64', t('float64', [2], Float64Array.from([Math.PI, -1e300]))],
      ['i64', t('int64', [2], BigInt64Array.from([-(2n ** 62n), 7n]))],
      ['i32', t('int32', [1], Int32Array.from([-123456]))],
      ['i16', t('int16', [2], Int16Array.from([-3, 30000]))],
      ['i8', t('int8', [2], Int8Array.from([-128, 127]))],
      ['u8', t('uint8', [2], Uint8Array.from([0, 255]))],
      ['h', t('float16', [3], Float32Array.from([1, -0.5, 65504]))],
      ['bf', t('bfloat16', [2], Float32Array.from([1, -3.5]))],
      ['scalar', t('float32', [], Float32Array.from([42]))],
      ['empty', t('float32', [0, 3], new Float32Array(0))],
    ]);
    const buf = formatSafetensors(sd, { format: 'test', note: 'ünïcode' });
    const headerLen = Number(buf.readBigUInt64LE(0));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(buf.toString('utf8', 8, 8 + headerLen)) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    const order = Object.keys(header).filter((k) => k !== '__metadata__');
    expect(order).toEqual(['a.f64', 'i64', 'b.f32', 'empty', 'i32', 'scalar', 'bf', 'h', 'i16', 'i8', 'u8', 'z.bool']);
    expect(header.h?.dtype).toBe('F16');
    const back = parseSafetensors(buf, 'rt.safetensors');
    expect(back.metadata).toEqual({ format: 'test', note: 'ünïcode' });
    expect([...back.tensors.keys()]).toEqual([...sd.keys()].sort());
    for (const [k, v] of sd) {
      const u = back.tensors.get(k) as HostTensor;
      expect({ k, dtype: u.dtype, shape: [...u.shape] }).toEqual({ k, dtype: v.dtype, shape: v.shape });
      if (v.data instanceof BigInt64Array) expect(Array.from(u.data as BigInt64Array)).toEqual(Array.from(v.data));
      else expect(nums(u.data)).toEqual(nums(v.data));
    }
  });

  it('rounds float16 and bfloat16 to nearest even', () => {
    const halfIn = Float32Array.from([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000, 2 ** -25, 3 * 2 ** -25, 3 * 2 ** -26, -0]);
    const bfIn = Float32Array.from([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20]);
    const back = parseSafetensors(formatSafetensors(new Map([['h', t('float16', [7], halfIn)], ['b', t('bfloat16', [3], bfIn)]])));
    // ties → even mantissa; overflow → Inf; 2^-25 is half the smallest subnormal → 0 (even); 1.5 subnormals → 2; 0.75 → 1.
    expect(nums(back.tensors.get('h')?.data)).toEqual([1, 1 + 2 ** -9, Infinity, 0, 2 ** -23, 2 ** -24, -0]);
    expect(nums(back.tensors.get('b')?.data)).toEqual([1, 1 + 2 ** -6, 1 + 2 ** -7]);
  });

  it('refuses invalid tensors when writing', () => {
    expect(() => formatSafetensors(new Map([['a', t('float32', [3], new Float32Array(2))]]))).toThrow(/tensor 'a' has 2 values for shape \[3\]/);
    expect(() => formatSafetensors(new Map([['a', t('float32', [2], new Float64Array(2))]]))).toThrow(/tensor 'a' \(float32\) must hold a Float32Array, got Float64Array/);
    expect(() => formatSafetensors(new Map([['a', t('complex64' as 'float32', [1], new Float32Array(1))]]))).toThrow(/unknown dtype complex64/);
    expect(() => formatSafetensors(new Map([['__metadata__', t('float32', [1], new Float32Array(1))]]))).toThrow(/invalid tensor name/);
    expect(() => formatSafetensors(new Map(), { n: 1 as unknown as string })).toThrow(/metadata 'n' must be a string/);
  });

  it.each([
    ['a file shorter than 8 bytes', Buffer.from([1, 2, 3]), /shorter than the 8-byte header length/],
    ['a header longer than the file', Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]), /header length 255 exceeds the file/],
    ['a huge header length', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x10]), /exceeds 100000000/],
    ['non-JSON header', raw(null, [], '{not json'), /not valid UTF-8 JSON/],
    ['a JSON array header', raw(null, [], '[1]'), /header does not start with \{/],
    ['an unknown dtype', raw({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, [0]), /tensor 'a' has unsupported dtype "F8_E4M3"/],
    ['a byte-size mismatch', raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /needs 8 bytes, data_offsets span 4/],
    ['offsets past the data', raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0]), /exceed the data section of 2 bytes/],
    [
      'overlapping tensors',
      raw({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, [0, 0, 0]),
      /tensor 'b' starts at 1, expected 2 \(overlap\)/,
    ],
    ['a gap', raw({ a: { dtype: 'U8', shape: [1], data_offsets: [1, 2] } }, [0, 0]), /tensor 'a' starts at 1, expected 0 \(gap\)/],
    ['trailing bytes', raw({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, [0, 0]), /tensors cover 1 bytes of a 2-byte data section/],
    ['reversed offsets', raw({ a: { dtype: 'U8', shape: [0], data_offsets: [1, 0] } }, [0]), /invalid data_offsets \[1,0\]/],
    ['a negative dimension', raw({ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }), /invalid shape \[-1\]/],
    ['an extra field', raw({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1], evil: 1 } }, [0]), /unknown fields evil/],
    ['non-string metadata', raw({ __metadata__: { a: 1 } }), /__metadata__ 'a' is not a string/],
    ['a BOOL byte of 2', raw({ a: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] } }, [2]), /holds a byte other than 0 or 1/],
    ['a __proto__ tensor name', raw(null, [0], '{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'), /invalid tensor name "__proto__"/],
  ])('rejects %s', (_what, bytes, message) => {
    let caught: unknown;
    try {
      parseSafetensors(bytes, 'bad.safetensors');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CheckpointError);
    expect((caught as Error).message).toMatch(/^bad\.safetensors: invalid safetensors: /);
    expect((caught as Error).message).toMatch(message);
  });
});
