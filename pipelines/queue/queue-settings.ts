import { z } from 'zod';
import { ConfigError } from '../../src/contracts';

/** Worker roles: which queues a worker takes jobs from. */
export const WORKER_ROLES = Object.freeze(['ingest', 'sr', 'all'] as const);
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** The two BullMQ queues (names under {@link QueueSettings.prefix}). */
export const QUEUE_NAMES = Object.freeze({ ingest: 'ingest', sr: 'sr' } as const);

/** How coordinator and workers reach Redis and treat jobs; parsed once at the edge. */
export interface QueueSettings {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). Required. */
  readonly redisUrl: string;
  /** Key prefix in Redis: several fasr installations can share one Redis with different prefixes. Default 'fasr'. */
  readonly prefix: string;
  /** Tries per job before it fails for good (the first included), 1..100. Default 3. */
  readonly attempts: number;
  /** First retry delay, ms (exponential: 1x, 2x, 4x, …), 0..3600000. Default 2000. */
  readonly backoffMs: number;
  /**
   * How long completed jobs (and their results) stay in Redis, seconds, 60..31536000. Default 7 days.
   * A restarted coordinator picks up results of jobs still kept; older ones are computed again.
   */
  readonly keepCompletedS: number;
  /** How long failed jobs stay in Redis (their reason is also in the store), seconds. Default 7 days. */
  readonly keepFailedS: number;
  /** Global limit of ingest jobs running at once over all workers; null: only the workers' own concurrency. Default null. */
  readonly ingestSlots: number | null;
  /** Global limit of SR jobs running at once over all workers (e.g. the GPU count); null: unlimited. Default null. */
  readonly srSlots: number | null;
}

const schema = z
  .object({
    redisUrl: z
      .string()
      .refine((u) => /^rediss?:\/\/[^\s/]+(\/\d+)?\/?$/.test(u), { message: 'expected redis://host:port[/db] or rediss://host:port[/db] (TLS), optionally with user:password@' }),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 characters of A-Z a-z 0-9 _ . -')
      .default('fasr'),
    attempts: z.number().int().min(1).max(100).default(3),
    backoffMs: z.number().int().min(0).max(3_600_000).default(2000),
    keepCompletedS: z.number().int().min(60).max(31_536_000).default(7 * 24 * 3600),
    keepFailedS: z.number().int().min(60).max(31_536_000).default(7 * 24 * 3600),
    ingestSlots: z.number().int().min(1).max(10_000).nullable().default(null),
    srSlots: z.number().int().min(1).max(10_000).nullable().default(null),
  })
  .strict();

const KEYS = Object.keys(schema.shape).join(', ');

/** The password of a Redis URL replaced by '***', for logs and messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0] ?? ''}:***` : '***'}@`);
}

/**
 * Validates queue settings (unknown keys rejected) and fills the defaults.
 * @throws ConfigError naming each bad key, what was expected and what was received (passwords redacted).
 */
export function parseQueueSettings(input: unknown): Readonly<QueueSettings> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}; valid: ${KEYS}`;
      const key = i.path.join('.');
      const received = key === 'redisUrl' && typeof (input as Record<string, unknown> | null)?.redisUrl === 'string' ? `, received ${JSON.stringify(redactRedisUrl((input as { redisUrl: string }).redisUrl))}` : '';
      return `${key || '(settings)'}: ${i.message}${received}`;
    });
    throw new ConfigError(`invalid queue settings: ${issues.join('; ')}`, { issues: issues });
  }
  return Object.freeze({ ...r.data });
}
