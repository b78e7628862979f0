import { z } from 'zod';
import { ConfigError } from '../../contracts';

/** Validates `input` against a strict zod object schema. @throws ConfigError listing every problem, unknown keys with the valid ones. */
export function parseStrict<S extends z.AnyZodObject>(schema: S, input: unknown, what: string): Readonly<z.output<S>> {
  const result = schema.strict().safeParse(input ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')} (valid keys: ${Object.keys(schema.shape).join(', ')})`
        : `${i.path.length > 0 ? i.path.join('.') : '(config)'}: ${i.message}`,
    );
    throw new ConfigError(`invalid ${what} config: ${issues.join('; ')}`, { issues: result.error.issues });
  }
  return Object.freeze(result.data) as Readonly<z.output<S>>;
}

/** Crops per model call, 1–64; larger batches are faster per crop but hold more memory. */
export const batchSizeSchema = z.number().int().min(1).max(64).default(8);
