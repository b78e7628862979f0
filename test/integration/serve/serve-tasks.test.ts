import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createServeApp, INTERRUPTED_REASON, parseServeConfig, TaskRunner, type ServeApp, type TaskView } from '../../../src/serve';
import { openStore, type Store } from '../../../src/store';
import { buildStore, httpRequest, listen, makeTempDir, recordingActions, type RecordedCall } from './serve-fixtures';

const REPO = path.resolve(__dirname, '../../..');

describe('TaskRunner: tasks kept in the store', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  beforeEach(() => {
    tmp = makeTempDir();
    store = openStore(path.join(tmp.dir, 'tasks.sqlite'));
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('runs tasks one at a time in order, with progress, results and failure reasons', async () => {
    const runner = new TaskRunner(store);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const a = runner.submit('enhance', 'a', 2, { action: 'a' }, async (progress) => {
      order.push('a start');
      await gate;
      progress(2);
      order.push('a end');
      return { ok: 1 };
    });
    const b = runner.submit('export', 'b', 1, { action: 'b' }, async () => {
      order.push('b start');
      throw new Error('disk full');
    });
    expect(a.status).toBe('queued');
    for (let i = 0; i < 5 && runner.get(a.id)?.status !== 'running'; i++) await Promise.resolve();
    expect(runner.get(a.id)?.status).toBe('running');
    expect(runner.get(b.id)?.status).toBe('queued');
    release();
    await runner.idle();
    expect(order).toEqual(['a start', 'a end', 'b start']);
    expect(runner.get(a.id)).toMatchObject({ status: 'done', done: 2, result: { ok: 1 }, error: null, request: { action: 'a' } });
    expect(runner.get(b.id)).toMatchObject({ status: 'failed', error: 'disk full', result: null });
    expect(runner.list().map((x) => x.id)).toEqual([b.id, a.id]);
    expect(runner.get(99)).toBeUndefined();
    // Another runner on the same store (a restart) sees both as they ended.
    const later = new TaskRunner(store);
    expect(later.interruptedAtStart).toEqual([]);
    expect(later.list().map((t) => [t.id, t.status, t.done, t.total])).toEqual([
      [b.id, 'failed', 0, 1],
      [a.id, 'done', 2, 2],
    ]);
    expect(later.get(a.id)?.result).toEqual({ ok: 1 });
  });

  it('jobs that are not serve tasks are not listed as tasks', () => {
    store.enqueueJob({ kind: 'ingest', idempotencyKey: 'x', payload: { path: '/v.mp4' } });
    const runner = new TaskRunner(store);
    expect(runner.list()).toEqual([]);
    expect(runner.get(1)).toBeUndefined();
  });
});

describe('review server restart: tasks survive, the unfinished ones show as interrupted and can be re-run', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let served: ServeApp | null = null;
  let store: Store | null = null;
  afterEach(async () => {
    await served?.app.close();
    store?.close();
    tmp.cleanup();
  });

  it('kill -9 with a task running and one queued; the next server shows both interrupted; re-run completes', async () => {
    tmp = makeTempDir();
    const built = buildStore(tmp.dir);
    const tracks = built.store.listTracks({ sourceId: built.north }).items.map((t) => t.id);
    built.store.close();
    const [t1, t2] = tracks;
    // The first server, in its own process, gets killed while enhancing.
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'task-harness.ts'), built.file, String(t1), String(t2)], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    for (const t0 = Date.now(); !out.includes('\n'); ) {
      if (child.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`task harness did not start a task: ${out} ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const ids = JSON.parse(out.trim()) as { running: number; queued: number };
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    // The restarted server.
    store = openStore(built.file);
    const calls: RecordedCall[] = [];
    served = createServeApp(store, parseServeConfig({ exportDir: path.join(tmp.dir, 'exports') }), recordingActions(calls));
    expect(served.tasks.interruptedAtStart).toEqual([ids.running, ids.queued]);
    const port = await listen(served.app);
    const list = (await httpRequest(port, 'GET', '/api/tasks')).json<{ tasks: TaskView[] }>().tasks;
    expect(list.map((t) => [t.id, t.kind, t.status, t.error])).toEqual([
      [ids.queued, 'export', 'interrupted', INTERRUPTED_REASON],
      [ids.running, 'enhance', 'interrupted', INTERRUPTED_REASON],
    ]);
    expect(list[1]?.description).toBe(`enhance track ${t1} (sampler ode, seed 5)`);
    const page = await httpRequest(port, 'GET', '/tasks', { accept: 'text/html' });
    expect(page.body).toContain('<span class="st st-interrupted">interrupted</span>');
    expect(page.body).toContain(`data-endpoint="/api/tasks/${ids.running}/rerun"`);

    // Re-run both: new tasks with the same requests, run to the end by this server.
    const post = async (url: string): Promise<{ status: number; body: { task: TaskView; rerunOf: number; message?: string } }> => {
      const r = await httpRequest(port, 'POST', url, { 'content-type': 'application/json' }, '{}');
      return { status: r.status, body: r.json() };
    };
    const again = await post(`/api/tasks/${ids.running}/rerun`);
    expect(again.status).toBe(202);
    expect(again.body.rerunOf).toBe(ids.running);
    const again2 = await post(`/api/tasks/${ids.queued}/rerun`);
    expect(again2.status).toBe(202);
    await served.tasks.idle();
    expect(served.tasks.get(again.body.task.id)).toMatchObject({ status: 'done', kind: 'enhance', description: `enhance track ${t1} (sampler ode, seed 5)` });
    expect(served.tasks.get(again2.body.task.id)).toMatchObject({ status: 'done', kind: 'export', result: { files: [`track-${t1}.json`, `track-${t2}.json`] } });
    expect(calls.map((c) => [c.kind, c.trackIds])).toEqual([
      ['enhance', [t1]],
      ['export', [t1, t2]],
    ]);
    expect(calls[0]?.opts).toEqual({ seed: 5, sampler: 'ode' });
    // Only failed or interrupted tasks are re-run; the originals stay interrupted.
    const refused = await post(`/api/tasks/${again.body.task.id}/rerun`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(`re-run task ${again.body.task.id}: it is done; only failed or interrupted tasks are re-run`);
    expect(served.tasks.get(ids.running)?.status).toBe('interrupted');
  });
});
