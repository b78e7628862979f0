import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { noActions, parseServeConfig, startServer, type RunningServer } from '../../../src/serve';
import { openStore, type Store } from '../../../src/store';
import { cutClip, HAMILTON, spawnCli, TALKING } from '../batch/batch-test-helpers';

/**
 * The review server reads the store while `fasr batch` (another process) writes it: under WAL
 * readers never wait for the writer, and the busy timeout covers the short locks both take.
 * Rounds of 20 concurrent page and API requests run until the batch ends; every one must be
 * answered 200 (no "database is locked", no 500).
 */
describe('serve while a batch writes the store', () => {
  let dir = '';
  let store: Store | null = null;
  let server: RunningServer | null = null;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-serve-batch-'));
    cutClip(HAMILTON, path.join(dir, 'clips', 'a.mp4'), 0, 3);
    cutClip(TALKING, path.join(dir, 'clips', 'b.mp4'), 0, 3);
    cutClip(HAMILTON, path.join(dir, 'clips', 'c.mp4'), 4, 3);
  });
  afterAll(async () => {
    await server?.close();
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('20 concurrent requests per round, all answered without error, while the batch commits', async () => {
    const db = path.join(dir, 'store.sqlite');
    // The server opens the store first (as `fasr serve` on last night's store), the batch then writes it.
    store = openStore(db);
    server = await startServer(store, parseServeConfig({ port: 0 }), noActions('not needed here'));
    const batch = spawnCli(['batch', path.join(dir, 'clips'), '--db', db, '--fps', '2', '--backend', 'wasm']);
    let finished = false;
    void batch.exit.then(() => {
      finished = true;
    });
    const failures: string[] = [];
    let rounds = 0;
    let answered = 0;
    let sawSources = 0;
    while (!finished) {
      const sources = store.listSources({ limit: 10 }).items;
      sawSources = Math.max(sawSources, sources.length);
      const urls = ['/', '/tasks', '/search', '/api/status', '/api/sources', '/api/tracks', '/api/runs', ...sources.map((s) => `/sources/${s.id}`), ...sources.map((s) => `/api/sources/${s.id}`)];
      const base = server.url;
      const results = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const url = urls[i % urls.length] ?? '/';
          const r = await fetch(`${base}${url}`, { headers: { Accept: url.startsWith('/api/') ? 'application/json' : 'text/html' } });
          const body = await r.text();
          return { url, status: r.status, body };
        }),
      );
      for (const r of results) {
        answered++;
        if (r.status !== 200 || /database is locked|SQLITE_BUSY/.test(r.body)) failures.push(`${r.url}: ${r.status} ${r.body.slice(0, 200)}`);
      }
      rounds++;
    }
    const exit = await batch.exit;
    expect(exit.code).toBe(0);
    expect(failures).toEqual([]);
    // The requests overlapped the batch's writes: several rounds, sources appearing meanwhile.
    expect(rounds).toBeGreaterThanOrEqual(5);
    expect(answered).toBe(rounds * 20);
    expect(sawSources).toBeGreaterThanOrEqual(1);
    expect(store.listSources({ limit: 10 }).items.map((s) => s.status)).toEqual(['done', 'done', 'done']);
  });
});
