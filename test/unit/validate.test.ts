import { ConfigError, InputError, StoreError } from '../../src/contracts';
import {
  checkBoolean,
  checkChoice,
  checkNumber,
  checkOptionKeys,
  checkTensorShape,
  describeValue,
  describeNumberRule,
  invalidValue,
  isFiniteNumber,
  isInteger,
  isNonEmptyString,
  isOneOf,
  isPlainObject,
} from '../../src/validate';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('not thrown');
}

describe('validate: the one validation module', () => {
  it('describes received values briefly: short ones as JSON, long ones by kind and size', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue(1.5)).toBe('1.5');
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue(true)).toBe('true');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue('')).toBe('an empty string');
    expect(describeValue('ddim')).toBe('"ddim"');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
    expect(describeValue([])).toBe('[]');
    expect(describeValue([1, 2])).toBe('[1,2]');
    expect(describeValue(Array.from({ length: 100 }, (_, i) => i))).toBe('an array of length 100');
    expect(describeValue({})).toBe('{}');
    expect(describeValue({ b: 1, a: 'x' })).toBe('{"b":1,"a":"x"}');
    expect(describeValue({ b: 'y'.repeat(70), a: 2 })).toBe('an object with keys b, a');
    expect(describeValue(new Float64Array(3))).toBe('a Float64Array of length 3');
    expect(describeValue(new Uint8Array(0))).toBe('a Uint8Array of length 0');
    expect(describeValue(new Date(0))).toBe('a Date');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(/x/g)).toBe('/x/g');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('an object with keys self');
  });

  it('predicates', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isInteger(3, 1, 3)).toBe(true);
    expect(isInteger(4, 1, 3)).toBe(false);
    expect(isInteger(2.5)).toBe(false);
    expect(isInteger(2 ** 53)).toBe(false);
    expect(isFiniteNumber(0.5, 0, 1)).toBe(true);
    expect(isFiniteNumber(Infinity)).toBe(false);
    expect(isNonEmptyString('ab', 2)).toBe(true);
    expect(isNonEmptyString('abc', 2)).toBe(false);
    expect(isNonEmptyString('')).toBe(false);
    expect(isOneOf('a', ['a', 'b'])).toBe(true);
    expect(isOneOf('c', ['a', 'b'])).toBe(false);
  });

  it('one message shape: <where>.<name>: expected <what>, received <value>, with the error class asked for', () => {
    const e1 = thrown(() => invalidValue('someFn', 'opts.limit', 'an integer in [1, 10]', 2.5));
    expect(e1).toEqual(new ConfigError('someFn.opts.limit: expected an integer in [1, 10], received 2.5'));
    expect((e1 as ConfigError).context).toEqual({ option: 'opts.limit' });
    const e2 = thrown(() => invalidValue('upsertSource', 'input.path', 'a path', '', StoreError, { method: 'upsertSource', argument: 'input.path' }));
    expect(e2).toBeInstanceOf(StoreError);
    expect(e2.message).toBe('upsertSource.input.path: expected a path, received an empty string');
    expect((e2 as StoreError).context).toEqual({ method: 'upsertSource', argument: 'input.path' });

    expect(() => checkNumber('VeSdeConfig', 'N', 0, { integer: true, min: 1 })).toThrow(
      new ConfigError('VeSdeConfig.N: expected an integer >= 1, received 0'),
    );
    expect(describeNumberRule({ above: 0, below: 1 })).toBe('a finite number in (0, 1)');
    expect(describeNumberRule({ integer: true, min: 1, max: 64 })).toBe('an integer in [1, 64]');
    expect(describeNumberRule({ above: 0, max: 1 })).toBe('a finite number in (0, 1]');
    expect(describeNumberRule({ integer: true, min: 0 })).toBe('an integer >= 0');
    expect(describeNumberRule({ below: 5 })).toBe('a finite number < 5');
    expect(describeNumberRule({ min: 0, above: 1, max: 2 })).toBe('a finite number >= 0 and > 1 and <= 2');
    expect(describeNumberRule({})).toBe('a finite number');
    expect(checkNumber('f', 'x', 0.5, { above: 0, max: 1 })).toBe(0.5);
    expect(() => checkBoolean('f', 'flag', 'yes', InputError)).toThrow(new InputError('f.flag: expected a boolean, received "yes"'));
    expect(thrown(() => checkBoolean('f', 'flag', 1, InputError))).toBeInstanceOf(InputError);
    expect(() => checkChoice('f', 'sampler', 'ddim', ['pc', 'heun'])).toThrow('f.sampler: expected one of "pc", "heun", received "ddim"');
    expect(checkChoice('f', 'sampler', 'pc', ['pc', 'heun'])).toBe('pc');
  });

  it('rejects unknown keys, listing the valid ones; undefined is an empty options object', () => {
    expect(checkOptionKeys('f', undefined, ['a'])).toEqual({});
    expect(() => checkOptionKeys('f', { a: 1, b: 2 }, ['a'])).toThrow(new ConfigError('f: unknown option "b"; valid options: a'));
    expect((thrown(() => checkOptionKeys('f', { b: 2 }, ['a'])) as ConfigError).context).toEqual({ option: 'b' });
    expect(() => checkOptionKeys('f', [1], ['a'])).toThrow('f: expected an options object, received [1]');
    const e = thrown(() => checkOptionKeys('m.input', { size: 1 }, ['path', 'sizeBytes'], { noun: 'key', error: StoreError, context: { method: 'm', argument: 'input' } }));
    expect(e).toEqual(new StoreError('m.input: unknown key "size"; valid keys: path, sizeBytes'));
    expect((e as StoreError).context).toEqual({ method: 'm', argument: 'input', key: 'size' });
    expect(() => checkOptionKeys('m.input', 'x', ['a'], { noun: 'key', error: StoreError })).toThrow(new StoreError('m.input: expected an object, received "x"'));
  });

  it('checks tensor shapes by layout', () => {
    expect(() => checkTensorShape('f', 'x', { shape: [2, 8, 8, 3] }, 'BHWC', [2, null, null, 3])).not.toThrow();
    expect(() => checkTensorShape('f', 't', { shape: [3] }, 'B', [2])).toThrow(new InputError('f: t must have shape [B] = [2], received [3]'));
    expect(() => checkTensorShape('f', 'x', { shape: [2, 0, 8, 3] }, 'BHWC', [null, null, null, null])).toThrow('f: x must have shape [B,H,W,C], received [2,0,8,3]');
    expect(() => checkTensorShape('f', 'x', 5, 'BHWC', [null, null, null, null])).toThrow('f: x must be a tensor of shape [B,H,W,C], received 5');
  });
});
