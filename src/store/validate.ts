import { StoreError } from '../contracts';
import type { JsonValue } from './store';

const MAX_SHOWN = 60;

/** A short, human description of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? 'NaN' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'string': {
      if (value.length === 0) return 'an empty string';
      const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
      return JSON.stringify(shown);
    }
    case 'function':
      return 'a function';
    case 'symbol':
      return String(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const len = 'length' in value ? (value as unknown as { length: number }).length : value.byteLength;
    return `a ${value.constructor.name} of length ${len}`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value as object);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${keys.join(', ')}`;
  }
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Argument checks of one store method. Each check throws
 * `StoreError("<method>: expected <name> to be <what>, received <value>")` or returns the value typed.
 */
export class ArgCheck {
  constructor(readonly where: string) {}

  fail(name: string, expected: string, received: unknown): never {
    throw new StoreError(`${this.where}: expected ${name} to be ${expected}, received ${describeValue(received)}`, {
      method: this.where,
      argument: name,
    });
  }

  /** A plain object whose keys are all in `allowed`. */
  object(name: string, v: unknown, allowed: readonly string[]): Record<string, unknown> {
    if (!isPlainObject(v)) this.fail(name, 'an object', v);
    for (const key of Object.keys(v)) {
      if (!allowed.includes(key)) {
        throw new StoreError(`${this.where}: unknown key "${key}" in ${name}; valid keys: ${allowed.join(', ')}`, {
          method: this.where,
          argument: name,
          key,
        });
      }
    }
    return v;
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
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      this.fail(name, rangeText('an integer', min, max, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), v);
    }
    return v;
  }

  /** A store row id: a positive safe integer. */
  id(name: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) this.fail(name, 'a positive integer id', v);
    return v;
  }

  number(name: string, v: unknown, min = -Infinity, max = Infinity): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.fail(name, rangeText('a finite number', min, max, -Infinity, Infinity), v);
    }
    return v;
  }

  string(name: string, v: unknown, maxLength = 4096): string {
    if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) {
      this.fail(name, `a non-empty string of at most ${maxLength} characters`, v);
    }
    return v;
  }

  oneOf<T extends string>(name: string, v: unknown, choices: readonly T[]): T {
    if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
      this.fail(name, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v);
    }
    return v as T;
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
      const x = v[i] as number;
      if (!Number.isFinite(x)) {
        throw new StoreError(`${this.where}: expected ${name} to hold finite numbers, received ${describeValue(x)} at index ${i}`, {
          method: this.where,
          argument: name,
        });
      }
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

function rangeText(kind: string, min: number, max: number, lowest: number, highest: number): string {
  if (min !== lowest && max !== highest) return `${kind} in [${min}, ${max}]`;
  if (min !== lowest) return `${kind} >= ${min}`;
  if (max !== highest) return `${kind} <= ${max}`;
  return kind;
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
