import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../../src/store';
import { childPids, cutClip, HAMILTON, spawnCli, TALKING } from './batch-test-helpers';

/**
 * Ctrl-C in a terminal: SIGINT to the whole foreground process group. ffmpeg runs in a group of
 * its own (src/ingest), so only fasr gets it: the file being decoded is finished and `done`, the
 * next one is not started, and fasr exits cleanly.
 */
/** Frames the decoder samples at `fps` (the first frame in each 1/fps slot of video time), counted from ffprobe's frame times. */
function sampledFrameCount(file: string, fps: number): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file]).toString('utf8');
  const times = out.split('\n').map(Number.parseFloat).filter((t) => Number.isFinite(t));
  return new Set(times.map((t) => Math.floor(t * fps + 1e-6))).size;
}

describe('fasr batch: Ctrl-C (SIGINT to the process group)', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-ctrlc-'));
    cutClip(TALKING, path.join(dir, 'clips', 'a.mp4'), 0, 4);
    cutClip(HAMILTON, path.join(dir, 'clips', 'b.mp4'), 0, 2);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finishes the current file (done, all its frames) and stops before the next one', async () => {
    const db = path.join(dir, 'ctrlc.sqlite');
    const cli = spawnCli(['batch', path.join(dir, 'clips'), '--db', db, '--fps', '2', '--backend', 'wasm'], undefined, undefined, true);
    try {
      // Signal the group as soon as the first file's ffmpeg runs (it lives until the last frame is taken).
      let ffmpegPid: number | undefined;
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          const pid = cli.out().includes('[1/2]') ? childPids(cli.child.pid ?? -1, 'ffmpeg')[0] : undefined;
          if (pid !== undefined) {
            clearInterval(timer);
            ffmpegPid = pid;
            process.kill(-(cli.child.pid ?? 0), 'SIGINT'); // what a terminal's Ctrl-C does
            resolve();
          }
        }, 10);
        void cli.exit.then(() => {
          clearInterval(timer);
          reject(new Error(`the batch ended before its ffmpeg was seen: ${cli.out()} ${cli.err()}`));
        });
      });
      expect(ffmpegPid).toBeDefined();
      const exit = await cli.exit;
      expect({ exit, err: cli.err() }).toMatchObject({ exit: { code: 0, signal: null } });
      expect(cli.err()).toMatch(/SIGINT: finishing the current source, then stopping/);
      // Every sampled frame was decoded (an ffmpeg killed by the SIGINT would end the file 'failed').
      const frames = sampledFrameCount(path.join(dir, 'clips', 'a.mp4'), 2);
      expect(frames).toBeGreaterThanOrEqual(8);
      expect(cli.out()).toContain(`a.mp4 (frames ${frames}, `);
      expect(cli.out()).toMatch(/sources: 2 \(1 done, 0 failed, 0 skipped, 1 not started: stopped\)/);
    } finally {
      cli.child.kill('SIGKILL');
    }
    const store = openStore(db);
    try {
      expect(store.findSourceByPath(path.join(dir, 'clips', 'a.mp4'))?.status).toBe('done');
      expect(store.findSourceByPath(path.join(dir, 'clips', 'b.mp4'))).toBeUndefined();
      const runs = store.listRuns({}).items;
      expect(runs.map((r) => [r.status, r.error])).toEqual([['failed', 'stopped before 1 of 2 sources']]);
    } finally {
      store.close();
    }
  }, 180_000);
});
