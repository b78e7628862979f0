import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, type CreatedProcessDeps } from '../../../pipelines';
import { parseBatchOptions, pipelineSourceProcessor, runBatch, type BatchSummary } from '../../../pipelines/batch';
import { openStore } from '../../../src/store';
import { cutClip, HAMILTON } from './batch-test-helpers';

/** Pids of live processes whose command line mentions `needle` (Linux /proc). */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Inputs on which ffprobe/ffmpeg make no progress, in one batch with a good clip: each stuck one
 * is killed by the watchdog (decode.stallTimeoutMs, 1.5 s here) and recorded as a failed source
 * with the reason; the batch goes on and the good clip is done.
 */
describe('runBatch: stuck inputs (stall watchdog)', () => {
  const config = parseProcessConfig({ decode: { fps: 2, stallTimeoutMs: 1500 } });
  let deps: CreatedProcessDeps;
  let dir = '';
  let summary: BatchSummary;
  const inDir = (...p: string[]): string => path.join(dir, 'in', ...p);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-stuck-'));
    fs.mkdirSync(inDir('hls'), { recursive: true });
    const good = cutClip(HAMILTON, inDir('b-good.mp4'), 0, 2);
    // A concat list whose second entry is a FIFO nobody writes: ffprobe reads the first entry and
    // answers; ffmpeg decodes it, then blocks in open() for ever.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', inDir('part.mp4')]);
    execFileSync('mkfifo', [inDir('feed.fifo')]);
    fs.writeFileSync(inDir('a-stuck.ffconcat'), 'ffconcat version 1.0\nfile part.mp4\nfile feed.fifo\n');
    // A live playlist (no end tag): never ends, ffprobe waits for the next segment.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', inDir('hls', 'c-live.m3u8')]);
    const live = inDir('hls', 'c-live.m3u8');
    fs.writeFileSync(live, fs.readFileSync(live, 'utf8').replace('#EXT-X-ENDLIST\n', ''));
    deps = await createProcessDeps(config, 'wasm');
    const store = openStore(path.join(dir, 'store.sqlite'));
    try {
      summary = await runBatch(store, [inDir('a-stuck.ffconcat'), good, live, inDir('feed.fifo')], parseBatchOptions({}), pipelineSourceProcessor(config, deps));
    } finally {
      store.close();
    }
  }, 240_000);
  afterAll(async () => {
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('each stuck input is a failed source with the reason; the good clip is done; nothing is left running', () => {
    const byName = new Map(summary.results.map((r) => [path.basename(r.path), r]));
    const stuck = byName.get('a-stuck.ffconcat');
    const live = byName.get('c-live.m3u8');
    const good = byName.get('b-good.mp4');
    expect(stuck?.kind === 'processed' && stuck.outcome.status).toBe('failed');
    expect(stuck?.kind === 'processed' && stuck.outcome.reason).toMatch(/^decode failed: decodeFrames: .*a-stuck\.ffconcat: no progress \(no frame, no output from ffmpeg\) for \d+ ms after \d+ frames/);
    // The frames from before the stall were analysed and their (empty: test pattern) results kept.
    expect(stuck?.kind === 'processed' && stuck.outcome.frames).toBeGreaterThanOrEqual(14);
    expect(live?.kind === 'processed' && live.outcome.status).toBe('failed');
    expect(live?.kind === 'processed' && live.outcome.reason).toMatch(/c-live\.m3u8: no progress: ffprobe did not finish within 1500 ms/);
    expect(good?.kind === 'processed' && good.outcome.status).toBe('done');
    expect(summary).toMatchObject({ processed: 3, done: 1, failed: 2 });
    // The FIFO named directly is refused at discovery, with its reason (never opened).
    expect(summary.inputErrors.join('\n')).toMatch(/feed\.fifo.*not a regular file or directory/);
    expect(pidsMentioning(dir)).toEqual([]);
    const store = openStore(path.join(dir, 'store.sqlite'));
    try {
      const statuses = [inDir('a-stuck.ffconcat'), inDir('b-good.mp4'), inDir('hls', 'c-live.m3u8')].map((p) => store.findSourceByPath(p)?.status);
      expect(statuses).toEqual(['failed', 'done', 'failed']);
    } finally {
      store.close();
    }
  });
});
