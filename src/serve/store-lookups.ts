import { SOURCE_STATUSES, type Store, type TrackDetail } from '../store';
import { HttpError } from './http-error';
import { runningRunsText, runningSourcesText, type StatusSummary } from './pages/sources-page';
import type { TaskRunner } from './task-runner';

/** Runs a store read; "no <thing> with id N" becomes a 404. */
export function orNotFound<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof Error && (err as { code?: unknown }).code === 'E_STORE' && /: no [a-zA-Z ]+ with id \d+$/.test(err.message)) {
      throw new HttpError(404, 'E_NOT_FOUND', err.message.replace(/^\w+: /, ''));
    }
    throw err;
  }
}

/** GET /api/status (also the first render of the panel): counts, running runs and sources, active tasks. */
export function statusSummary(store: Store, tasks: TaskRunner): StatusSummary & {
  readonly totalSources: number;
  readonly finishedSources: number;
  readonly progressText: string;
  readonly runningRunsText: string;
  readonly runningSourcesText: string;
} {
  const sources = store.countSourcesByStatus();
  const s: StatusSummary = {
    sources,
    jobs: store.countJobsByStatus(),
    runningRuns: store.listRuns({ status: 'running', limit: 20 }).items.map((r) => ({ id: r.id, command: r.command, startedAtMs: r.startedAtMs })),
    runningSources: store.listSources({ status: 'running', limit: 20 }).items.map((r) => ({ id: r.id, path: r.path, lastRunId: r.lastRunId, startedAtMs: r.startedAtMs })),
    activeTasks: tasks.list().filter((t) => t.status === 'queued' || t.status === 'running').length,
  };
  const totalSources = SOURCE_STATUSES.reduce((n, k) => n + sources[k], 0);
  const finishedSources = sources.done + sources.failed;
  return {
    ...s,
    totalSources,
    finishedSources,
    progressText: `${finishedSources} / ${totalSources} sources finished`,
    runningRunsText: runningRunsText(s),
    runningSourcesText: runningSourcesText(s),
  };
}

/**
 * A track's detail as JSON: images as URLs, vectors left out (their dim stays). An F_M keeps the
 * API's field names: its embedder id is `modelId`, as for embeddings (the row says embedderId).
 */
export function trackDetailJson(d: TrackDetail): Record<string, unknown> {
  return {
    track: d.track,
    detections: d.detections,
    crops: d.crops.map(({ image: _image, ...c }) => ({ ...c, url: `/img/crops/${c.id}` })),
    embeddings: d.embeddings.map(({ vector: _vector, ...e }) => e),
    fused: d.fused.map((f) => ({ id: f.id, trackId: f.trackId, modelId: f.embedderId, method: f.method, dim: f.dim, memberEmbeddingIds: f.memberEmbeddingIds, rejectedEmbeddingIds: f.rejectedEmbeddingIds })),
    srOutputs: d.srOutputs.map(({ png: _png, ...o }) => ({ ...o, url: `/img/sr/${o.id}` })),
  };
}
