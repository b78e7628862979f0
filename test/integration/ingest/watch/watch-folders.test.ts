import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ReadyFile, WatchFoldersOptions } from '../../../../src/ingest';

/**
 * watchFolders runs in a child Node process (watch-harness.ts): chokidar 5 is an ES module
 * that jest's registry cannot load, while plain Node (what `fasr watch` runs on) requires it.
 * The child also shows what matters for a clean stop: it never calls process.exit, so it ends
 * by itself only if closing the watch left no handle open. Real filesystem, real timers, small
 * stability windows to keep the tests fast.
 */

const REPO = path.resolve(__dirname, '../../../..');
const HARNESS = path.join(__dirname, 'watch-harness.ts');
const HAMILTON = path.resolve(__dirname, '../../../../../shared/data/videos/face_recognition/short_hamilton_clip.mp4');

type HarnessEvent =
  | { type: 'ready' }
  | { type: 'file'; atMs: number; file: ReadyFile }
  | { type: 'done'; atMs: number; path: string }
  | { type: 'closed'; left: string[]; stats: Record<string, number> }
  | { type: 'error'; message: string; code: string | null }
  | { type: 'attach-held'; dir: string }
  | { type: 'attach-released'; dir: string };

interface Harness {
  readonly child: ChildProcess;
  readonly events: HarnessEvent[];
  /** Resolves with the first event (from the start) matching `pred`; rejects after `timeoutMs`. */
  waitFor<T extends HarnessEvent>(pred: (e: HarnessEvent) => e is T, timeoutMs?: number): Promise<T>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  files(): ReadyFile[];
}

const running = new Set<ChildProcess>();

function startHarness(cfg: { dirs: string[]; options: WatchFoldersOptions; busyMs?: number; stopAfter?: number; probe?: boolean; holdAttach?: string }): Harness {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', HARNESS, JSON.stringify(cfg)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const events: HarnessEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let buf = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== '') events.push(JSON.parse(line) as HarnessEvent);
    }
    for (const l of listeners) l();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const l of listeners) l();
    });
  });
  function waitFor<T extends HarnessEvent>(pred: (e: HarnessEvent) => e is T, timeoutMs = 20000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const hit = events.find(pred);
        if (hit !== undefined) {
          cleanup();
          resolve(hit);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`harness exited (${child.exitCode ?? child.signalCode}) before the awaited event; events: ${JSON.stringify(events)}; stderr: ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms; events: ${JSON.stringify(events)}; stderr: ${stderr}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  }
  const files = (): ReadyFile[] => events.flatMap((e) => (e.type === 'file' ? [e.file] : []));
  return { child, events, waitFor, exited, files };
}

const isReady = (e: HarnessEvent): e is { type: 'ready' } => e.type === 'ready';
const isClosed = (e: HarnessEvent): e is Extract<HarnessEvent, { type: 'closed' }> => e.type === 'closed';
function fileNamed(name: string) {
  return (e: HarnessEvent): e is Extract<HarnessEvent, { type: 'file' }> => e.type === 'file' && path.basename(e.file.path) === name;
}
function doneNamed(name: string) {
  return (e: HarnessEvent): e is Extract<HarnessEvent, { type: 'done' }> => e.type === 'done' && path.basename(e.path) === name;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-watch-')));
});
afterEach(async () => {
  // A failed test must not leave a watcher behind.
  for (const child of running) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('watchFolders (child process, real filesystem and timers)', () => {
  test('a file written slowly in 5 chunks 300 ms apart is emitted once, only after the last chunk', async () => {
    // 5x the gap between chunks: margin for a loaded machine delaying the writer's timers.
    const stabilityMs = 1500;
    const h = startHarness({ dirs: [dir], options: { stabilityMs, pollIntervalMs: 50 } });
    await h.waitFor(isReady);
    const p = path.join(dir, 'slow.mp4');
    const fd = fs.openSync(p, 'w');
    let lastChunkAtMs = 0;
    try {
      for (let i = 0; i < 5; i++) {
        fs.writeSync(fd, Buffer.alloc(64 * 1024, i + 1));
        lastChunkAtMs = Date.now();
        if (i < 4) await sleep(300);
      }
    } finally {
      fs.closeSync(fd);
    }
    const ev = await h.waitFor(fileNamed('slow.mp4'));
    expect(ev.file.sizeBytes).toBe(5 * 64 * 1024);
    expect(ev.file.event).toBe('added');
    // Not before the last chunk had been stable for the whole window.
    expect(ev.atMs - lastChunkAtMs).toBeGreaterThanOrEqual(stabilityMs);
    // Exactly once: nothing more arrives in another window.
    await sleep(stabilityMs);
    expect(h.files().map((f) => path.basename(f.path))).toEqual(['slow.mp4']);
    h.child.kill('SIGTERM');
    expect(await h.exited).toEqual({ code: 0, signal: null });
  });

  test('nested Frigate layout created after the start: camera and UTC start from the path', async () => {
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50 } });
    await h.waitFor(isReady);
    const rel = '2024-01-15/08/front_door/30.05.mp4';
    fs.mkdirSync(path.join(dir, '2024-01-15/08/front_door'), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), 'frigate segment');
    const ev = await h.waitFor(fileNamed('30.05.mp4'));
    expect(ev.file).toMatchObject({
      path: path.join(dir, rel),
      root: dir,
      relativePath: rel,
      camera: 'front_door',
      event: 'added',
      readyCheck: null,
      layout: { pattern: 'frigate', camera: 'front_door', startWallClock: '2024-01-15T08:30:05', startUtcMs: Date.UTC(2024, 0, 15, 8, 30, 5), clock: 'utc' },
    });
    // Written again after it was taken: new content, handed on again as 'changed'.
    await h.waitFor(doneNamed('30.05.mp4'));
    fs.appendFileSync(path.join(dir, rel), ' and more');
    await h.waitFor((e): e is Extract<HarnessEvent, { type: 'file' }> => e.type === 'file' && e.file.event === 'changed');
    expect(h.files().map((f) => [f.event, f.sizeBytes])).toEqual([
      ['added', 15],
      ['changed', 24],
    ]);
    h.child.kill('SIGTERM');
    expect((await h.exited).code).toBe(0);
  });

  test('files arriving while the consumer is busy are queued, none dropped, oldest mtime first', async () => {
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50 }, busyMs: 1500 });
    await h.waitFor(isReady);
    fs.writeFileSync(path.join(dir, 'a.mp4'), 'a');
    await h.waitFor(fileNamed('a.mp4'));
    // While a.mp4 is being "processed": c first, then b, but b's mtime is older.
    const base = Math.floor(Date.now() / 1000);
    for (const [name, mtimeS] of [
      ['c.mp4', base + 20],
      ['b.mp4', base + 10],
      ['d.mp4', base + 30],
    ] as const) {
      fs.writeFileSync(path.join(dir, name), name);
      fs.utimesSync(path.join(dir, name), mtimeS, mtimeS);
    }
    const doneA = await h.waitFor(doneNamed('a.mp4'));
    await h.waitFor(fileNamed('d.mp4'), 30000);
    const order = h.files().map((f) => path.basename(f.path));
    expect(order).toEqual(['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4']);
    // b was ready long before a was done, and was handed on only after.
    const b = h.events.find(fileNamed('b.mp4'));
    expect(b?.file.settledAtMs).toBeLessThan(doneA.atMs);
    expect(b?.atMs).toBeGreaterThanOrEqual(doneA.atMs);
    h.child.kill('SIGTERM');
    expect((await h.exited).code).toBe(0);
  });

  test('files there at the start are emitted (oldest mtime first), so a restart resumes', async () => {
    const base = Math.floor(Date.now() / 1000) - 3600;
    const names = ['z-oldest.mp4', 'cam/y-middle.mkv', 'cam/deep/x-newest.avi'];
    names.forEach((rel, i) => {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, rel);
      fs.utimesSync(p, base + i, base + i);
    });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a video');
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50 } });
    await h.waitFor(fileNamed('x-newest.avi'));
    await sleep(500);
    expect(h.files().map((f) => [f.relativePath, f.event])).toEqual([
      ['z-oldest.mp4', 'existing'],
      ['cam/y-middle.mkv', 'existing'],
      ['cam/deep/x-newest.avi', 'existing'],
    ]);
    h.child.kill('SIGTERM');
    expect((await h.exited).code).toBe(0);
  });

  test('temporary, partial, hidden and non-video names are ignored; a .part renamed to its final name is taken', async () => {
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50 } });
    await h.waitFor(isReady);
    fs.mkdirSync(path.join(dir, '.sync'));
    for (const name of ['.hidden.mp4', 'clip.mp4.part', 'clip2.tmp', 'x.tmp.mp4', 'notes.txt', 'clip3.mp4.crdownload', '.sync/inner.mp4']) {
      fs.writeFileSync(path.join(dir, name), name);
    }
    // Deleted before it settled: never handed on, counted as vanished.
    fs.writeFileSync(path.join(dir, 'gone.mp4'), 'gone');
    fs.writeFileSync(path.join(dir, 'good.mp4'), 'good');
    await sleep(20);
    fs.unlinkSync(path.join(dir, 'gone.mp4'));
    await h.waitFor(fileNamed('good.mp4'));
    await sleep(600);
    expect(h.files().map((f) => f.relativePath)).toEqual(['good.mp4']);
    fs.renameSync(path.join(dir, 'clip.mp4.part'), path.join(dir, 'clip.mp4'));
    const ev = await h.waitFor(fileNamed('clip.mp4'));
    expect(ev.file.event).toBe('added');
    expect(h.files().map((f) => f.relativePath)).toEqual(['good.mp4', 'clip.mp4']);
    h.child.kill('SIGTERM');
    expect((await h.waitFor(isClosed)).stats).toMatchObject({ emitted: 2, pending: 0 });
    expect((await h.exited).code).toBe(0);
  });

  test('leaving the loop closes the watch: no more events and the process ends by itself (no open handle)', async () => {
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50 }, stopAfter: 1, busyMs: 100 });
    await h.waitFor(isReady);
    fs.writeFileSync(path.join(dir, 'first.mp4'), '1');
    await h.waitFor(fileNamed('first.mp4'));
    // A file still settling when the loop ends: its poll timer must not keep the process alive.
    fs.writeFileSync(path.join(dir, 'second.mp4'), '2');
    const closed = await h.waitFor(isClosed);
    expect(closed.stats).toMatchObject({ emitted: 1, pending: 0 });
    const exit = await Promise.race([h.exited, sleep(10000).then(() => 'still running' as const)]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(h.files()).toHaveLength(1);
  });

  test('SIGTERM while a file is being processed: that file is finished, files still queued are left (reported), clean exit', async () => {
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50 }, busyMs: 2000 });
    await h.waitFor(isReady);
    fs.writeFileSync(path.join(dir, 'current.mp4'), 'c');
    await h.waitFor(fileNamed('current.mp4'));
    fs.writeFileSync(path.join(dir, 'queued.mp4'), 'q');
    // Wait until queued.mp4 has settled (the consumer is still busy with current.mp4).
    await sleep(800);
    // A file still settling at the stop: its timers go with the watch.
    fs.writeFileSync(path.join(dir, 'settling.mp4'), 's');
    h.child.kill('SIGTERM');
    const closed = await h.waitFor(isClosed);
    expect(h.events.find(doneNamed('current.mp4'))).toBeDefined();
    expect(closed.left).toEqual([path.join(dir, 'queued.mp4')]);
    expect(h.files().map((f) => path.basename(f.path))).toEqual(['current.mp4']);
    expect(await h.exited).toEqual({ code: 0, signal: null });
  });

  test('ready check (ffprobe): an MP4 paused mid-write past the stability window is held until ffprobe can read it', async () => {
    const h = startHarness({
      dirs: [dir],
      options: { stabilityMs: 200, pollIntervalMs: 50, readyCheckRetryMs: 100, readyCheckMaxWaitMs: 60000 },
      probe: true,
    });
    await h.waitFor(isReady);
    const clip = fs.readFileSync(HAMILTON);
    const p = path.join(dir, 'paused.mp4');
    const fd = fs.openSync(p, 'w');
    let completedAtMs = 0;
    try {
      // Half the file, then a pause 5x the stability window: size settles, ffprobe cannot read it.
      fs.writeSync(fd, clip, 0, Math.floor(clip.length / 2));
      await sleep(1000);
      expect(h.files()).toEqual([]);
      fs.writeSync(fd, clip, Math.floor(clip.length / 2), clip.length - Math.floor(clip.length / 2));
      completedAtMs = Date.now();
    } finally {
      fs.closeSync(fd);
    }
    const ev = await h.waitFor(fileNamed('paused.mp4'));
    expect(ev.atMs).toBeGreaterThanOrEqual(completedAtMs);
    expect(ev.file.sizeBytes).toBe(clip.length);
    expect(ev.file.readyCheck).toEqual({ ready: true });
    // A file ffprobe never reads is handed on after readyCheckMaxWaitMs with the reason (see the next test).
    h.child.kill('SIGTERM');
    expect((await h.exited).code).toBe(0);
  });

  test('ready check: a file that never becomes readable is handed on after the max wait, with the reason', async () => {
    const h = startHarness({
      dirs: [dir],
      options: { stabilityMs: 100, pollIntervalMs: 50, readyCheckRetryMs: 100, readyCheckMaxWaitMs: 600 },
      probe: true,
    });
    await h.waitFor(isReady);
    fs.writeFileSync(path.join(dir, 'junk.mp4'), Buffer.alloc(4096, 7));
    const ev = await h.waitFor(fileNamed('junk.mp4'));
    expect(ev.file.readyCheck?.ready).toBe(false);
    expect(ev.file.readyCheck).toMatchObject({ reason: expect.any(String) });
    expect(ev.atMs - ev.file.mtimeMs).toBeGreaterThanOrEqual(600);
    h.child.kill('SIGTERM');
    expect((await h.exited).code).toBe(0);
  });
});

describe('watchFolders reconciliation scan (the "Known gap": a missed event costs one interval, never the file)', () => {
  const isHeld = (e: HarnessEvent): e is Extract<HarnessEvent, { type: 'attach-held' }> => e.type === 'attach-held' && path.basename(e.dir) === 'late-08';
  const isReleased = (e: HarnessEvent): e is Extract<HarnessEvent, { type: 'attach-released' }> => e.type === 'attach-released';

  /** A brand-new folder whose OS watcher is held back (the harness's holdAttach), then a write-then-rename into it. */
  async function renameIntoHeldFolder(h: Harness): Promise<string> {
    await h.waitFor(isReady);
    fs.mkdirSync(path.join(dir, 'late-08'));
    // chokidar has listed the (empty) folder and asked for its watcher: from here on nothing in it raises an event.
    await h.waitFor(isHeld);
    const final = path.join(dir, 'late-08', '10.00.mp4');
    fs.writeFileSync(`${final}.tmp`, 'segment');
    fs.renameSync(`${final}.tmp`, final);
    return final;
  }

  test('a file renamed into a new folder before its watcher is attached is taken by the scan, exactly once', async () => {
    const rescanIntervalMs = 500;
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50, rescanIntervalMs }, holdAttach: 'late' });
    const final = await renameIntoHeldFolder(h);
    const ev = await h.waitFor(fileNamed('10.00.mp4'), 15000);
    expect(ev.file).toMatchObject({ path: final, relativePath: 'late-08/10.00.mp4', event: 'added', sizeBytes: 7 });
    // Found while the folder still had no watcher: the scan, not an event, took it.
    expect(h.events.some(isReleased)).toBe(false);
    // The watcher attaches late; the next scans and events must not take it again.
    h.child.kill('SIGUSR2');
    await h.waitFor(isReleased);
    await sleep(4 * rescanIntervalMs + 400);
    expect(h.files().map((f) => f.path)).toEqual([final]);
    h.child.kill('SIGTERM');
    const closed = await h.waitFor(isClosed);
    expect(closed.stats).toMatchObject({ emitted: 1, reconciled: 1 });
    expect(closed.stats.rescans).toBeGreaterThanOrEqual(4);
    expect(await h.exited).toEqual({ code: 0, signal: null });
  });

  test('control: without the scan (rescanIntervalMs 0) the same file is missed, which is the gap the scan closes', async () => {
    const h = startHarness({ dirs: [dir], options: { stabilityMs: 200, pollIntervalMs: 50, rescanIntervalMs: 0 }, holdAttach: 'late' });
    await renameIntoHeldFolder(h);
    h.child.kill('SIGUSR2');
    await h.waitFor(isReleased);
    // Ten stability windows: the file settled long ago had anyone seen it.
    await sleep(2000);
    expect(h.files()).toEqual([]);
    h.child.kill('SIGTERM');
    const closed = await h.waitFor(isClosed);
    expect(closed.stats).toMatchObject({ emitted: 0, reconciled: 0, rescans: 0 });
    expect((await h.exited).code).toBe(0);
  });
});
