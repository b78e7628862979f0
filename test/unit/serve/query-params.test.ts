import { HttpError } from '../../../src/serve/http-error';
import { parseQuery, parseTimeMs } from '../../../src/serve/query-params';

describe('query parameters', () => {
  it('reads wall-clock times as epoch ms or ISO (UTC unless a zone is given)', () => {
    expect(parseTimeMs('1714564800000')).toBe(1714564800000);
    expect(parseTimeMs('2024-05-01T12:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseTimeMs('2024-05-01T12:00:05.5')).toBe(Date.UTC(2024, 4, 1, 12, 0, 5, 500));
    expect(parseTimeMs('2024-05-01T14:00+02:00')).toBe(Date.UTC(2024, 4, 1, 12));
    expect(parseTimeMs('2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseTimeMs('2024-13-01')).toBeNull();
    expect(parseTimeMs('yesterday')).toBeNull();
  });

  const SPEC = { id: { type: 'id' }, n: { type: 'int', min: 1, max: 10 }, s: { type: 'enum', values: ['a', 'b'] } } as const;

  it('parses known keys, skips empty values and ignored keys', () => {
    expect(parseQuery({ id: '3', n: '10', s: 'b', token: 'x' }, SPEC, ['token'])).toEqual({ id: 3, n: 10, s: 'b' });
    expect(parseQuery({ id: '' }, SPEC)).toEqual({});
  });

  it('refuses unknown, repeated and malformed parameters with 400 and a clear message', () => {
    const cases: [unknown, string][] = [
      [{ x: '1' }, 'unknown parameter "x"; valid parameters: id, n, s'],
      [{ id: ['1', '2'] }, 'parameter id: expected one value, received 2'],
      [{ id: '0' }, 'parameter id: expected a positive integer id, received "0"'],
      [{ id: '1e3' }, 'parameter id: expected a positive integer id, received "1e3"'],
      [{ id: '99999999999999999' }, 'parameter id: expected a positive integer id, received "99999999999999999"'],
      [{ n: '11' }, 'parameter n: expected an integer in [1, 10], received "11"'],
      [{ n: '1.5' }, 'parameter n: expected an integer in [1, 10], received "1.5"'],
      [{ s: 'c' }, 'parameter s: expected one of a, b, received "c"'],
    ];
    for (const [q, message] of cases) {
      let caught: unknown;
      try {
        parseQuery(q, SPEC);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(HttpError);
      expect((caught as HttpError).statusCode).toBe(400);
      expect((caught as HttpError).message).toBe(message);
    }
  });
});
