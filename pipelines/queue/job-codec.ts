import type { z } from 'zod';
import { InputError } from '../../src/contracts';
import { decodeWire } from './wire-codec';

/**
 * The one decoder of job data as it comes out of Redis, for every kind of job: the wire form back
 * to typed arrays (decodeWire), then the job's zod schema, strictly. Every problem is an
 * InputError on option 'data' (the worker does not retry those), worded
 * `<kind> job: invalid data: <path>: <reason>; ...`.
 * @throws InputError naming what is wrong.
 */
export function decodeJobData<T>(kind: 'ingest' | 'sr', schema: z.ZodType<T, z.ZodTypeDef, unknown>, data: unknown): T {
  let decoded: unknown;
  try {
    decoded = decodeWire(data, 'data');
  } catch (err) {
    throw new InputError(`${kind} job: invalid data: ${err instanceof Error ? err.message : String(err)}`, { option: 'data' });
  }
  const r = schema.safeParse(decoded);
  if (!r.success) throw new InputError(`${kind} job: invalid data: ${r.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ')}`, { option: 'data' });
  return r.data;
}
