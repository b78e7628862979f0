import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../contracts';

/** Settings of the review server (`fasr serve`), parsed once at the edge by {@link parseServeConfig}. */
export interface ServeConfig {
  /** Interface to listen on. Default '127.0.0.1'; any non-loopback address requires `token`. */
  readonly host: string;
  /** TCP port, 0..65535; 0 picks a free one. Default 8470. */
  readonly port: number;
  /**
   * Access token (16..256 printable ASCII characters, no spaces): every request must carry it as
   * `Authorization: Bearer <token>` or the cookie set by visiting any page with `?token=<token>` once.
   * Null: no token (allowed on loopback only). Default null.
   */
  readonly token: string | null;
  /** Refuse every action (enhance, export) with 403; the store is opened read-only. Default false. */
  readonly readOnly: boolean;
  /** Rows per list page, 1..1000. Default 50. */
  readonly pageSize: number;
  /** Folder under which each export gets its own new sub-folder (absolute after parsing). Default './fasr-exports'. */
  readonly exportDir: string;
  /** How often pages poll progress, ms, 250..60000. Default 2000. */
  readonly pollIntervalMs: number;
}

/** Frozen defaults of {@link ServeConfig}. */
export const DEFAULT_SERVE_CONFIG: Readonly<ServeConfig> = Object.freeze({
  host: '127.0.0.1',
  port: 8470,
  token: null,
  readOnly: false,
  pageSize: 50,
  exportDir: './fasr-exports',
  pollIntervalMs: 2000,
});

const schema = z
  .object({
    host: z.string().min(1).max(255).regex(/^[A-Za-z0-9.:-]+$/, 'a host name or IP address').default(DEFAULT_SERVE_CONFIG.host),
    port: z.number().int().min(0).max(65535).default(DEFAULT_SERVE_CONFIG.port),
    token: z
      .string()
      .min(16, 'at least 16 characters')
      .max(256)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .nullable()
      .default(null),
    readOnly: z.boolean().default(false),
    pageSize: z.number().int().min(1).max(1000).default(DEFAULT_SERVE_CONFIG.pageSize),
    exportDir: z.string().min(1).default(DEFAULT_SERVE_CONFIG.exportDir),
    pollIntervalMs: z.number().int().min(250).max(60000).default(DEFAULT_SERVE_CONFIG.pollIntervalMs),
  })
  .strict();

/** True for 'localhost', '::1' and 127.0.0.0/8. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Validates and completes a serve config (unknown keys rejected).
 * @throws ConfigError naming the field, what was expected and what was received; and when a
 *   non-loopback host is asked for without a token.
 */
export function parseServeConfig(input: unknown): Readonly<ServeConfig> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    const received = issue !== undefined && field !== '' && typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[String(issue.path[0])] : input;
    const what =
      issue?.code === 'unrecognized_keys'
        ? `unknown option(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; valid options: ${Object.keys(DEFAULT_SERVE_CONFIG).join(', ')}`
        : `${field}: ${issue?.message ?? 'invalid'}, received ${JSON.stringify(received)}`;
    throw new ConfigError(`serve config: ${what}`, { field });
  }
  const c = parsed.data;
  if (!isLoopbackHost(c.host) && c.token === null) {
    throw new ConfigError(
      `serve config: host ${JSON.stringify(c.host)} is not a loopback address; serving on it requires a token (--token, 16+ characters) so that only holders of the token can see the store`,
      { field: 'host' },
    );
  }
  return Object.freeze({ ...c, exportDir: path.resolve(c.exportDir) });
}
