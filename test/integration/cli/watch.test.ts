import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../../src/store';
import { cutClip, HAMILTON, spawnCli, TALKING } from '../batch/batch-test-helpers';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Stdout lines of a child with the time each arrived. */
function lineLog(cli: ReturnType<typeof spawnCli>): { lines: { atMs: number; text: string }[]; waitFor: (re: RegExp, timeoutMs?: number) => Promise<number> } {
  const lines: { atMs: number; text: string }[] = [];
  let partial = '';
  cli.child.stdout?.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ atMs: Date.now(), text });
  });
  const waitFor = async (re: RegExp, timeoutMs = 90_000): Promise<number> => {
    const t0 = Date.now();
    for (;;) {
      const hit = lines.find((l) => re.test(l.text));
      if (hit !== undefined) return hit.atMs;
      if (Date.now() - t0 > timeoutMs) throw new Error(`no line matching ${re} within ${timeoutMs} ms; got:\n${lines.map((l) => l.text).join('\n')}\n${cli.err()}`);
      await sleep(25);
    }
  };
  return { lines, waitFor };
}

describe('fasr watch', () => {
  let dir = '';
  let root = '';
  let db = '';
  const existing = (): string => path.join(root, '2024-01-15', '08', 'front_door', '30.05.mp4');
  const slow = (): string => path.join(root, '2024-01-15', '09', 'back_yard', '00.00.mp4');
  const late = (): string => path.join(root, '2024-01-15', '09', 'garage', '10.00.mp4');

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-watch-'));
    root = path.join(dir, 'nvr');
    db = path.join(dir, 'store.sqlite');
    cutClip(HAMILTON, existing(), 0, 2);
    cutClip(TALKING, path.join(dir, 'slow-source.mp4'), 0, 2);
    cutClip(HAMILTON, path.join(dir, 'late-source.mp4'), 4, 2);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const args = (): string[] => ['watch', root, '--db', db, '--fps', '2', '--backend', 'wasm', '--stability-ms', '1500', '--poll-ms', '100'];

  it('takes files only when complete (one written slowly in chunks), reads cameras from the Frigate layout, queues arrivals, stops cleanly on SIGINT', async () => {
    const cli = spawnCli(args());
    const log = lineLog(cli);
    await log.waitFor(/^watching /);

    // An NVR writing a segment: 6 chunks, 500 ms apart (each pause shorter than the 1500 ms window).
    const bytes = fs.readFileSync(path.join(dir, 'slow-source.mp4'));
    fs.mkdirSync(path.dirname(slow()), { recursive: true });
    const chunk = Math.ceil(bytes.length / 6);
    let lastWriteMs = 0;
    for (let i = 0; i < 6; i++) {
      fs.appendFileSync(slow(), bytes.subarray(i * chunk, Math.min(bytes.length, (i + 1) * chunk)));
      lastWriteMs = Date.now();
      await sleep(500);
    }
    // Arrives while the watcher is busy: moved in whole (as Frigate does), queued behind the others.
    fs.mkdirSync(path.dirname(late()), { recursive: true });
    fs.copyFileSync(path.join(dir, 'late-source.mp4'), `${late()}.tmp`);
    fs.renameSync(`${late()}.tmp`, late());

    const takenSlowMs = await log.waitFor(new RegExp(`^taking ${slow().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(camera back_yard\\)`));
    expect(takenSlowMs - lastWriteMs).toBeGreaterThanOrEqual(1400);
    await log.waitFor(/^taking .*garage\/10\.00\.mp4 \(camera garage\)/);
    // SIGINT while the last file is being processed: it is finished, then the watch stops.
    cli.child.kill('SIGINT');
    const { code } = await cli.exit;
    expect(cli.err()).toMatch(/SIGINT: finishing the current file, then stopping/);
    expect(code).toBe(0);
    const texts = log.lines.map((l) => l.text);
    expect(texts.some((t) => /^ {2}ok {6}.*garage\/10\.00\.mp4/.test(t))).toBe(true);
    expect(texts.some((t) => /^watch stopped: 3 done, 0 failed, 0 skipped, 0 left queued/.test(t))).toBe(true);

    const store = openStore(db);
    try {
      const front = store.findSourceByPath(existing());
      const back = store.findSourceByPath(slow());
      const garage = store.findSourceByPath(late());
      expect([front?.camera, back?.camera, garage?.camera]).toEqual(['front_door', 'back_yard', 'garage']);
      expect([front?.status, back?.status, garage?.status]).toEqual(['done', 'done', 'done']);
      // Frigate names are UTC: 2024-01-15 08:30:05.
      expect(front?.recordedAtMs).toBe(Date.UTC(2024, 0, 15, 8, 30, 5));
      expect(back?.sizeBytes).toBe(bytes.length);
      expect(store.listRuns({}).items.map((r) => r.status)).toEqual(['done']);
    } finally {
      store.close();
    }
  }, 150_000);

  it('resumes after a restart without redoing finished files, and stops on SIGTERM', async () => {
    const cli = spawnCli(args());
    const log = lineLog(cli);
    await log.waitFor(/^watching /);
    for (const f of [existing(), slow(), late()]) {
      await log.waitFor(new RegExp(`^ {2}skipped ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: already done \\(same content hash\\)`));
    }
    cli.child.kill('SIGTERM');
    const { code } = await cli.exit;
    expect(code).toBe(0);
    expect(log.lines.some((l) => /^watch stopped: 0 done, 0 failed, 3 skipped/.test(l.text))).toBe(true);
    const store = openStore(db);
    try {
      expect(store.countSourcesByStatus()).toMatchObject({ done: 3, running: 0, pending: 0, failed: 0 });
      expect(store.findSourceByPath(existing())?.attempts).toBe(1);
    } finally {
      store.close();
    }
  }, 120_000);
});
