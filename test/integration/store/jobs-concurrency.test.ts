import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openStore } from '../../../src/store';
import { makeTempDir } from './store-fixtures';

const REPO = path.resolve(__dirname, '../../..');
const WORKER = path.join(__dirname, 'job-worker.ts');
const JOBS = 90;

/** Starts a worker; `ready` resolves when its store is open, `claimed` with the job ids it ran. */
function worker(file: string, id: string, goFile: string): { ready: Promise<void>; claimed: Promise<number[]> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', WORKER, file, id, goFile], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('ready')) onReady();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const claimed = new Promise<number[]>((resolve, reject) =>
    child.on('exit', (code) => {
      const m = /claimed (\[.*\])/.exec(out);
      if (code === 0 && m !== null) resolve(JSON.parse(m[1] as string) as number[]);
      else reject(new Error(`worker ${id} exited ${code}: ${err}`));
    }),
  );
  return { ready, claimed };
}

describe('jobs across processes', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('three worker processes claiming at once run every job exactly once', async () => {
    const file = path.join(tmp.dir, 'store.db');
    const store = openStore(file);
    for (let i = 0; i < JOBS; i++) store.enqueueJob({ kind: 'work', idempotencyKey: `work:${i}`, payload: { i } });
    store.close();

    const goFile = path.join(tmp.dir, 'go');
    const workers = ['w1', 'w2', 'w3'].map((w) => worker(file, w, goFile));
    await Promise.all(workers.map((w) => w.ready));
    fs.writeFileSync(goFile, '');
    const results = await Promise.all(workers.map((w) => w.claimed));
    // With a start barrier and ~90 fsync'd claims, every worker gets some: they really competed.
    expect(results.every((r) => r.length > 0)).toBe(true);
    const all = results.flat();
    expect(all).toHaveLength(JOBS);
    expect(new Set(all).size).toBe(JOBS);

    const check = openStore(file);
    for (const [k, w] of ['w1', 'w2', 'w3'].entries()) {
      for (const id of results[k] as number[]) {
        expect(check.getJob(id)).toMatchObject({ status: 'done', attempts: 1, workerId: w, result: { by: w } });
      }
    }
    check.close();
  });
});
