import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StoreError } from '../../../src/contracts';
import { openStore } from '../../../src/store';
import { cutClip, dumpStore, HAMILTON, spawnCli } from './batch-test-helpers';

/**
 * The store on a file system that fills up or is read-only: a small tmpfs mounted for the test
 * (`mount -t tmpfs`, root only). Where mounting is not permitted the tests are skipped and say why
 * (a skipped test is not a pass).
 */

function tryMount(dir: string, opts: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-disk-'));
const probeDir = path.join(base, 'probe');
fs.mkdirSync(probeDir);
const mountProblem = tryMount(probeDir, 'size=1m');
unmount(probeDir);
if (mountProblem !== null) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED store-disk-errors: cannot mount a tmpfs here (${mountProblem}); run as root to test a full and a read-only store`);
}
const withMount = mountProblem === null ? test : test.skip;

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('store on a read-only file system', () => {
  const mnt = path.join(base, 'ro');
  afterAll(() => unmount(mnt));

  withMount('a writer is refused at open with an error naming the store, before any work', async () => {
    fs.mkdirSync(mnt);
    expect(tryMount(mnt, 'size=8m')).toBeNull();
    const file = path.join(mnt, 'store.sqlite');
    const s = openStore(file);
    s.upsertSource({ path: '/v/a.mp4', sizeBytes: 1, mtimeMs: 2 });
    s.close();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    const before = fs.readFileSync(file);
    expect(() => openStore(file)).toThrow(StoreError);
    expect(() => openStore(file)).toThrow(
      `openStore: cannot write the store ${JSON.stringify(file)}: the file is on a read-only file system; give a writable --db, or open it read-only (opts.readonly) to read it`,
    );
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    // The command says so too, before any work.
    const cli = spawnCli(['batch', mnt, '--db', file, '--backend', 'wasm']);
    expect((await cli.exit).code).not.toBe(0);
    expect(cli.err()).toContain(`cannot write the store ${JSON.stringify(file)}: the file is on a read-only file system`);
    // (A read-only connection cannot open it either: SQLite needs to create the WAL index
    // beside a WAL database; that is SQLite's rule, and the message names the store too.)
  });
});

describe('store on a file system that fills up during a batch', () => {
  const mnt = path.join(base, 'full');
  const clips = path.join(base, 'clips');
  afterAll(() => {
    unmount(mnt);
    unmount(path.join(base, 'ref'));
  });

  withMount('clear error naming the store, the source in flight is not half-written, the rerun after freeing space equals a clean run', async () => {
    cutClip(HAMILTON, path.join(clips, 'a.mp4'), 0, 2);
    cutClip(HAMILTON, path.join(clips, 'b.mp4'), 2, 2);
    cutClip(HAMILTON, path.join(clips, 'c.mp4'), 4, 2);
    const args = (db: string): string[] => ['batch', clips, '--db', db, '--fps', '2', '--backend', 'wasm'];
    // The reference run, on an unlimited tmpfs: how much the store (file, WAL, WAL index) uses
    // once the first two sources are written, read when the third starts.
    const refMnt = path.join(base, 'ref');
    fs.mkdirSync(refMnt);
    expect(tryMount(refMnt, 'size=64m')).toBeNull();
    const refDb = path.join(refMnt, 'reference.sqlite');
    const ref = spawnCli(args(refDb));
    let usedBeforeThird = -1;
    const poll = setInterval(() => {
      if (usedBeforeThird < 0 && ref.out().includes('[3/3]')) {
        const st = fs.statfsSync(refMnt);
        usedBeforeThird = (st.blocks - st.bfree) * st.bsize;
      }
    }, 10);
    const refExit = await ref.exit;
    clearInterval(poll);
    expect(refExit.code).toBe(0);
    expect(usedBeforeThird).toBeGreaterThan(0);

    // Room for the first two sources and a few pages more: the disk fills while the third is written.
    fs.mkdirSync(mnt);
    const sizeKb = Math.ceil(usedBeforeThird / 4096) * 4 + 8;
    expect(tryMount(mnt, `size=${sizeKb}k`)).toBeNull();
    const db = path.join(mnt, 'store.sqlite');
    const full = spawnCli(args(db));
    const exit = await full.exit;
    expect(exit.code).not.toBe(0);
    // One clear line naming the store and the cause.
    expect(full.err()).toContain(`cannot write the store ${db}: the disk is full (SQLite SQLITE_FULL`);

    // Free space, then look: sources done before the disk filled are done; none is half-written.
    execFileSync('mount', ['-o', `remount,size=64m`, mnt]);
    const store = openStore(db);
    try {
      const sources = store.listSources({ limit: 100 }).items;
      const done = sources.filter((s) => s.status === 'done');
      const notDone = sources.filter((s) => s.status !== 'done');
      expect(done.map((d) => path.basename(d.path)).sort()).toEqual(['a.mp4', 'b.mp4']);
      // Not recorded as failed (the store could not say so): left for the next run.
      expect(sources.filter((s) => s.status === 'failed')).toEqual([]);
      for (const s of notDone) expect(store.listTracks({ sourceId: s.id }).items).toEqual([]);
    } finally {
      store.close();
    }

    const rerun = spawnCli(args(db));
    expect((await rerun.exit).code).toBe(0);
    expect(dumpStore(db)).toEqual(dumpStore(refDb));
  });
});
