import type { FastifyInstance, FastifyReply } from 'fastify';
import { SOURCE_STATUSES } from '../store';
import { SIMILAR_QUERY, SOURCE_QUERY, TRACK_QUERY, similarTracks, trackListQuery } from './api-routes';
import { APP_CSS, APP_JS } from './assets';
import { searchPage } from './pages/search-page';
import { similarPage } from './pages/similar-page';
import { sourcePage } from './pages/source-page';
import { sourcesPage } from './pages/sources-page';
import { tasksPage } from './pages/tasks-page';
import { trackPage } from './pages/track-page';
import { idParam, parseQuery } from './query-params';
import type { ServeContext } from './serve-context';
import { orNotFound, statusSummary } from './store-lookups';

function sendPage(reply: FastifyReply, text: string): FastifyReply {
  return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(text);
}

/** The server-rendered pages and their two static assets. */
export function registerPageRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { store } = ctx;
  app.get('/assets/app.css', async (_req, reply) => reply.header('Cache-Control', 'no-cache').type('text/css; charset=utf-8').send(APP_CSS));
  app.get('/assets/app.js', async (_req, reply) => reply.header('Cache-Control', 'no-cache').type('text/javascript; charset=utf-8').send(APP_JS));
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());

  app.get('/', async (req, reply) => {
    const q = parseQuery(req.query, { status: SOURCE_QUERY.status, camera: SOURCE_QUERY.camera, after: SOURCE_QUERY.after } as const, ['token']);
    const page = store.listSources({
      ...(q.status !== undefined ? { status: q.status as (typeof SOURCE_STATUSES)[number] } : {}),
      ...(q.camera !== undefined ? { camera: q.camera } : {}),
      ...(q.after !== undefined ? { afterId: q.after } : {}),
      limit: ctx.config.pageSize,
    });
    return sendPage(reply, sourcesPage({ status: statusSummary(store, ctx.tasks), page, filter: q }, ctx.page));
  });

  app.get('/sources/:id', async (req, reply) => {
    const id = idParam(req.params, 'id');
    const q = parseQuery(req.query, { after: SOURCE_QUERY.after } as const, ['token']);
    const source = orNotFound(() => store.getSource(id));
    const tracks = store.listTracks({ sourceId: id, ...(q.after !== undefined ? { afterId: q.after } : {}), limit: ctx.config.pageSize });
    return sendPage(reply, sourcePage({ source, tracks, ...(q.after !== undefined ? { after: q.after } : {}) }, ctx.page));
  });

  app.get('/tracks/:id', async (req, reply) => {
    const id = idParam(req.params, 'id');
    parseQuery(req.query, {}, ['token']);
    const detail = orNotFound(() => store.getTrack(id));
    const source = store.getSource(detail.track.sourceId);
    const runId = detail.track.runId;
    const run = runId === null ? null : store.getRun(runId);
    return sendPage(reply, trackPage({ detail, source, run }, ctx.page));
  });

  app.get('/tracks/:id/similar', async (req, reply) => {
    const id = idParam(req.params, 'id');
    const r = similarTracks(ctx, id, parseQuery(req.query, SIMILAR_QUERY, ['token']));
    return sendPage(reply, similarPage(r.query, r.modelId, r.matches, ctx.page));
  });

  app.get('/search', async (req, reply) => {
    const q = parseQuery(req.query, { camera: TRACK_QUERY.camera, from: TRACK_QUERY.from, to: TRACK_QUERY.to, status: TRACK_QUERY.status, after: TRACK_QUERY.after } as const, ['token']);
    const page = store.listTracks(trackListQuery(q, ctx.config.pageSize));
    return sendPage(
      reply,
      searchPage(
        {
          ...(q.camera !== undefined ? { camera: q.camera } : {}),
          ...(q.from !== undefined ? { fromMs: q.from } : {}),
          ...(q.to !== undefined ? { toMs: q.to } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.after !== undefined ? { after: q.after } : {}),
        },
        page,
        ctx.page,
      ),
    );
  });

  app.get('/tasks', async (req, reply) => {
    parseQuery(req.query, {}, ['token']);
    return sendPage(reply, tasksPage(ctx.tasks.list(), ctx.page));
  });
}
