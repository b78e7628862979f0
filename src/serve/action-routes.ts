import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { JsonValue } from '../store';
import type { EnhanceTrackOptions } from './actions';
import { HttpError } from './http-error';
import { idParam } from './query-params';
import type { ServeContext } from './serve-context';
import { orNotFound } from './store-lookups';
import type { TaskView } from './task-runner';

const ENHANCE_KEYS = ['seed', 'sampler', 'steps'] as const;
const EXPORT_KEYS = ['trackIds'] as const;
/** Most tracks one export request may name. */
export const MAX_EXPORT_TRACKS = 1000;

function bodyObject(body: unknown, keys: readonly string[], route: string): Record<string, unknown> {
  const b = body === undefined || body === null ? {} : body;
  if (typeof b !== 'object' || Array.isArray(b)) throw new HttpError(400, 'E_BODY', `${route}: expected a JSON object body, received ${Array.isArray(b) ? 'an array' : typeof b}`);
  for (const k of Object.keys(b)) {
    if (!keys.includes(k)) throw new HttpError(400, 'E_BODY', `${route}: unknown field ${JSON.stringify(k)}; valid fields: ${keys.join(', ')}`);
  }
  return b as Record<string, unknown>;
}

/** Validates an enhance request body. @throws HttpError 400 naming the field, what was expected and what was received. */
export function parseEnhanceBody(body: unknown, samplers: readonly string[], route: string): EnhanceTrackOptions {
  const b = bodyObject(body, ENHANCE_KEYS, route);
  const out: { seed?: number; sampler?: string; steps?: number } = {};
  if (b.seed !== undefined) {
    if (typeof b.seed !== 'number' || !Number.isSafeInteger(b.seed) || b.seed < 0) throw new HttpError(400, 'E_BODY', `${route}: seed: expected a non-negative safe integer, received ${JSON.stringify(b.seed)}`);
    out.seed = b.seed;
  }
  if (b.steps !== undefined) {
    if (typeof b.steps !== 'number' || !Number.isInteger(b.steps) || b.steps < 1 || b.steps > 100000) throw new HttpError(400, 'E_BODY', `${route}: steps: expected an integer in [1, 100000], received ${JSON.stringify(b.steps)}`);
    out.steps = b.steps;
  }
  if (b.sampler !== undefined) {
    if (typeof b.sampler !== 'string' || b.sampler.length === 0 || b.sampler.length > 64) throw new HttpError(400, 'E_BODY', `${route}: sampler: expected a name of 1..64 characters, received ${JSON.stringify(b.sampler)}`);
    if (samplers.length > 0 && !samplers.includes(b.sampler)) throw new HttpError(400, 'E_BODY', `${route}: sampler: expected one of ${samplers.join(', ')}, received ${JSON.stringify(b.sampler)}`);
    out.sampler = b.sampler;
  }
  return out;
}

/** Validates an export request body: 1..1000 distinct track ids. @throws HttpError 400. */
export function parseExportBody(body: unknown, route: string): number[] {
  const b = bodyObject(body, EXPORT_KEYS, route);
  const ids = b.trackIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_EXPORT_TRACKS) {
    throw new HttpError(400, 'E_BODY', `${route}: trackIds: expected an array of 1..${MAX_EXPORT_TRACKS} track ids, received ${Array.isArray(ids) ? `${ids.length} ids` : JSON.stringify(ids)}`);
  }
  const seen = new Set<number>();
  for (const [i, id] of ids.entries()) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new HttpError(400, 'E_BODY', `${route}: trackIds[${i}]: expected a positive integer id, received ${JSON.stringify(id)}`);
    if (seen.has(id)) throw new HttpError(400, 'E_BODY', `${route}: trackIds[${i}]: track ${id} is listed twice`);
    seen.add(id);
  }
  return [...seen];
}

function describeOptions(o: EnhanceTrackOptions): string {
  const parts = [o.sampler !== undefined ? `sampler ${o.sampler}` : null, o.steps !== undefined ? `${o.steps} steps` : null, o.seed !== undefined ? `seed ${o.seed}` : null].filter((p) => p !== null);
  return parts.length === 0 ? 'defaults' : parts.join(', ');
}

/** What a task was asked to do, as stored with it; a re-run submits it again. */
type TaskRequest =
  | { readonly action: 'enhance-track'; readonly trackId: number; readonly options: EnhanceTrackOptions }
  | { readonly action: 'enhance-source'; readonly sourceId: number; readonly options: EnhanceTrackOptions }
  | { readonly action: 'export'; readonly trackIds: readonly number[] };

const REQUEST_ACTIONS = ['enhance-track', 'enhance-source', 'export'] as const;

/**
 * Reads a stored task request back (it comes from the store, so it is checked like a request body).
 * @throws HttpError 409 when it is not a request this server can run again.
 */
function parseTaskRequest(raw: JsonValue, samplers: readonly string[], taskId: number): TaskRequest {
  const where = `re-run task ${taskId}`;
  const bad = (why: string): never => {
    throw new HttpError(409, 'E_NOT_RERUNNABLE', `${where}: its stored request ${why}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('is not an object');
  const r = raw as Record<string, JsonValue>;
  const rawAction = r['action'];
  if (typeof rawAction !== 'string' || !(REQUEST_ACTIONS as readonly string[]).includes(rawAction)) return bad(`has action ${JSON.stringify(rawAction)}, expected one of ${REQUEST_ACTIONS.join(', ')}`);
  const action = rawAction as TaskRequest['action'];
  const id = (name: string): number => {
    const v = r[name];
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : bad(`has ${name} ${JSON.stringify(v)}, expected a positive integer`);
  };
  if (action === 'export') return { action, trackIds: parseExportBody({ trackIds: r['trackIds'] }, where) };
  const options = parseEnhanceBody(r['options'] ?? {}, samplers, where);
  return action === 'enhance-track' ? { action, trackId: id('trackId'), options } : { action, sourceId: id('sourceId'), options };
}

/** Refuses an action the server cannot run. @throws HttpError 403 (read-only), 501 (not in this build). */
function refuseUnavailable(ctx: ServeContext, what: 'enhance' | 'export'): void {
  if (ctx.config.readOnly) throw new HttpError(403, 'E_READ_ONLY', `${what} refused: the server runs in read-only mode`);
  if ((what === 'enhance' ? ctx.actions.enhanceTrack : ctx.actions.exportTracks) === null) {
    throw new HttpError(501, 'E_NOT_AVAILABLE', `${what} is not available: ${ctx.actions.unavailableReasons[what]}`);
  }
}

/**
 * Checks a request against the store (ids must exist) and queues it as a task.
 * @throws HttpError 403/501 (see refuseUnavailable), 404 (a missing id), 409 (a source without tracks to enhance).
 */
function submitTask(ctx: ServeContext, req: TaskRequest): TaskView {
  const { store, actions } = ctx;
  const request = req as unknown as JsonValue;
  if (req.action === 'enhance-track') {
    refuseUnavailable(ctx, 'enhance');
    const enhance = actions.enhanceTrack;
    if (enhance === null) throw new HttpError(501, 'E_NOT_AVAILABLE', actions.unavailableReasons.enhance);
    const { trackId: id, options: opts } = req;
    orNotFound(() => store.getTrackItem(id));
    return ctx.tasks.submit('enhance', `enhance track ${id} (${describeOptions(opts)})`, 1, request, async (progress) => {
      const r = await enhance(store, id, opts);
      progress(1);
      return { trackId: id, srOutputId: r.srOutputId, inserted: r.inserted };
    });
  }
  if (req.action === 'enhance-source') {
    refuseUnavailable(ctx, 'enhance');
    const enhance = actions.enhanceTrack;
    if (enhance === null) throw new HttpError(501, 'E_NOT_AVAILABLE', actions.unavailableReasons.enhance);
    const { sourceId: id, options: opts } = req;
    orNotFound(() => store.getSource(id));
    const trackIds = Array.from(store.iterateTracks({ sourceId: id, status: 'ok', limit: 1000 }), (t) => t.id);
    if (trackIds.length === 0) throw new HttpError(409, 'E_NOTHING', `source ${id} has no tracks with status ok to enhance`);
    return ctx.tasks.submit('enhance', `enhance ${trackIds.length} tracks of source ${id} (${describeOptions(opts)})`, trackIds.length, request, async (progress) => {
      const results: JsonValue[] = [];
      for (const [i, trackId] of trackIds.entries()) {
        const r = await enhance(store, trackId, opts);
        results.push({ trackId, srOutputId: r.srOutputId, inserted: r.inserted });
        progress(i + 1);
      }
      return { sourceId: id, results };
    });
  }
  refuseUnavailable(ctx, 'export');
  const exportTracks = actions.exportTracks;
  if (exportTracks === null) throw new HttpError(501, 'E_NOT_AVAILABLE', actions.unavailableReasons.export);
  const trackIds = [...req.trackIds];
  for (const id of trackIds) orNotFound(() => store.getTrackItem(id));
  return ctx.tasks.submit('export', `export ${trackIds.length} track(s): ${trackIds.slice(0, 10).join(', ')}${trackIds.length > 10 ? ', …' : ''}`, trackIds.length, request, async (progress) => {
    // The folder is chosen here, never by the request: a fresh, empty one under the export root.
    fs.mkdirSync(ctx.config.exportDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    const outDir = path.join(ctx.config.exportDir, `export-${stamp}-${randomBytes(3).toString('hex')}`);
    fs.mkdirSync(outDir);
    const r = await exportTracks(store, trackIds, { outDir });
    progress(trackIds.length);
    return { outDir: r.outDir, files: [...r.files] };
  });
}

/**
 * The actions: POST /api/tracks/:id/enhance, POST /api/sources/:id/enhance, POST /api/export, and
 * POST /api/tasks/:id/rerun (a failed or interrupted task's request, submitted again as a new task).
 * Read-only mode → 403; an action missing from this build → 501 with the reason; otherwise the
 * request is validated (ids must exist) and queued as a task (202 with the task to poll).
 */
export function registerActionRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.post('/api/tracks/:id/enhance', async (req, reply) => {
    refuseUnavailable(ctx, 'enhance');
    const trackId = idParam(req.params, 'id');
    const options = parseEnhanceBody(req.body, ctx.actions.samplers, 'enhance track');
    return reply.code(202).send({ task: submitTask(ctx, { action: 'enhance-track', trackId, options }) });
  });

  app.post('/api/sources/:id/enhance', async (req, reply) => {
    refuseUnavailable(ctx, 'enhance');
    const sourceId = idParam(req.params, 'id');
    const options = parseEnhanceBody(req.body, ctx.actions.samplers, 'enhance source');
    return reply.code(202).send({ task: submitTask(ctx, { action: 'enhance-source', sourceId, options }) });
  });

  app.post('/api/export', async (req, reply) => {
    refuseUnavailable(ctx, 'export');
    const trackIds = parseExportBody(req.body, 'export');
    return reply.code(202).send({ task: submitTask(ctx, { action: 'export', trackIds }) });
  });

  app.post('/api/tasks/:id/rerun', async (req, reply) => {
    if (ctx.config.readOnly) throw new HttpError(403, 'E_READ_ONLY', 're-run refused: the server runs in read-only mode');
    const id = idParam(req.params, 'id');
    bodyObject(req.body, [], 're-run task');
    const task = ctx.tasks.get(id);
    if (task === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no task with id ${id}`);
    if (task.status !== 'failed' && task.status !== 'interrupted') {
      throw new HttpError(409, 'E_NOT_RERUNNABLE', `re-run task ${id}: it is ${task.status}; only failed or interrupted tasks are re-run`);
    }
    return reply.code(202).send({ task: submitTask(ctx, parseTaskRequest(task.request, ctx.actions.samplers, id)), rerunOf: id });
  });
}
