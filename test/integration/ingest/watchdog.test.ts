import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { InputError } from '../../../src/contracts';
import { hashFile, openFrameDecoder, probeSource, resolveFfmpegBinaries, type DecodedFrame, type FfmpegBinaries, type FrameDecoder } from '../../../src/ingest';
import { makeTempDir, removeDir, runFfmpeg, sleep, waitUntilEnded } from './ingest-test-helpers';

/**
 * The stall watchdog (DecodeOptions.stallTimeoutMs) on real ffprobe/ffmpeg with inputs on which
 * they make no progress: a concat list whose second entry is a FIFO nobody writes (ffmpeg blocks
 * in open() after the good frames), a live HLS playlist (no #EXT-X-ENDLIST: it never ends, ffprobe
 * waits for the next segment), and a FIFO named directly. Small windows (1.5 s) keep the tests short.
 */

const STALL_MS = 1500;

/** Pids of live processes whose command line mentions `needle` (Linux /proc). */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (cmd.includes(needle) && state !== 'Z') pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function drain(decoder: FrameDecoder): Promise<{ frames: DecodedFrame[]; error: unknown }> {
  const frames: DecodedFrame[] = [];
  try {
    for await (const f of decoder) frames.push(f);
    return { frames, error: null };
  } catch (err) {
    return { frames, error: err };
  }
}

describe('stall watchdog (stallTimeoutMs)', () => {
  let bins: FfmpegBinaries;
  let dir = '';
  let good = '';
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
    dir = makeTempDir();
    good = path.join(dir, 'good.mp4');
    // 8 s: longer than ffprobe's analysis window (5 s), so probing the concat list never reaches the FIFO.
    runFfmpeg(bins, ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', good]);
  });
  afterAll(() => removeDir(dir));

  test('a concat list ending in a FIFO nobody writes: frames from the good part, then "stalled", ffmpeg group killed', async () => {
    const fifo = path.join(dir, 'feed-a.fifo');
    execFileSync('mkfifo', [fifo]);
    const list = path.join(dir, 'stuck-a.ffconcat');
    fs.writeFileSync(list, `ffconcat version 1.0\nfile good.mp4\nfile ${path.basename(fifo)}\n`);
    const decoder = openFrameDecoder(list, { sourceId: 1, fps: 2, stallTimeoutMs: STALL_MS }, bins);
    const t0 = Date.now();
    const { frames, error } = await drain(decoder);
    const elapsedMs = Date.now() - t0;
    // 8 s at 2 fps: the frames from before the FIFO arrive (the fps filter keeps the last slot's
    // frame until it sees the next one, which never comes: 15 of 16).
    expect(frames.length).toBeGreaterThanOrEqual(14);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).context).toMatchObject({ path: list, reason: 'stalled', stallTimeoutMs: STALL_MS });
    expect((error as Error).message).toMatch(/no progress \(no frame, no output from ffmpeg\) for \d+ ms after (\d+) frames .*process group was killed/);
    expect((error as Error).message).toContain(`after ${frames.length} frames`);
    expect(elapsedMs).toBeGreaterThanOrEqual(STALL_MS);
    const pid = decoder.stats.lastPid;
    expect(pid).not.toBeNull();
    expect(await waitUntilEnded(pid ?? -1, 5000)).toBe(true);
    expect(pidsMentioning(list)).toEqual([]);
  });

  test('a live playlist that never ends: ffprobe is killed after the window, reason "stalled"', async () => {
    const hls = path.join(dir, 'hls');
    fs.mkdirSync(hls);
    runFfmpeg(bins, ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', path.join(hls, 'live.m3u8')]);
    const playlist = path.join(hls, 'live.m3u8');
    // Without the end tag the playlist is live: players (and ffmpeg) wait for the next segment for ever.
    fs.writeFileSync(playlist, fs.readFileSync(playlist, 'utf8').replace('#EXT-X-ENDLIST\n', ''));
    const t0 = Date.now();
    await expect(probeSource(playlist, bins, { timeoutMs: STALL_MS })).rejects.toMatchObject({ context: { reason: 'stalled', path: playlist } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(STALL_MS);
    const decoder = openFrameDecoder(playlist, { sourceId: 2, stallTimeoutMs: STALL_MS }, bins);
    const { frames, error } = await drain(decoder);
    expect(frames).toEqual([]);
    expect((error as Error).message).toMatch(/no progress: ffprobe did not finish within 1500 ms .*process group was killed/);
    await sleep(200);
    expect(pidsMentioning(playlist)).toEqual([]);
  });

  test('a FIFO named directly is refused at once (no thread blocked in open), by hashFile and by the probe', async () => {
    const fifo = path.join(dir, 'direct.mp4');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    await expect(hashFile(fifo)).rejects.toMatchObject({ context: { reason: 'not a regular file' } });
    await expect(probeSource(fifo, bins)).rejects.toMatchObject({ context: { reason: 'not a regular file' } });
    expect(Date.now() - t0).toBeLessThan(STALL_MS);
  });

  test('a consumer slower than the window is not a stall: paused by back-pressure, the decode completes', async () => {
    const decoder = openFrameDecoder(good, { sourceId: 3, fps: 1, stallTimeoutMs: 200, maxBufferedFrames: 1 }, bins);
    const frames: DecodedFrame[] = [];
    for await (const f of decoder) {
      frames.push(f);
      // Three windows per frame for the first frames: ffmpeg waits on a full pipe meanwhile.
      if (frames.length <= 3) await sleep(600);
    }
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(decoder.end).toBe('eof');
  });
});
