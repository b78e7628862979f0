/**
 * The one validation module of fasr (after sharp's lib/is.js): small predicates and one
 * error-message vocabulary, for every stage and layer. It depends on nothing but the error classes
 * of `contracts.ts`, so any module may import it without a cycle or a cross-stage reach.
 *
 * The vocabulary (every check here writes it; hand-written checks should too):
 * - a bad value: `<where>.<name>: expected <what>, received <value>`, where `<where>` is the
 *   function (or config) and `<name>` the option, argument or path inside it (`input.sizeBytes`,
 *   `tracks[0].detections`);
 * - an unknown key: `<where>: unknown option "<key>"; valid options: a, b` (`key`/`keys` for a data
 *   record rather than options);
 * - a tensor of the wrong shape: `<where>: <name> must have shape [B,H,W,C] = [2,*,*,3], received [..]`;
 * - `<what>` in the same words everywhere: `one of "a", "b"` (choices as JSON strings), ranges as
 *   intervals (`an integer in [1, 64]`, `a finite number in (0, 1]`) or one bound (`an integer >= 0`).
 *
 * Received values are shown by {@link describeValue}: short values as JSON, long or non-JSON ones by
 * kind and size. Parsing of config files stays with zod; its messages are shaped at those edges.
 */
import { ConfigError, InputError } from './contracts';
import type { FasrError } from './contracts';

/** One of the project's error classes (ConfigError, InputError, StoreError, …). */
export type ErrorClass = new (message: string, context?: Record<string, unknown>) => FasrError;

/** The longest text {@link describeValue} shows before it describes instead. */
const MAX_SHOWN = 60;

// ---- predicates (sharp's is.*) -------------------------------------------------------------

/** A plain object (`{}` or `Object.create(null)`), not an array, class instance or null. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A safe integer in [min, max]. */
export function isInteger(v: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
}

/** A finite number in [min, max]. */
export function isFiniteNumber(v: unknown, min = -Infinity, max = Infinity): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
}

/** A string of 1 to maxLength characters. */
export function isNonEmptyString(v: unknown, maxLength = Infinity): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= maxLength;
}

/** One of `choices`. */
export function isOneOf<T extends string>(v: unknown, choices: readonly T[]): v is T {
  return typeof v === 'string' && (choices as readonly string[]).includes(v);
}

// ---- describing what was received ----------------------------------------------------------

function jsonText(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/**
 * A short, human description of a received value for error messages: numbers as written (`NaN`,
 * `Infinity`), strings quoted (cut at 60 characters), short arrays and plain objects as JSON,
 * longer ones by kind and size (`an array of length 300`), typed arrays by type and length, other
 * objects by class (`a Date`), RegExps as written.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'symbol':
      return String(value);
    case 'function':
      return 'a function';
    case 'string': {
      if (value.length === 0) return 'an empty string';
      return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
    }
    default:
      break;
  }
  if (value instanceof RegExp) return String(value);
  if (ArrayBuffer.isView(value)) {
    const len = 'length' in value ? (value as unknown as { length: number }).length : value.byteLength;
    return `a ${value.constructor.name} of length ${len}`;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    const json = jsonText(value);
    if (json !== undefined && json.length <= MAX_SHOWN) return json;
    if (Array.isArray(value)) return `an array of length ${value.length}`;
    return `an object with keys ${Object.keys(value).join(', ')}`;
  }
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

// ---- the messages and the checks ------------------------------------------------------------

/**
 * Throws `<error>("<where>.<name>: expected <expected>, received <value>", context)`.
 * @param context defaults to `{ option: name }`
 */
export function invalidValue(
  where: string,
  name: string,
  expected: string,
  received: unknown,
  error: ErrorClass = ConfigError,
  context: Record<string, unknown> = { option: name },
): never {
  throw new error(`${where}.${name}: expected ${expected}, received ${describeValue(received)}`, context);
}

/** What {@link checkOptionKeys} calls the keys, and what it throws. */
export interface KeyCheckStyle {
  /** 'option' (default) for an options object, 'key' for a data record. */
  readonly noun?: 'option' | 'key';
  /** Default ConfigError. */
  readonly error?: ErrorClass;
  /** Context of the errors; the offending key is added as `key`. Default `{}` (the key is `option`). */
  readonly context?: Record<string, unknown>;
}

/**
 * Checks that `value` is a plain object whose keys are all in `validKeys` (a misspelled option must
 * not be ignored). `undefined` is accepted as an empty object.
 * @throws ConfigError (or `style.error`) `<where>: expected an options object, received <value>`, or
 *   `<where>: unknown option "<key>"; valid options: a, b, …`.
 */
export function checkOptionKeys(
  where: string,
  value: unknown,
  validKeys: readonly string[],
  style: KeyCheckStyle = {},
): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  const noun = style.noun ?? 'option';
  const error = style.error ?? ConfigError;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new error(`${where}: expected an ${noun === 'option' ? 'options object' : 'object'}, received ${describeValue(value)}`, { ...style.context });
  }
  for (const key of Object.keys(value)) {
    if (!validKeys.includes(key)) {
      const context = style.context === undefined ? { option: key } : { ...style.context, key };
      throw new error(`${where}: unknown ${noun} ${JSON.stringify(key)}; valid ${noun}s: ${validKeys.join(', ')}`, context);
    }
  }
  return value as Record<string, unknown>;
}

/** Bounds for {@link checkNumber}. */
export interface NumberRule {
  readonly integer?: boolean;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Exclusive upper bound. */
  readonly below?: number;
}

/**
 * What a {@link NumberRule} expects: `an integer in [1, 10]`, `a finite number in (0, 1]`,
 * `an integer >= 0`, `a finite number > 0`.
 */
export function describeNumberRule(rule: NumberRule): string {
  const kind = rule.integer === true ? 'an integer' : 'a finite number';
  const lower = rule.min !== undefined ? { open: false, at: rule.min } : rule.above !== undefined ? { open: true, at: rule.above } : undefined;
  const upper = rule.max !== undefined ? { open: false, at: rule.max } : rule.below !== undefined ? { open: true, at: rule.below } : undefined;
  const bothLower = rule.min !== undefined && rule.above !== undefined;
  const bothUpper = rule.max !== undefined && rule.below !== undefined;
  if (lower !== undefined && upper !== undefined && !bothLower && !bothUpper) {
    return `${kind} in ${lower.open ? '(' : '['}${lower.at}, ${upper.at}${upper.open ? ')' : ']'}`;
  }
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return parts.length > 0 ? `${kind} ${parts.join(' and ')}` : kind;
}

/**
 * Checks a numeric option.
 * @throws ConfigError (or `error`) `<where>.<name>: expected <rule>, received <value>`.
 */
export function checkNumber(where: string, name: string, value: unknown, rule: NumberRule, error: ErrorClass = ConfigError): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) invalidValue(where, name, describeNumberRule(rule), value, error);
  return value as number;
}

/** @throws ConfigError (or `error`) `<where>.<name>: expected a boolean, received <value>`. */
export function checkBoolean(where: string, name: string, value: unknown, error: ErrorClass = ConfigError): boolean {
  if (typeof value !== 'boolean') invalidValue(where, name, 'a boolean', value, error);
  return value;
}

/** @throws ConfigError (or `error`) `<where>.<name>: expected one of "a", "b", received <value>`. */
export function checkChoice<T extends string>(where: string, name: string, value: unknown, choices: readonly T[], error: ErrorClass = ConfigError): T {
  if (!isOneOf(value, choices)) invalidValue(where, name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value, error);
  return value;
}

/**
 * Checks a tensor argument's rank and, where given, its dimensions (`null` = any size ≥ 1).
 * @param layout one letter a dimension, e.g. 'BHWC'
 * @throws InputError `<where>: <name> must have shape [B,H,W,C] = [2,*,*,3], received [..]`.
 */
export function checkTensorShape(where: string, name: string, tensor: unknown, layout: string, expected: readonly (number | null)[]): void {
  const shape: unknown = (tensor as { shape?: unknown } | null | undefined)?.shape;
  const dims = expected.some((d) => d !== null) ? ` = [${expected.map((d) => (d === null ? '*' : String(d))).join(',')}]` : '';
  const want = `[${layout.split('').join(',')}]${dims}`;
  if (!Array.isArray(shape)) {
    throw new InputError(`${where}: ${name} must be a tensor of shape ${want}, received ${describeValue(tensor)}`, { option: name });
  }
  const ok = shape.length === expected.length && shape.every((d: number, i) => d >= 1 && (expected[i] === null || expected[i] === d));
  if (!ok) throw new InputError(`${where}: ${name} must have shape ${want}, received [${shape.join(',')}]`, { option: name });
}
