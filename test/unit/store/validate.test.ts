import { StoreError } from '../../../src/contracts';
import { ArgCheck, canonicalJson, describeValue } from '../../../src/store/validate';

describe('store argument checks', () => {
  const a = new ArgCheck('someMethod');

  it('describes received values briefly', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue('')).toBe('an empty string');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
    expect(describeValue([1, 2])).toBe('an array of length 2');
    expect(describeValue(new Float64Array(3))).toBe('a Float64Array of length 3');
    expect(describeValue({ b: 1, a: 2 })).toBe('an object with keys b, a');
    expect(describeValue(new Date(0))).toBe('a Date');
    expect(describeValue(10n)).toBe('10n');
  });

  it('names method, argument, expectation and received value', () => {
    expect(() => a.int('opts.limit', 2.5, 1, 10)).toThrow(new StoreError('someMethod: expected opts.limit to be an integer in [1, 10], received 2.5'));
    expect(() => a.number('x', Infinity)).toThrow('someMethod: expected x to be a finite number, received Infinity');
    expect(() => a.id('trackId', '3')).toThrow('someMethod: expected trackId to be a positive integer id, received "3"');
    expect(() => a.oneOf('status', 'Done', ['done', 'failed'] as const)).toThrow(
      "someMethod: expected status to be one of 'done', 'failed', received \"Done\"",
    );
    expect(() => a.object('opts', { limit: 1, lmit: 2 }, ['limit'])).toThrow('someMethod: unknown key "lmit" in opts; valid keys: limit');
    expect(() => a.vector('v', new Float32Array([1, Infinity]))).toThrow('someMethod: expected v to hold finite numbers, received Infinity at index 1');
    expect(() => a.bytes('img', new Uint8Array(0))).toThrow('someMethod: expected img to be a non-empty Uint8Array, received a Uint8Array of length 0');
    try {
      a.string('name', 5);
      throw new Error('not thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('E_STORE');
      expect((err as StoreError).context).toEqual({ method: 'someMethod', argument: 'name' });
    }
  });

  it('accepts only JSON that round-trips, and canonicalises key order', () => {
    expect(a.json('p', { b: [1, { d: null, c: 'x' }], a: true })).toBe('{"a":true,"b":[1,{"c":"x","d":null}]}');
    expect(canonicalJson({ y: 1, x: 2 })).toBe(canonicalJson({ x: 2, y: 1 }));
    expect(() => a.json('p', { when: new Date(0) })).toThrow(
      'someMethod: expected p.when to be a JSON value (null, boolean, finite number, string, array or plain object), received a Date',
    );
    expect(() => a.json('p', [1, NaN])).toThrow('someMethod: expected p[1] to be JSON (finite numbers only), received NaN');
    expect(() => a.json('p', undefined)).toThrow(/received undefined$/);
  });
});
