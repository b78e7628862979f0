import { HttpError } from './http-error';

/** How one query or path parameter is read. */
export type ParamSpec =
  | { readonly type: 'id' }
  | { readonly type: 'int'; readonly min: number; readonly max: number }
  | { readonly type: 'number'; readonly min: number; readonly max: number }
  | { readonly type: 'string'; readonly maxLength: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'time' };

type ParamValue<S extends ParamSpec> = S extends { type: 'string' } | { type: 'enum' } ? string : number;

export type ParsedParams<T extends Readonly<Record<string, ParamSpec>>> = { readonly [K in keyof T]?: ParamValue<T[K]> };

function bad(name: string, expected: string, received: string): HttpError {
  return new HttpError(400, 'E_PARAM', `parameter ${name}: expected ${expected}, received ${JSON.stringify(received)}`, { param: name });
}

/**
 * Parses a wall-clock time: Unix epoch milliseconds, or an ISO date-time; a date-time without a
 * zone (as `<input type="datetime-local">` sends it) is read as UTC.
 */
export function parseTimeMs(text: string): number | null {
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (m === null) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${(m[7] ?? '0').padEnd(3, '0')}${m[8] ?? 'Z'}`;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** Parses one parameter's text. @throws HttpError 400 naming the parameter, what was expected and what was received. */
export function parseParam(name: string, text: string, spec: ParamSpec): string | number {
  switch (spec.type) {
    case 'id': {
      if (!/^[1-9]\d{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) throw bad(name, 'a positive integer id', text);
      return Number(text);
    }
    case 'int': {
      const n = Number(text);
      if (!/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(n) || n < spec.min || n > spec.max) throw bad(name, `an integer in [${spec.min}, ${spec.max}]`, text);
      return n;
    }
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || n < spec.min || n > spec.max) throw bad(name, `a number in [${spec.min}, ${spec.max}]`, text);
      return n;
    }
    case 'string': {
      if (text.length > spec.maxLength || /[\0-\x1f]/.test(text)) throw bad(name, `text of at most ${spec.maxLength} characters without control characters`, text.slice(0, 80));
      return text;
    }
    case 'enum': {
      if (!spec.values.includes(text)) throw bad(name, `one of ${spec.values.join(', ')}`, text);
      return text;
    }
    case 'time': {
      const t = parseTimeMs(text);
      if (t === null) throw bad(name, 'Unix epoch milliseconds or an ISO date-time such as 2024-05-01T13:45 (UTC unless a zone is given)', text);
      return t;
    }
  }
}

/**
 * Parses a request's query object against `specs`: unknown keys and repeated keys are refused,
 * empty values count as absent (an empty form field).
 * @throws HttpError 400.
 */
export function parseQuery<T extends Readonly<Record<string, ParamSpec>>>(query: unknown, specs: T, ignore: readonly string[] = []): ParsedParams<T> {
  const out: Record<string, string | number> = {};
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(q)) {
    if (ignore.includes(k)) continue;
    const spec = specs[k];
    if (spec === undefined) {
      const valid = Object.keys(specs);
      throw new HttpError(400, 'E_PARAM', `unknown parameter ${JSON.stringify(k)}; valid parameters: ${valid.length === 0 ? '(none)' : valid.join(', ')}`, { param: k });
    }
    if (typeof v !== 'string') throw new HttpError(400, 'E_PARAM', `parameter ${k}: expected one value, received ${Array.isArray(v) ? v.length : 0}`, { param: k });
    if (v === '') continue;
    out[k] = parseParam(k, v, spec);
  }
  return out as ParsedParams<T>;
}

/** Reads a numeric id path parameter. @throws HttpError 400. */
export function idParam(params: unknown, name: string): number {
  const v = typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[name] : undefined;
  return parseParam(name, typeof v === 'string' ? v : '', { type: 'id' }) as number;
}
