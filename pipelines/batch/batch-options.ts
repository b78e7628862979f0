import { z } from 'zod';
import { ConfigError } from '../../src/contracts';

/** Options of `runBatch`, parsed once at the edge (CLI or pipeline file). */
export interface BatchOptions {
  /** Redo sources that are already done with the same content hash. Default false. */
  readonly force: boolean;
  /** Extensions taken as video in directory walks and globs (with or without the dot). null: ingest's defaults. */
  readonly videoExtensions: readonly string[] | null;
  /** Take hidden names (starting with "."). Default false. */
  readonly includeHidden: boolean;
  /** What the run row records as its command. Default 'fasr batch'. */
  readonly command: string;
}

const schema = z
  .object({
    force: z.boolean().default(false),
    videoExtensions: z.array(z.string().min(1)).min(1).nullable().default(null),
    includeHidden: z.boolean().default(false),
    command: z.string().min(1).default('fasr batch'),
  })
  .strict();

/** The defaults, frozen. */
export const DEFAULT_BATCH_OPTIONS: Readonly<BatchOptions> = Object.freeze({ force: false, videoExtensions: null, includeHidden: false, command: 'fasr batch' });

/**
 * Validates partial batch options (unknown keys rejected) and fills the defaults.
 * @throws ConfigError naming each bad key, what was expected and what was received.
 */
export function parseBatchOptions(input: unknown = {}): Readonly<BatchOptions> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) =>
      i.code === 'unrecognized_keys' ? `unknown option(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}; valid: force, videoExtensions, includeHidden, command` : `${i.path.join('.')}: ${i.message}`,
    );
    throw new ConfigError(`invalid batch options: ${issues.join('; ')}`, { issues: r.error.issues });
  }
  const v = r.data;
  return Object.freeze({ ...v, videoExtensions: v.videoExtensions === null ? null : Object.freeze([...v.videoExtensions]) });
}
