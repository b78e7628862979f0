import { StoreError } from '../contracts';
import { checkOptionKeys, describeNumberRule, invalidValue, isFiniteNumber, isInteger, isNonEmptyString, isOneOf, isPlainObject } from '../validate';
import type { JsonValue } from './store';

/**
 * Argument checks of one store method, in the project's one vocabulary (src/validate.ts). Each
 * check throws `StoreError("<method>.<name>: expected <what>, received <value>")`, context
 * `{ method, argument }`, or returns the value typed.
 */
export class ArgCheck {
  constructor(readonly where: string) {}

  fail(name: string, expected: string, received: unknown): never {
    return invalidValue(this.where, name, expected, received, StoreError, { method: this.where, argument: name });
  }

  /** A plain object whose keys are all in `allowed`. */
  object(name: string, v: unknown, allowed: readonly string[]): Record<string, unknown> {
    const o = this.record(name, v);
    checkOptionKeys(`${this.where}.${name}`, o, allowed, { noun: 'key', error: StoreError, context: { method: this.where, argument: name } });
    return o;
  }

  /** A plain object with any keys (a name → value map). */
  record(name: string, v: unknown): Record<string, unknown> {
    if (!isPlainObject(v)) this.fail(name, 'an object', v);
    return v;
  }

  /** Like `object`, but undefined gives an empty object. */
  optionalObject(name: string, v: unknown, allowed: readonly string[]): Record<string, unknown> {
    return v === undefined ? {} : this.object(name, v, allowed);
  }

  int(name: string, v: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    if (!isInteger(v, min, max)) this.fail(name, rangeText(true, min, max, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), v);
    return v;
  }

  /** A store row id: a positive safe integer. */
  id(name: string, v: unknown): number {
    if (!isInteger(v, 1)) this.fail(name, 'a positive integer id', v);
    return v;
  }

  number(name: string, v: unknown, min = -Infinity, max = Infinity): number {
    if (!isFiniteNumber(v, min, max)) this.fail(name, rangeText(false, min, max, -Infinity, Infinity), v);
    return v;
  }

  string(name: string, v: unknown, maxLength = 4096): string {
    if (!isNonEmptyString(v, maxLength)) this.fail(name, `a non-empty string of at most ${maxLength} characters`, v);
    return v;
  }

  oneOf<T extends string>(name: string, v: unknown, choices: readonly T[]): T {
    if (!isOneOf(v, choices)) this.fail(name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, v);
    return v;
  }

  sha256(name: string, v: unknown): string {
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) this.fail(name, 'a SHA-256 as 64 lower-case hex digits', v);
    return v;
  }

  bytes(name: string, v: unknown): Uint8Array {
    if (!(v instanceof Uint8Array) || v.byteLength === 0) this.fail(name, 'a non-empty Uint8Array', v);
    return v;
  }

  /** A non-empty Float32Array of finite values. */
  vector(name: string, v: unknown): Float32Array {
    if (!(v instanceof Float32Array) || v.length === 0) this.fail(name, 'a non-empty Float32Array', v);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) this.fail(`${name}[${i}]`, 'a finite number', v[i]);
    }
    return v;
  }

  array(name: string, v: unknown): readonly unknown[] {
    if (!Array.isArray(v)) this.fail(name, 'an array', v);
    return v;
  }

  /** A value that JSON round-trips unchanged; returns its canonical JSON text (object keys sorted). */
  json(name: string, v: unknown): string {
    this.checkJson(name, v, 0);
    return canonicalJson(v as JsonValue);
  }

  private checkJson(name: string, v: unknown, depth: number): void {
    if (depth > 64) this.fail(name, 'JSON nested at most 64 levels deep', v);
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) this.fail(name, 'JSON (finite numbers only)', v);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => this.checkJson(`${name}[${i}]`, item, depth + 1));
      return;
    }
    if (isPlainObject(v)) {
      for (const [k, item] of Object.entries(v)) this.checkJson(`${name}.${k}`, item, depth + 1);
      return;
    }
    this.fail(name, 'a JSON value (null, boolean, finite number, string, array or plain object)', v);
  }
}

/** The rule of `int`/`number` in the one vocabulary, leaving out the bounds that are only the type's own. */
function rangeText(integer: boolean, min: number, max: number, lowest: number, highest: number): string {
  return describeNumberRule({ integer, min: min === lowest ? undefined : min, max: max === highest ? undefined : max });
}

/** Parses a JSON column the store wrote. */
export function parseJsonColumn(text: string, column: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (err) {
    throw new StoreError(`cannot parse ${column}: ${(err as Error).message}`, { column });
  }
}

/** JSON text with object keys sorted, so equal values give equal text (idempotency comparisons). */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
