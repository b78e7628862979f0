import type * as tf from '@tensorflow/tfjs';
import { ConfigError, InputError } from '../../contracts';

/** Short description of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Checks that `value` is a plain options object whose keys are all in `validKeys`.
 * `undefined` is accepted as an empty object.
 * @throws ConfigError `<where>: unknown option "<key>"; valid options: a, b, …`.
 */
export function checkOptionKeys(where: string, value: unknown, validKeys: readonly string[]): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${where}: expected an options object, received ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!validKeys.includes(key)) {
      throw new ConfigError(`${where}: unknown option ${JSON.stringify(key)}; valid options: ${validKeys.join(', ')}`, { option: key });
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

function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  const kind = rule.integer === true ? 'an integer' : 'a finite number';
  return parts.length > 0 ? `${kind} ${parts.join(' and ')}` : kind;
}

/**
 * Checks a numeric option.
 * @throws ConfigError `<where>.<name>: expected <rule>, received <value>`.
 */
export function checkNumber(where: string, name: string, value: unknown, rule: NumberRule): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) {
    throw new ConfigError(`${where}.${name}: expected ${describeRule(rule)}, received ${describeValue(value)}`, { option: name });
  }
  return value as number;
}

/** @throws ConfigError `<where>.<name>: expected a boolean, received <value>`. */
export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new ConfigError(`${where}.${name}: expected a boolean, received ${describeValue(value)}`, { option: name });
  }
  return value;
}

/** @throws ConfigError `<where>.<name>: expected one of "a", "b", received <value>`. */
export function checkChoice<T extends string>(where: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(`${where}.${name}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, received ${describeValue(value)}`, {
      option: name,
    });
  }
  return value as T;
}

const fmtShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * Checks a tensor argument's rank and, where given, its dimensions (`null` = any size ≥ 1).
 * @throws InputError `<where>: <name> must have shape [B,H,W,C] = [2,null,null,3], received [..]`.
 */
export function checkTensorShape(
  where: string,
  name: string,
  tensor: unknown,
  layout: string,
  expected: readonly (number | null)[],
): void {
  const shape = (tensor as tf.Tensor | undefined)?.shape;
  const want = `[${layout.split('').join(',')}]${expected.some((d) => d !== null) ? ` = [${expected.map((d) => (d === null ? '*' : String(d))).join(',')}]` : ''}`;
  if (!Array.isArray(shape)) {
    throw new InputError(`${where}: ${name} must be a tensor of shape ${want}, received ${describeValue(tensor)}`, { option: name });
  }
  const ok = shape.length === expected.length && shape.every((d, i) => d >= 1 && (expected[i] === null || expected[i] === d));
  if (!ok) {
    throw new InputError(`${where}: ${name} must have shape ${want}, received ${fmtShape(shape)}`, { option: name });
  }
}
