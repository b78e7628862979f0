import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createServeApp, noActions, parseServeConfig, type ServeApp, type TaskView } from '../../../src/serve';
import { openStore, type Store, type TrackListItem } from '../../../src/store';
import { buildStore, httpRequest, listen, makeTempDir, recordingActions, type HttpResponse, type RecordedCall } from './serve-fixtures';
import { makePng } from '../store/store-fixtures';

/** The port each app listens on (real HTTP on loopback). */
const ports = new WeakMap<FastifyInstance, number>();

async function portOf(app: FastifyInstance): Promise<number> {
  const known = ports.get(app);
  if (known !== undefined) return known;
  const port = await listen(app);
  ports.set(app, port);
  return port;
}

async function inject(app: FastifyInstance, url: string): Promise<HttpResponse> {
  return httpRequest(await portOf(app), 'GET', url);
}

async function get(app: FastifyInstance, url: string): Promise<{ status: number; body: string; type: string }> {
  const r = await httpRequest(await portOf(app), 'GET', url, { accept: 'text/html' });
  return { status: r.status, body: r.body, type: String(r.headers['content-type']) };
}

async function getJson<T>(app: FastifyInstance, url: string): Promise<{ status: number; json: T }> {
  const r = await inject(app, url);
  return { status: r.status, json: r.json<T>() };
}

async function post<T>(app: FastifyInstance, url: string, payload: unknown): Promise<{ status: number; json: T }> {
  const r = await httpRequest(await portOf(app), 'POST', url, { 'content-type': 'application/json' }, JSON.stringify(payload));
  return { status: r.status, json: r.json<T>() };
}

/** All ids of the `n` bars / rows with a data-track-id attribute, in document order. */
function trackIdsIn(body: string, marker: string): number[] {
  return [...body.matchAll(new RegExp(`${marker}[^>]*data-track-id="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
}

describe('review server: pages, API, pagination, actions', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  let served: ServeApp;
  let calls: RecordedCall[];
  let ids: { north: number; south: number; failed: number };

  beforeEach(() => {
    tmp = makeTempDir();
    const built = buildStore(tmp.dir);
    store = built.store;
    ids = built;
    calls = [];
    served = createServeApp(store, parseServeConfig({ pageSize: 2, exportDir: path.join(tmp.dir, 'exports') }), recordingActions(calls));
  });

  afterEach(async () => {
    await served.app.close();
    await served.tasks.idle();
    store.close();
    tmp.cleanup();
  });

  it('sources page: status, camera, duration, escaped errors, live status panel and keyset pages', async () => {
    const { app } = served;
    const first = await get(app, '/');
    expect(first.status).toBe(200);
    expect(first.type).toBe('text/html; charset=utf-8');
    expect(first.body).toContain('2024-05-01.mp4');
    expect(first.body).toContain('data-field="sources.done">2<');
    expect(first.body).toContain('data-field="sources.failed">1<');
    expect(first.body).toContain('<progress id="batch-progress" max="3" value="3">');
    // Page size 2: sources 1 and 2 here, a next link to the rest.
    expect([...first.body.matchAll(/class="source-row" data-source-id="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([ids.north, ids.south]);
    expect(first.body).toContain(`href="/?after=${ids.south}"`);
    const second = await get(app, `/?after=${ids.south}`);
    expect([...second.body.matchAll(/class="source-row" data-source-id="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([ids.failed]);
    // The failed source's name and error are shown, escaped (they came from files and ffprobe).
    expect(second.body).toContain('&lt;b&gt;broken&lt;/b&gt;.mp4');
    expect(second.body).toContain('ffprobe: &lt;script&gt;alert(1)&lt;/script&gt; is not a video');
    expect(second.body).not.toContain('<script>alert');
    expect(second.body).toContain('last page');
    // Filters.
    const failedOnly = await get(app, '/?status=failed');
    expect(failedOnly.body).toContain(`data-source-id="${ids.failed}"`);
    expect(failedOnly.body).not.toContain(`data-source-id="${ids.north}"`);
    expect((await get(app, '/?status=broken')).status).toBe(400);
  });

  it('GET /api/status: counts, progress and the run still marked running', async () => {
    const run = store.startRun({ command: 'fasr batch /nvr', config: {}, versions: {} });
    store.upsertSource({ path: '/nvr/new.mp4', sizeBytes: 5, mtimeMs: 1 });
    store.markSourceRunning(store.findSourceByPath('/nvr/new.mp4')!.id, { runId: run.id });
    const { status, json } = await getJson<Record<string, unknown>>(served.app, '/api/status');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      sources: { pending: 0, running: 1, done: 2, failed: 1 },
      jobs: { queued: 0, running: 0, done: 0, failed: 0 },
      totalSources: 4,
      finishedSources: 3,
      progressText: '3 / 4 sources finished',
      runningSourcesText: 'new.mp4',
      activeTasks: 0,
    });
    expect(json.runningRuns).toEqual([{ id: run.id, command: 'fasr batch /nvr', startedAtMs: expect.any(Number) }]);
  });

  it("source page: a timeline bar and a row per track of the page, linking to the track; pages never repeat a track", async () => {
    const { app } = served;
    const seen: number[] = [];
    let url: string | null = `/sources/${ids.north}`;
    for (let pages = 0; url !== null; pages++) {
      expect(pages).toBeLessThan(5);
      const page = await get(app, url);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<svg id="timeline"');
      const bars = trackIdsIn(page.body, '<rect class="bar');
      const rows = trackIdsIn(page.body, '<tr class="track-row"');
      expect(bars).toEqual(rows);
      expect(rows.length).toBeLessThanOrEqual(2);
      for (const id of rows) expect(page.body).toContain(`<a href="/tracks/${id}" class="bar-link">`);
      seen.push(...rows);
      const next = /href="([^"]+)" rel="next"/.exec(page.body);
      url = next === null ? null : next[1]!.replace(/&amp;/g, '&');
    }
    const all = store.listTracks({ sourceId: ids.north }).items.map((t) => t.id);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(3);
  });

  it('track page: crops over time with quality, F_M membership (used / rejected), LR_0 and provenance', async () => {
    const t = store.listTracks({ sourceId: ids.north }).items[0]!;
    const detail = store.getTrack(t.id);
    const page = await get(served.app, `/tracks/${t.id}`);
    expect(page.status).toBe(200);
    // One row per detection in frame order, each with its crops.
    const rows = [...page.body.matchAll(/<tr class="detection-row[^"]*" data-detection-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(rows).toEqual(detail.detections.map((d) => d.id));
    for (const c of detail.crops) expect(page.body).toContain(`src="/img/crops/${c.id}"`);
    for (const d of detail.detections) expect(page.body).toContain(`<td class="q">${d.quality.toFixed(3)}</td>`);
    // makeTrack: F_M over all detections but the last, the last rejected; LR_0 = the last detection.
    expect(page.body.match(/<span class="member member-used">used<\/span>/g)).toHaveLength(detail.detections.length - 1 + 1); // + legend
    expect(page.body.match(/<span class="member member-rejected">rejected<\/span>/g)).toHaveLength(1 + 1);
    expect(page.body).toMatch(new RegExp(`class="detection-row lr0-row" data-detection-id="${t.lr0DetectionId}"`));
    const lr0Model = detail.crops.find((c) => c.detectionId === t.lr0DetectionId && c.kind === 'lr0-model')!;
    expect(page.body).toContain(`<img id="lr0-image" src="/img/crops/${lr0Model.id}"`);
    expect(page.body).toContain('not enhanced yet');
    // Provenance: the source and the run with its versions.
    expect(page.body).toContain('/nvr/north/2024-05-01.mp4');
    expect(page.body).toContain('fasr process test');
    expect(page.body).toContain('&quot;embedder&quot;: &quot;emb-a&quot;');
    expect(page.body).toContain('<svg id="quality-chart"');
    expect(page.body).toContain(`href="/tracks/${t.id}/similar"`);
  });

  it('track page and API: a kept-native output is shown as the native crop, not synthesized, with its reason and native side', async () => {
    const t = store.listTracks({ sourceId: ids.north }).items[0]!;
    const kept = store.insertSrOutput({
      trackId: t.id,
      method: 'kept-native',
      keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: 161 },
      modelId: 'test-model',
      modelSha256: 'a'.repeat(64),
      sampler: 'heun',
      steps: 0,
      networkEvaluations: 0,
      seed: 0,
      engine: 'onnx',
      backend: 'none',
      png: makePng(161, 161, 4),
      widthPx: 161,
      heightPx: 161,
      timingsMs: { encodeMs: 1 },
    });
    const page = await get(served.app, `/tracks/${t.id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<figure class="face sr kept-native" data-sr-output-id="${kept.id}" data-method="kept-native">`);
    expect(page.body).toContain(`native crop #${kept.id}: kept, not synthesized`);
    expect(page.body).toContain('native-crop-at-least-128px · native 161 px · 161×161');
    expect(page.body).not.toContain(`enhanced #${kept.id}`);
    expect(page.body).not.toContain('not enhanced yet');
    const api = await getJson<{ srOutputs: { id: number; method: string; keptNative: unknown; url: string }[] }>(served.app, `/api/tracks/${t.id}`);
    expect(api.json.srOutputs).toEqual([expect.objectContaining({ id: kept.id, method: 'kept-native', keptNative: { reason: 'native-crop-at-least-128px', nativeSidePx: 161 }, url: `/img/sr/${kept.id}` })]);
    const img = await inject(served.app, `/img/sr/${kept.id}`);
    expect(img.status).toBe(200);
    expect(img.raw.readUInt32BE(16)).toBe(161);
  });

  it("images come only from the store by numeric id: crops (rgb8 encoded as PNG), SR outputs, a track's LR_0", async () => {
    const { app } = served;
    const t = store.listTracks().items[0]!;
    const detail = store.getTrack(t.id);
    const rgb = detail.crops.find((c) => c.format === 'rgb8')!;
    const png = detail.crops.find((c) => c.format === 'png')!;
    const r1 = await inject(app, `/img/crops/${rgb.id}`);
    expect(r1.status).toBe(200);
    expect(r1.headers['content-type']).toBe('image/png');
    expect(r1.raw.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(r1.raw.readUInt32BE(16)).toBe(rgb.widthPx);
    const r2 = await inject(app, `/img/crops/${png.id}`);
    expect(Buffer.compare(r2.raw, Buffer.from(png.image))).toBe(0);
    const r3 = await inject(app, `/img/tracks/${t.id}/lr0`);
    expect(r3.status).toBe(200);
    expect((await inject(app, '/img/crops/999999')).status).toBe(404);
    expect((await inject(app, '/img/sr/999999')).json()).toEqual({ error: 'E_NOT_FOUND', message: 'no SR output with id 999999' });
    const bad = await inject(app, '/img/crops/abc');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: 'E_PARAM', message: 'parameter id: expected a positive integer id, received "abc"' });
    expect((await inject(app, '/img/crops/-1')).status).toBe(400);
    expect((await inject(app, '/img/crops/1?path=/etc/passwd')).status).toBe(400);
  });

  it('JSON API: keyset pages of tracks cover every track exactly once; track detail without blobs', async () => {
    const { app } = served;
    const seen: number[] = [];
    let after = 0;
    for (let i = 0; i < 10; i++) {
      const { json } = await getJson<{ items: TrackListItem[]; nextAfterId: number | null }>(app, `/api/tracks?limit=2&after=${after}`);
      seen.push(...json.items.map((t) => t.id));
      if (json.nextAfterId === null) break;
      after = json.nextAfterId;
    }
    const all = store.listTracks({ limit: 1000 }).items.map((t) => t.id);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(6);
    const { json } = await getJson<{ crops: { url: string; image?: unknown }[]; fused: { vector?: unknown; dim: number }[] }>(app, `/api/tracks/${all[0]}`);
    expect(json.crops[0]!.url).toMatch(/^\/img\/crops\/\d+$/);
    expect(json.crops[0]!.image).toBeUndefined();
    expect(json.fused[0]!.vector).toBeUndefined();
    expect(json.fused[0]!.dim).toBe(16);
    // the API's names for an F_M (the store row says embedderId/featureVector; the JSON is public)
    expect(Object.keys(json.fused[0]!)).toEqual(['id', 'trackId', 'modelId', 'method', 'dim', 'memberEmbeddingIds', 'rejectedEmbeddingIds']);
    expect((await getJson<{ message: string }>(app, '/api/tracks?limt=2')).json.message).toBe(
      'unknown parameter "limt"; valid parameters: sourceId, camera, from, to, status, after, limit',
    );
    expect((await getJson<{ message: string }>(app, '/api/tracks?limit=0')).json.message).toBe('parameter limit: expected an integer in [1, 1000], received "0"');
    expect((await getJson<{ message: string }>(app, '/api/tracks/424242')).json.message).toBe('no track with id 424242');
  });

  it('search by camera and wall-clock window (UTC), as JSON and as a page', async () => {
    const { app } = served;
    const north = store.listTracks({ sourceId: ids.north }).items;
    // makeTrack: detections 40 ms apart; track 1 spans 0..160 ms, track 2 4000..4120 ms, track 3 8000..8080 ms.
    const window = '?camera=north&from=2024-05-01T12:00:04&to=2024-05-01T12:00:05';
    const { json } = await getJson<{ items: TrackListItem[] }>(app, `/api/tracks${window}`);
    expect(json.items.map((t) => t.id)).toEqual([north[1]!.id]);
    const page = await get(app, `/search${window}`);
    expect(trackIdsIn(page.body, '<tr class="track-row"')).toEqual([north[1]!.id]);
    expect(page.body).toContain('value="2024-05-01T12:00:04"');
    const southOnly = await getJson<{ items: TrackListItem[] }>(app, '/api/tracks?camera=south&limit=100');
    expect(southOnly.json.items.map((t) => t.camera)).toEqual(['south', 'south', 'south']);
    const reversed = await getJson<{ message: string }>(app, '/api/tracks?from=2024-05-02&to=2024-05-01');
    expect(reversed.status).toBe(400);
    expect(reversed.json.message).toBe('parameter to: expected a time at or after from (2024-05-02T00:00:00.000Z), received 2024-05-01T00:00:00.000Z');
    expect((await getJson<{ message: string }>(app, '/api/tracks?from=yesterday')).json.message).toMatch(/^parameter from: expected Unix epoch milliseconds or an ISO date-time/);
  });

  it('find this person: tracks ranked by cosine of F_M, the same person first', async () => {
    const { app } = served;
    const [t1, t2] = store.listTracks({ sourceId: ids.north }).items;
    const { json } = await getJson<{ modelId: string; matches: { rank: number; trackId: number; cosine: number }[] }>(app, `/api/tracks/${t1!.id}/similar`);
    expect(json.modelId).toBe('emb-a');
    expect(json.matches[0]!.trackId).toBe(t2!.id);
    expect(json.matches[0]!.cosine).toBeGreaterThan(0.99);
    expect(json.matches.map((m) => m.rank)).toEqual(json.matches.map((_, i) => i + 1));
    expect(json.matches.some((m) => m.trackId === t1!.id)).toBe(false);
    for (let i = 1; i < json.matches.length; i++) expect(json.matches[i]!.cosine).toBeLessThanOrEqual(json.matches[i - 1]!.cosine);
    const page = await get(app, `/tracks/${t1!.id}/similar`);
    expect(trackIdsIn(page.body, '<tr class="track-row"')[0]).toBe(t2!.id);
    expect(page.body).toContain('<span class="rank">1</span>');
    const other = await getJson<{ message: string }>(app, `/api/tracks/${t1!.id}/similar?model=arcface`);
    expect(other.status).toBe(404);
    expect(other.json.message).toBe(`track ${t1!.id} has no F_M of embedder "arcface"; it has: emb-a`);
  });

  async function finished(app: FastifyInstance, task: TaskView): Promise<TaskView> {
    await served.tasks.idle();
    return (await getJson<{ task: TaskView }>(app, `/api/tasks/${task.id}`)).json.task;
  }

  it('enhance a track, re-run with another seed and sampler: tasks finish and the track page shows both faces', async () => {
    const { app } = served;
    const t = store.listTracks().items[0]!;
    const a = await post<{ task: TaskView }>(app, `/api/tracks/${t.id}/enhance`, {});
    expect(a.status).toBe(202);
    expect(a.json.task).toMatchObject({ kind: 'enhance', total: 1 });
    expect(await finished(app, a.json.task)).toMatchObject({ status: 'done', done: 1, error: null });
    const b = await post<{ task: TaskView }>(app, `/api/tracks/${t.id}/enhance`, { seed: 7, sampler: 'ode', steps: 30 });
    expect(b.json.task.description).toBe(`enhance track ${t.id} (sampler ode, 30 steps, seed 7)`);
    const done = await finished(app, b.json.task);
    expect(done.status).toBe('done');
    expect(calls.map((c) => c.opts)).toEqual([{}, { seed: 7, sampler: 'ode', steps: 30 }]);
    const outputs = store.listSrOutputs(t.id);
    expect(outputs.map((o) => [o.sampler, o.seed])).toEqual([['pc', 0], ['ode', 7]]);
    const page = await get(app, `/tracks/${t.id}`);
    for (const o of outputs) expect(page.body).toContain(`<img class="sr-image" src="/img/sr/${o.id}"`);
    expect(page.body).toContain('enhanced #' + outputs[1]!.id + ': ode, 30 steps, seed 7');
    expect(page.body).not.toContain('not enhanced yet');
    const img = await inject(app, `/img/sr/${outputs[1]!.id}`);
    expect(Buffer.compare(img.raw, Buffer.from(outputs[1]!.png))).toBe(0);
    // Validation before anything is queued.
    expect((await post<{ message: string }>(app, `/api/tracks/${t.id}/enhance`, { sampler: 'magic' })).json.message).toBe(
      'enhance track: sampler: expected one of pc, ode, received "magic"',
    );
    expect((await post<{ message: string }>(app, `/api/tracks/${t.id}/enhance`, { seeds: 1 })).json.message).toBe(
      'enhance track: unknown field "seeds"; valid fields: seed, sampler, steps',
    );
    expect((await post<{ message: string }>(app, `/api/tracks/${t.id}/enhance`, { seed: -1 })).status).toBe(400);
    expect((await post<{ message: string }>(app, '/api/tracks/999999/enhance', {})).status).toBe(404);
    expect(calls).toHaveLength(2);
  });

  it('enhance all tracks of a source, one task with progress', async () => {
    const { app } = served;
    const r = await post<{ task: TaskView }>(app, `/api/sources/${ids.north}/enhance`, { seed: 3 });
    expect(r.status).toBe(202);
    const done = await finished(app, r.json.task);
    expect(done).toMatchObject({ status: 'done', done: 3, total: 3 });
    for (const t of store.listTracks({ sourceId: ids.north }).items) expect(store.listSrOutputs(t.id).map((o) => o.seed)).toEqual([3]);
    expect(store.listTracks({ sourceId: ids.south }).items.every((t) => store.listSrOutputs(t.id).length === 0)).toBe(true);
    expect((await post<{ message: string }>(app, `/api/sources/${ids.failed}/enhance`, {})).json.message).toBe(`source ${ids.failed} has no tracks with status ok to enhance`);
  });

  it('export selected tracks into a new folder under the export root and list its files', async () => {
    const { app } = served;
    const [t1, t2] = store.listTracks().items;
    const r = await post<{ task: TaskView }>(app, '/api/export', { trackIds: [t1!.id, t2!.id] });
    expect(r.status).toBe(202);
    const done = await finished(app, r.json.task);
    expect(done.status).toBe('done');
    const result = done.result as { outDir: string; files: string[] };
    expect(path.dirname(result.outDir)).toBe(path.join(tmp.dir, 'exports'));
    expect(result.files).toEqual([`track-${t1!.id}.json`, `track-${t2!.id}.json`]);
    expect(fs.readdirSync(result.outDir).sort()).toEqual(result.files);
    expect((await post<{ message: string }>(app, '/api/export', { trackIds: [] })).json.message).toBe('export: trackIds: expected an array of 1..1000 track ids, received 0 ids');
    expect((await post<{ message: string }>(app, '/api/export', { trackIds: [t1!.id, t1!.id] })).json.message).toBe(`export: trackIds[1]: track ${t1!.id} is listed twice`);
    expect((await post<{ message: string }>(app, '/api/export', { trackIds: [999999] })).status).toBe(404);
    expect((await post<{ message: string }>(app, '/api/export', { trackIds: ['../../etc'] })).status).toBe(400);
    expect((await post<{ message: string }>(app, '/api/export', { trackIds: [t1!.id], outDir: '/tmp' })).json.message).toBe('export: unknown field "outDir"; valid fields: trackIds');
  });

  it('a failing action is recorded on its task with the reason', async () => {
    await served.app.close();
    const failing = { ...recordingActions(calls), enhanceTrack: async (): Promise<never> => Promise.reject(new Error('score model not loaded: missing checkpoint')) };
    served = createServeApp(store, parseServeConfig({}), failing);
    const t = store.listTracks().items[0]!;
    const r = await post<{ task: TaskView }>(served.app, `/api/tracks/${t.id}/enhance`, {});
    expect(await finished(served.app, r.json.task)).toMatchObject({ status: 'failed', error: 'score model not loaded: missing checkpoint', result: null });
    const page = await get(served.app, '/tasks');
    expect(page.body).toContain('score model not loaded: missing checkpoint');
  });

  it('without enhance/export in the build: 501 with the reason, buttons disabled with it', async () => {
    await served.app.close();
    served = createServeApp(store, parseServeConfig({}), noActions('enhance/export not available in this build'));
    const t = store.listTracks().items[0]!;
    for (const [url, body, what] of [
      [`/api/tracks/${t.id}/enhance`, {}, 'enhance'],
      [`/api/sources/${ids.north}/enhance`, {}, 'enhance'],
      ['/api/export', { trackIds: [t.id] }, 'export'],
    ] as const) {
      const r = await post<{ error: string; message: string }>(served.app, url, body);
      expect(r.status).toBe(501);
      expect(r.json).toEqual({ error: 'E_NOT_AVAILABLE', message: `${what} is not available: enhance/export not available in this build` });
    }
    const page = await get(served.app, `/tracks/${t.id}`);
    expect(page.body).toContain('disabled title="enhance/export not available in this build"');
    expect(store.listSrOutputs(t.id)).toHaveLength(0);
  });

  it('read-only: the store opened read-only, every action refused with 403, pages still served', async () => {
    await served.app.close();
    const ro = openStore(store.file, { readonly: true });
    expect(() => createServeApp(ro, parseServeConfig({}), recordingActions(calls))).toThrow(
      'createServeApp: the store is open read-only, so the server must run with readOnly: true (actions write to the store)',
    );
    served = createServeApp(ro, parseServeConfig({ readOnly: true }), recordingActions(calls));
    try {
      const t = ro.listTracks().items[0]!;
      for (const [url, body] of [
        [`/api/tracks/${t.id}/enhance`, {}],
        [`/api/sources/${ids.north}/enhance`, {}],
        ['/api/export', { trackIds: [t.id] }],
      ] as const) {
        const r = await post<{ error: string; message: string }>(served.app, url, body);
        expect(r.status).toBe(403);
        expect(r.json.error).toBe('E_READ_ONLY');
        expect(r.json.message).toMatch(/refused: the server runs in read-only mode$/);
      }
      expect(calls).toHaveLength(0);
      const page = await get(served.app, `/tracks/${t.id}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<span class="badge ro" id="read-only">read-only</span>');
      expect(page.body).toContain('disabled title="read-only mode: actions are disabled"');
      expect((await get(served.app, '/')).status).toBe(200);
    } finally {
      await served.app.close();
      ro.close();
    }
  });

  it('unknown routes are 404 (JSON for the API, a page otherwise); assets are served with the right types', async () => {
    const { app } = served;
    expect((await getJson<{ error: string }>(app, '/api/nothing')).json).toEqual({ error: 'E_NOT_FOUND', message: 'no such page: GET /api/nothing' });
    const page = await get(app, '/nothing');
    expect(page.status).toBe(404);
    expect(page.body).toContain('id="error-message">no such page: GET /nothing<');
    const js = await inject(app, '/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await inject(app, '/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });
});

describe('createServeApp argument checks', () => {
  it('names a malformed actions member', () => {
    const tmp = makeTempDir();
    const { store } = buildStore(tmp.dir);
    try {
      const config = parseServeConfig({});
      const good = recordingActions([]);
      expect(() => createServeApp(store, config, { ...good, exportTrack: null } as never)).toThrow(
        'createServeApp: unknown actions member "exportTrack"; valid: enhanceTrack, exportTracks, samplers, unavailableReasons',
      );
      expect(() => createServeApp(store, config, { ...good, enhanceTrack: 'yes' } as never)).toThrow('createServeApp: actions.enhanceTrack must be a function or null, received string');
      expect(() => createServeApp(store, config, { ...good, unavailableReasons: { enhance: 'x' } } as never)).toThrow('createServeApp: actions.unavailableReasons.export must be a string');
    } finally {
      store.close();
      tmp.cleanup();
    }
  });
});
