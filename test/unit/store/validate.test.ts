import { StoreError } from '../../../src/contracts';
import { ArgCheck, canonicalJson } from '../../../src/store/validate';

describe('store argument checks', () => {
  const a = new ArgCheck('someMethod');

  it('names method, argument, expectation and received value', () => {
    expect(() => a.int('opts.limit', 2.5, 1, 10)).toThrow(new StoreError('someMethod.opts.limit: expected an integer in [1, 10], received 2.5'));
    expect(() => a.number('x', Infinity)).toThrow('someMethod.x: expected a finite number, received Infinity');
    expect(() => a.id('trackId', '3')).toThrow('someMethod.trackId: expected a positive integer id, received "3"');
    expect(() => a.oneOf('status', 'Done', ['done', 'failed'] as const)).toThrow(
      'someMethod.status: expected one of "done", "failed", received "Done"',
    );
    expect(() => a.object('opts', { limit: 1, lmit: 2 }, ['limit'])).toThrow('someMethod.opts: unknown key "lmit"; valid keys: limit');
    expect(() => a.vector('v', new Float32Array([1, Infinity]))).toThrow('someMethod.v[1]: expected a finite number, received Infinity');
    expect(() => a.bytes('img', new Uint8Array(0))).toThrow('someMethod.img: expected a non-empty Uint8Array, received a Uint8Array of length 0');
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
      'someMethod.p.when: expected a JSON value (null, boolean, finite number, string, array or plain object), received a Date',
    );
    expect(() => a.json('p', [1, NaN])).toThrow('someMethod.p[1]: expected JSON (finite numbers only), received NaN');
    expect(() => a.json('p', undefined)).toThrow(/received undefined$/);
  });
});
