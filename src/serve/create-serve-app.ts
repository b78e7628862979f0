import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ConfigError, FasrError, InputError } from '../contracts';
import type { Store } from '../store';
import { registerActionRoutes } from './action-routes';
import type { Actions } from './actions';
import { registerApiRoutes } from './api-routes';
import { HttpError } from './http-error';
import { registerImageRoutes } from './image-routes';
import { registerPageRoutes } from './page-routes';
import { errorPage } from './pages/error-page';
import type { PageContext } from './pages/page-context';
import { CONTENT_SECURITY_POLICY, installSecurity } from './security';
import type { ServeConfig } from './serve-config';
import type { ServeContext } from './serve-context';
import { TaskRunner } from './task-runner';

/** A review server instance (not listening yet) and its task runner. */
export interface ServeApp {
  readonly app: FastifyInstance;
  readonly tasks: TaskRunner;
}

function wantsJson(req: FastifyRequest): boolean {
  return (req.raw.url ?? '').startsWith('/api/') || !(req.headers.accept ?? '').includes('text/html');
}

function statusOf(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof HttpError) return { status: err.statusCode, code: err.code, message: err.message };
  if (err instanceof InputError) return { status: 400, code: err.code, message: err.message };
  if (err instanceof FasrError) return { status: 500, code: err.code, message: err.message };
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: fe.code ?? 'E_REQUEST', message: fe.message ?? 'bad request' };
  }
  return { status: 500, code: 'E_INTERNAL', message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
}

const ACTION_KEYS = ['enhanceTrack', 'exportTracks', 'samplers', 'unavailableReasons'] as const;

/** @throws ConfigError naming the member when `actions` is not an {@link Actions}. */
function checkActions(actions: Actions): void {
  const a = actions as unknown as Record<string, unknown>;
  if (typeof a !== 'object' || a === null) throw new ConfigError(`createServeApp: actions must be an object (${ACTION_KEYS.join(', ')}), received ${String(a)}`);
  for (const k of Object.keys(a)) {
    if (!(ACTION_KEYS as readonly string[]).includes(k)) throw new ConfigError(`createServeApp: unknown actions member "${k}"; valid: ${ACTION_KEYS.join(', ')}`);
  }
  for (const k of ['enhanceTrack', 'exportTracks'] as const) {
    if (a[k] !== null && typeof a[k] !== 'function') throw new ConfigError(`createServeApp: actions.${k} must be a function or null, received ${typeof a[k]}`);
  }
  if (!Array.isArray(a.samplers) || !a.samplers.every((s) => typeof s === 'string')) throw new ConfigError('createServeApp: actions.samplers must be an array of sampler names');
  const reasons = a.unavailableReasons as Record<string, unknown> | null | undefined;
  for (const k of ['enhance', 'export'] as const) {
    if (typeof reasons !== 'object' || reasons === null || typeof reasons[k] !== 'string') throw new ConfigError(`createServeApp: actions.unavailableReasons.${k} must be a string`);
  }
}

/**
 * Builds the review UI server over `store`: security guards, pages, the JSON API, the store's
 * images and the actions (through `actions`). Call `app.listen` (or {@link startServer}) to serve,
 * `app.inject` to test.
 * @throws ConfigError when `actions` is malformed, or the store is open read-only but `config.readOnly` is false.
 */
export function createServeApp(store: Store, config: Readonly<ServeConfig>, actions: Actions): ServeApp {
  checkActions(actions);
  if (store.info().readonly && !config.readOnly) {
    throw new ConfigError('createServeApp: the store is open read-only, so the server must run with readOnly: true (actions write to the store)');
  }
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 64 },
    return503OnClosing: true,
    forceCloseConnections: true,
    // URLs the router cannot even decode (e.g. "%ff") or with over-long parameters: refused like path tricks, with the same headers.
    frameworkErrors: (error: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY).header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-store');
      return reply.code(400).send({ error: 'E_PATH', message: `refused request path: ${error.message}` });
    },
  });
  // Only JSON bodies: a cross-site <form> can send text/plain without a CORS preflight.
  app.removeContentTypeParser(['text/plain']);
  const tasks = new TaskRunner(store);
  const page: PageContext = Object.freeze({
    readOnly: config.readOnly,
    pollIntervalMs: config.pollIntervalMs,
    canEnhance: actions.enhanceTrack !== null,
    canExport: actions.exportTracks !== null,
    unavailableReasons: actions.unavailableReasons,
    samplers: actions.samplers,
    pageSize: config.pageSize,
  });
  const ctx: ServeContext = { store, config, actions, tasks, page };

  installSecurity(app, config);
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const { status, code, message } = statusOf(err);
    if (status === 401 && config.token !== null) reply.header('WWW-Authenticate', 'Bearer realm="fasr"');
    reply.code(status).header('Cache-Control', 'no-store');
    if (wantsJson(req)) return reply.send({ error: code, message });
    return reply.type('text/html; charset=utf-8').send(errorPage(status, message, page));
  });
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const message = `no such page: ${req.method} ${(req.raw.url ?? '').split('?')[0] ?? ''}`;
    reply.code(404).header('Cache-Control', 'no-store');
    if (wantsJson(req)) return reply.send({ error: 'E_NOT_FOUND', message });
    return reply.type('text/html; charset=utf-8').send(errorPage(404, message, page));
  });
  registerPageRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerImageRoutes(app, ctx);
  registerActionRoutes(app, ctx);
  return { app, tasks };
}
