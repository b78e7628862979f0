import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { openFrameDecoder, resolveFfmpegBinaries, type FfmpegBinaries } from '../../../src/ingest';
import { runProcess } from '../../../src/ingest/run-process';
import { ffprobeFramePtsMs, HAMILTON, INTEL, processRunning, processStat, sleep, waitUntilEnded } from './ingest-test-helpers';

/**
 * ffmpeg and ffprobe run in process groups of their own, so a terminal's Ctrl-C (SIGINT to the
 * foreground process group) reaches fasr only; fasr still ends them when it closes a decoder or
 * times out, and an ffmpeg orphaned by a crash of fasr (kill -9) does not run on.
 */
const REPO = path.resolve(__dirname, '../../..');
const CHILD = path.join(__dirname, 'decode-child.ts');

interface ChildEvent {
  readonly event: string;
  readonly [key: string]: unknown;
}

/** Runs decode-child.ts (a Node process that decodes with the real decoder) as the leader of a new process group. */
function spawnDecodeChild(mode: 'hold' | 'close' | 'sigint', file: string) {
  const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD, mode, file], {
    cwd: REPO,
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own group, like a shell job: the test signals the whole group
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const events = (): ChildEvent[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ChildEvent);
  const waitFor = async (name: string, timeoutMs: number): Promise<ChildEvent> => {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      const e = events().find((x) => x.event === name);
      if (e !== undefined) return e;
      if (child.exitCode !== null || child.signalCode !== null) break;
      await sleep(20);
    }
    throw new Error(`decode-child ${mode}: no "${name}" event; stdout: ${out} stderr: ${err}`);
  };
  return { child, exit, events, waitFor, stderr: () => err };
}

function pidOf(e: ChildEvent, key: string): number {
  const v = e[key];
  if (typeof v !== 'number') throw new Error(`event ${e.event}: ${key} is not a pid: ${JSON.stringify(e)}`);
  return v;
}

describe('ffmpeg/ffprobe process groups', () => {
  let bins: FfmpegBinaries;
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
  });

  it("runs the decoder's ffmpeg as the leader of a group (and session) of its own, and still kills it on close()", async () => {
    const ownGroup = processStat(process.pid).pgrp;
    const decoder = openFrameDecoder(INTEL, { sourceId: 1, fps: 'source' }, bins);
    let pid = -1;
    try {
      const first = await decoder.next();
      expect(first.done).toBe(false);
      pid = decoder.stats.pid ?? -1;
      const st = processStat(pid);
      expect(st.comm).toBe('ffmpeg');
      expect(st.ppid).toBe(process.pid);
      expect(st.pgrp).toBe(pid);
      expect(st.session).toBe(pid);
      expect(st.pgrp).not.toBe(ownGroup);
    } finally {
      await decoder.close();
    }
    expect(await waitUntilEnded(pid, 3000)).toBe(true);
  });

  it('runs short-lived binaries (ffprobe, -version) in a group of their own; a timeout kills the whole group', async () => {
    // The shell prints its pid and its process group (field 5 of /proc/self/stat).
    const r = await runProcess('/bin/sh', ['-c', 'echo $$ $(cut -d" " -f5 /proc/$$/stat)'], 5000);
    const [shPid, shGroup] = r.stdout.trim().split(' ').map(Number);
    expect(r.exitCode).toBe(0);
    expect(shGroup).toBe(shPid);
    expect(shGroup).not.toBe(processStat(process.pid).pgrp);

    // A grandchild in the same group holds stdout open: killing only the shell would leave it
    // running for 20 s (and the result waiting for it); killing the group ends both at once.
    const t0 = Date.now();
    const t = await runProcess('/bin/sh', ['-c', 'sleep 20 & echo $!; wait'], 500);
    expect(t.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    const sleepPid = Number(t.stdout.trim());
    expect(sleepPid).toBeGreaterThan(0);
    expect(await waitUntilEnded(sleepPid, 3000)).toBe(true);
  });

  it('an ffmpeg orphaned by kill -9 of its Node process ends by itself (EPIPE on its next write)', async () => {
    const victim = spawnDecodeChild('hold', INTEL);
    try {
      const started = await victim.waitFor('started', 60_000);
      const ffmpegPid = pidOf(started, 'ffmpegPid');
      // Alive and blocked on a full pipe (the child takes no more frames); 139 s of video left.
      await sleep(300);
      expect(processRunning(ffmpegPid)).toBe(true);
      expect(processStat(ffmpegPid).ppid).toBe(victim.child.pid);
      victim.child.kill('SIGKILL');
      expect((await victim.exit).signal).toBe('SIGKILL');
      expect(await waitUntilEnded(ffmpegPid, 5000)).toBe(true);
    } finally {
      victim.child.kill('SIGKILL');
    }
  }, 90_000);

  it('a Node process that closes its decoder exits by itself: the detached ffmpeg does not keep its event loop alive', async () => {
    const c = spawnDecodeChild('close', INTEL);
    try {
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([c.exit, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 60_000)))]);
      clearTimeout(timer);
      expect(exit).toEqual({ code: 0, signal: null }); // null: still running after 60 s

      const closed = c.events().find((e) => e.event === 'closed');
      expect(closed).toMatchObject({ frames: 3 });
      expect(processRunning(pidOf(closed ?? { event: 'none' }, 'ffmpegPid'))).toBe(false);
    } finally {
      c.child.kill('SIGKILL');
    }
  }, 90_000);

  it('SIGINT to the Node process group mid-decode does not reach ffmpeg: the decode finishes with every frame', async () => {
    const all = ffprobeFramePtsMs(bins, HAMILTON);
    const c = spawnDecodeChild('sigint', HAMILTON);
    try {
      await c.waitFor('started', 60_000);
      await sleep(200);
      process.kill(-(c.child.pid ?? 0), 'SIGINT'); // what a terminal's Ctrl-C does
      const exit = await c.exit;
      const end = c.events().find((e) => e.event === 'end');
      expect({ exit, end, stderr: c.stderr() }).toMatchObject({ exit: { code: 0, signal: null }, end: { event: 'end', sigints: 1, end: 'eof' } });
      expect(end?.['frames']).toBe(all.length);
      // The signal landed mid-decode, not after it.
      expect(end?.['framesAtSigint']).toEqual(expect.any(Number));
      expect(Number(end?.['framesAtSigint'])).toBeLessThan(all.length);
    } finally {
      c.child.kill('SIGKILL');
    }
  }, 90_000);
});
