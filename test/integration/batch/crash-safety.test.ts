import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../../src/store';
import { cutClip, dumpStore, HAMILTON, spawnCli, TALKING } from './batch-test-helpers';

/**
 * kill -9 in the middle of a batch, then a re-run: the final store equals that of an
 * uninterrupted batch over the same files, row by row. What is compared and what is left out
 * (ids, wall-clock bookkeeping, runs, attempts) is listed on `dumpStore`.
 */
describe('fasr batch: crash safety', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-crash-'));
    // Nested camera folders; the second source is the longest, so the kill lands inside it.
    cutClip(HAMILTON, path.join(dir, 'clips', 'cam1', 'a.mp4'), 0, 2);
    cutClip(TALKING, path.join(dir, 'clips', 'cam2', 'b.mp4'), 0, 4);
    cutClip(HAMILTON, path.join(dir, 'clips', 'cam3', 'c.mp4'), 4, 2);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const args = (db: string): string[] => ['batch', path.join(dir, 'clips'), '--db', db, '--fps', '2', '--backend', 'wasm'];

  it('after SIGKILL mid-source, a re-run completes the work: no duplicated, no lost rows', async () => {
    const refDb = path.join(dir, 'reference.sqlite');
    const crashDb = path.join(dir, 'crashed.sqlite');
    const reference = spawnCli(args(refDb));

    const victim = spawnCli(args(crashDb));
    // Kill 1.5 s after the second source started (its hashing and probing take a fraction of that).
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (victim.out().includes('[2/3]')) {
          clearInterval(timer);
          setTimeout(() => {
            victim.child.kill('SIGKILL');
            resolve();
          }, 1500);
        }
      }, 20);
      void victim.exit.then(() => {
        clearInterval(timer);
        reject(new Error(`the batch ended before it could be killed: ${victim.out()} ${victim.err()}`));
      });
    });
    expect((await victim.exit).signal).toBe('SIGKILL');

    // The kill landed mid-source: a done, b running without results, c never seen.
    const store = openStore(crashDb);
    try {
      const a = store.findSourceByPath(path.join(dir, 'clips', 'cam1', 'a.mp4'));
      const b = store.findSourceByPath(path.join(dir, 'clips', 'cam2', 'b.mp4'));
      expect(a?.status).toBe('done');
      expect(b?.status).toBe('running');
      expect(store.listTracks({ sourceId: b?.id ?? -1 }).items).toHaveLength(0);
      expect(store.findSourceByPath(path.join(dir, 'clips', 'cam3', 'c.mp4'))).toBeUndefined();
    } finally {
      store.close();
    }

    const rerun = spawnCli(args(crashDb));
    const [ref, re] = await Promise.all([reference.exit, rerun.exit]);
    expect(ref.code).toBe(0);
    expect(re.code).toBe(0);
    expect(rerun.out()).toMatch(/skipped .*a\.mp4: already done \(same content hash\)/);
    expect(rerun.out()).toMatch(/sources: 3 \(2 done, 0 failed, 1 skipped\)/);

    const expected = dumpStore(refDb) as { status: string; tracks: unknown[] }[];
    expect(expected).toHaveLength(3);
    expect(expected.every((s) => s.status === 'done')).toBe(true);
    expect(expected.reduce((n, s) => n + s.tracks.length, 0)).toBeGreaterThanOrEqual(3);
    expect(dumpStore(crashDb)).toEqual(expected);

    // The runs: the re-run closed the killed one as interrupted (its pid is gone), and is done.
    expect(rerun.out()).toMatch(/closed as interrupted: run\(s\) 1 of processes that no longer exist/);
    const s2 = openStore(crashDb);
    try {
      const runs = s2.listRuns({}).items;
      expect(runs.map((r) => r.status)).toEqual(['failed', 'done']);
      expect(runs[0]?.error).toBe(`interrupted: process ${victim.child.pid} on ${os.hostname()} ended without finishing the run`);
      expect(s2.findSourceByPath(path.join(dir, 'clips', 'cam2', 'b.mp4'))?.attempts).toBe(2);
    } finally {
      s2.close();
    }
  }, 300_000);
});
