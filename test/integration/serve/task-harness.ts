/**
 * A review server that gets killed mid-task, for the restart test: opens the store (argv[2]),
 * serves it with actions whose enhance never finishes, asks (over real HTTP) to enhance track
 * argv[3] with seed 5 and then to export tracks argv[3],argv[4], and prints one JSON line
 * {running, queued} once the first task runs. It then waits to be killed.
 */
import { parseServeConfig, startServer } from '../../../src/serve';
import { openStore } from '../../../src/store';
import { httpRequest } from './serve-fixtures';

async function main(): Promise<void> {
  const [db = '', a = '', b = ''] = process.argv.slice(2);
  const store = openStore(db);
  const server = await startServer(store, parseServeConfig({ port: 0 }), {
    samplers: ['pc', 'ode'],
    unavailableReasons: { enhance: 'unused', export: 'unused' },
    enhanceTrack: () => new Promise(() => undefined),
    exportTracks: () => new Promise(() => undefined),
  });
  // The pending promises alone would not keep the process alive.
  setInterval(() => undefined, 60_000);
  const post = async (url: string, body: unknown): Promise<{ task: { id: number; status: string } }> => {
    const r = await httpRequest(server.port, 'POST', url, { 'content-type': 'application/json' }, JSON.stringify(body));
    if (r.status !== 202) throw new Error(`${url}: ${r.status} ${r.body}`);
    return r.json<{ task: { id: number; status: string } }>();
  };
  const first = await post(`/api/tracks/${a}/enhance`, { seed: 5, sampler: 'ode' });
  const second = await post('/api/export', { trackIds: [Number(a), Number(b)] });
  for (;;) {
    if (server.tasks.get(first.task.id)?.status === 'running') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  process.stdout.write(`${JSON.stringify({ running: first.task.id, queued: second.task.id, pid: process.pid })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`task-harness: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
