import type { FastifyInstance } from 'fastify';
import { JOB_STATUSES, RUN_STATUSES, SOURCE_STATUSES, TRACK_STATUSES } from '../store';
import { HttpError } from './http-error';
import { idParam, parseQuery } from './query-params';
import type { ServeContext } from './serve-context';
import { orNotFound, statusSummary, trackDetailJson } from './store-lookups';

const PAGE = { after: { type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, limit: { type: 'int', min: 1, max: 1000 } } as const;

export const SOURCE_QUERY = { status: { type: 'enum', values: SOURCE_STATUSES }, camera: { type: 'string', maxLength: 256 }, ...PAGE } as const;
export const TRACK_QUERY = {
  sourceId: { type: 'id' },
  camera: { type: 'string', maxLength: 256 },
  from: { type: 'time' },
  to: { type: 'time' },
  status: { type: 'enum', values: TRACK_STATUSES },
  ...PAGE,
} as const;
export const SIMILAR_QUERY = { model: { type: 'string', maxLength: 256 }, limit: { type: 'int', min: 1, max: 200 }, camera: { type: 'string', maxLength: 256 } } as const;

/** Validated track-list filters → the store's ListTracksQuery. @throws HttpError 400 when to < from. */
export function trackListQuery(q: ReturnType<typeof parseQuery<typeof TRACK_QUERY>>, pageSize: number): Parameters<ServeContext['store']['listTracks']>[0] {
  if (q.from !== undefined && q.to !== undefined && q.to < q.from) {
    throw new HttpError(400, 'E_PARAM', `parameter to: expected a time at or after from (${new Date(q.from).toISOString()}), received ${new Date(q.to).toISOString()}`);
  }
  return {
    ...(q.sourceId !== undefined ? { sourceId: q.sourceId } : {}),
    ...(q.camera !== undefined ? { camera: q.camera } : {}),
    ...(q.from !== undefined ? { fromMs: q.from } : {}),
    ...(q.to !== undefined ? { toMs: q.to } : {}),
    ...(q.status !== undefined ? { status: q.status as (typeof TRACK_STATUSES)[number] } : {}),
    ...(q.after !== undefined ? { afterId: q.after } : {}),
    limit: q.limit ?? pageSize,
  };
}

/** "Find this person": the track's F_M (of `model`, default its first) against every other track's. */
export function similarTracks(ctx: ServeContext, trackId: number, q: ReturnType<typeof parseQuery<typeof SIMILAR_QUERY>>) {
  const detail = orNotFound(() => ctx.store.getTrack(trackId));
  const fused = q.model === undefined ? detail.fused[0] : detail.fused.find((f) => f.embedderId === q.model);
  if (fused === undefined) {
    const have = detail.fused.map((f) => f.embedderId);
    throw new HttpError(
      404,
      'E_NO_FM',
      q.model === undefined ? `track ${trackId} has no F_M (fused identity), so it cannot be searched for` : `track ${trackId} has no F_M of embedder ${JSON.stringify(q.model)}; it has: ${have.length === 0 ? 'none' : have.join(', ')}`,
    );
  }
  const found = ctx.store.findSimilarTracks(fused.featureVector, {
    modelId: fused.embedderId,
    excludeTrackId: trackId,
    limit: q.limit ?? 20,
    ...(q.camera !== undefined ? { camera: q.camera } : {}),
  });
  return {
    query: detail.track,
    modelId: fused.embedderId,
    matches: found.map((m) => ({ cosine: m.cosine, track: ctx.store.getTrackItem(m.trackId) })),
  };
}

/** The JSON API the pages and tests use (reads; the actions are in action-routes.ts). */
export function registerApiRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { store } = ctx;
  app.get('/api/status', async () => statusSummary(store, ctx.tasks));

  app.get('/api/sources', async (req) => {
    const q = parseQuery(req.query, SOURCE_QUERY, ['token']);
    return store.listSources({
      ...(q.status !== undefined ? { status: q.status as (typeof SOURCE_STATUSES)[number] } : {}),
      ...(q.camera !== undefined ? { camera: q.camera } : {}),
      ...(q.after !== undefined ? { afterId: q.after } : {}),
      limit: q.limit ?? ctx.config.pageSize,
    });
  });
  app.get('/api/sources/:id', async (req) => {
    const id = idParam(req.params, 'id');
    return orNotFound(() => store.getSource(id));
  });

  app.get('/api/tracks', async (req) => store.listTracks(trackListQuery(parseQuery(req.query, TRACK_QUERY, ['token']), ctx.config.pageSize)));
  app.get('/api/tracks/:id', async (req) => {
    const id = idParam(req.params, 'id');
    return trackDetailJson(orNotFound(() => store.getTrack(id)));
  });
  app.get('/api/tracks/:id/similar', async (req) => {
    const id = idParam(req.params, 'id');
    const r = similarTracks(ctx, id, parseQuery(req.query, SIMILAR_QUERY, ['token']));
    return { trackId: id, modelId: r.modelId, matches: r.matches.map((m, i) => ({ rank: i + 1, trackId: m.track.id, cosine: m.cosine, track: m.track })) };
  });

  app.get('/api/runs', async (req) => {
    const q = parseQuery(req.query, { status: { type: 'enum', values: RUN_STATUSES }, ...PAGE } as const, ['token']);
    return store.listRuns({
      ...(q.status !== undefined ? { status: q.status as (typeof RUN_STATUSES)[number] } : {}),
      ...(q.after !== undefined ? { afterId: q.after } : {}),
      limit: q.limit ?? ctx.config.pageSize,
    });
  });
  app.get('/api/jobs', async (req) => {
    const q = parseQuery(req.query, { status: { type: 'enum', values: JOB_STATUSES }, kind: { type: 'string', maxLength: 256 }, ...PAGE } as const, ['token']);
    return store.listJobs({
      ...(q.status !== undefined ? { status: q.status as (typeof JOB_STATUSES)[number] } : {}),
      ...(q.kind !== undefined ? { kind: q.kind } : {}),
      ...(q.after !== undefined ? { afterId: q.after } : {}),
      limit: q.limit ?? ctx.config.pageSize,
    });
  });

  app.get('/api/tasks', async () => ({ tasks: ctx.tasks.list() }));
  app.get('/api/tasks/:id', async (req) => {
    const id = idParam(req.params, 'id');
    const task = ctx.tasks.get(id);
    if (task === undefined) throw new HttpError(404, 'E_NOT_FOUND', `no task with id ${id}`);
    return { task };
  });
}
