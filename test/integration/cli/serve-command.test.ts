import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import type { CliIo } from '../../../src/cli/main';
import { registerServeCommand } from '../../../src/cli/serve-command';
import type { RunningServer, TaskView } from '../../../src/serve';
import { listBundledModels } from '../../../src/sr/enhance';
import { SR_ENGINE_NAMES } from '../../../src/sr/engines';
import { buildStore, httpRequest, makeTempDir } from '../serve/serve-fixtures';

function capture(): CliIo & { stdout: () => string } {
  let out = '';
  return { out: (t) => (out += t), err: (t) => (out += t), stdout: () => out };
}

/** Runs `fasr serve <args>`, calls `use` once it listens, then stops it; resolves with its output. */
async function withServe(args: readonly string[], use: (server: RunningServer) => Promise<void>): Promise<string> {
  const io = capture();
  const stop = new AbortController();
  let failure: unknown = null;
  const program = new Command('fasr').exitOverride();
  registerServeCommand(program, io, {
    signal: stop.signal,
    onListening: (server) => {
      use(server).catch((err: unknown) => (failure = err)).finally(() => stop.abort());
    },
  });
  await program.parseAsync(['serve', ...args], { from: 'user' });
  if (failure !== null) throw failure;
  return io.stdout();
}

describe('fasr serve (command)', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let dbFile = '';

  beforeAll(() => {
    tmp = makeTempDir();
    const built = buildStore(tmp.dir);
    dbFile = built.file;
    built.store.close();
  });

  afterAll(() => tmp.cleanup());

  it('exports through src/export into a new folder under --export-dir; enhance needs a model', async () => {
    const exportDir = path.join(tmp.dir, 'exports');
    const bundled = listBundledModels();
    const out = await withServe(['--db', dbFile, '--port', '0', '--export-dir', exportDir, '--backend', 'wasm'], async (server) => {
      const json = { 'content-type': 'application/json' };
      const started = await httpRequest(server.port, 'POST', '/api/export', json, JSON.stringify({ trackIds: [1, 2] }));
      expect(started.status).toBe(202);
      await server.tasks.idle();
      const task = (await httpRequest(server.port, 'GET', `/api/tasks/${started.json<{ task: TaskView }>().task.id}`)).json<{ task: TaskView }>().task;
      expect(task).toMatchObject({ status: 'done', error: null });
      const result = task.result as { outDir: string; files: string[] };
      expect(path.dirname(result.outDir)).toBe(exportDir);
      expect(result.files).toEqual(expect.arrayContaining(['manifest.csv', 'index.json']));
      for (const f of result.files) expect(fs.existsSync(path.join(result.outDir, f))).toBe(true);
      const index = JSON.parse(fs.readFileSync(path.join(result.outDir, 'index.json'), 'utf8')) as { tracks: { trackId: number }[] };
      expect(index.tracks.map((t) => t.trackId)).toEqual([1, 2]);

      const enhance = await httpRequest(server.port, 'POST', '/api/tracks/1/enhance', json, '{}');
      if (bundled.length === 0) {
        // No --model and nothing bundled: 501 with the loader's reason.
        expect(enhance.status).toBe(501);
        expect(enhance.json<{ message: string }>().message).toMatch(/^enhance is not available: no SR model: no SR model given and none bundled in /);
      } else {
        expect(enhance.status).toBe(202);
      }
    });
    expect(out).toMatch(/^fasr serve: http:\/\/127\.0\.0\.1:\d+\/ \(store .*ui\.sqlite\)$/m);
    expect(out).toMatch(/^export: src\/export \(same output as fasr export\)$/m);
    expect(out).toMatch(/fasr serve: stopping\n$/);
  });

  it('--read-only: actions refused, nothing loaded, the store untouched', async () => {
    const before = fs.readFileSync(dbFile);
    const out = await withServe(['--db', dbFile, '--port', '0', '--read-only', '--model', '/nonexistent/model.pth'], async (server) => {
      const r = await httpRequest(server.port, 'POST', '/api/export', { 'content-type': 'application/json' }, '{"trackIds":[1]}');
      expect(r.status).toBe(403);
      expect((await httpRequest(server.port, 'GET', '/tracks/1')).status).toBe(200);
    });
    expect(out).toMatch(/^read-only: enhance and export are refused$/m);
    expect(Buffer.compare(fs.readFileSync(dbFile), before)).toBe(0);
  });

  it('a --model that cannot be loaded stops the command before it listens', async () => {
    const io = capture();
    const program = new Command('fasr').exitOverride();
    registerServeCommand(program, io, { onListening: () => { throw new Error('must not listen'); } });
    await expect(program.parseAsync(['serve', '--db', dbFile, '--port', '0', '--model', path.join(tmp.dir, 'none.pth'), '--backend', 'wasm'], { from: 'user' })).rejects.toThrow(
      /none\.pth does not exist; pass --model <file>/,
    );
    await expect(program.parseAsync(['serve', '--db', dbFile, '--engine', 'torch'], { from: 'user' })).rejects.toThrow(`--engine: expected one of auto, ${SR_ENGINE_NAMES.join(', ')}, received "torch"`);
  });
});
