import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DecodedFrame, FfmpegBinaries, FrameDecoder } from '../../../src/ingest';

/** The shared videos, relative to this file (shared/ lies beside the repository). */
export const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
export const HAMILTON = path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4');
export const SADTALKER = path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4');
export const PORTRAIT = path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4');
export const OPENPOSE = path.join(VIDEOS, 'openpose/video.avi');
export const INTEL = path.join(VIDEOS, 'intel-sample-videos/one-by-one-person-detection.mp4');

/** A fresh temp directory; the caller removes it with `removeDir`. */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-ingest-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs ffmpeg to make a test clip; throws with its stderr on failure. */
export function runFfmpeg(bins: FfmpegBinaries, args: string[]): void {
  execFileSync(bins.ffmpeg.path, ['-hide_banner', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Every decoded video frame's pts (ffprobe's best_effort_timestamp, what ffmpeg uses) in ms. */
export function ffprobeFramePtsMs(bins: FfmpegBinaries, file: string, readIntervals?: string): number[] {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=best_effort_timestamp:stream=time_base', '-of', 'json'];
  if (readIntervals !== undefined) args.push('-read_intervals', readIntervals);
  const out = execFileSync(bins.ffprobe.path, [...args, file], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
  const json = JSON.parse(out) as { frames: { best_effort_timestamp?: number }[]; streams: { time_base: string }[] };
  const [num, den] = (json.streams[0]?.time_base ?? '').split('/').map(Number);
  if (num === undefined || den === undefined || !(num > 0) || !(den > 0)) throw new Error(`no time base for ${file}`);
  return json.frames.flatMap((f) => (f.best_effort_timestamp === undefined ? [] : [(f.best_effort_timestamp * num * 1000) / den]));
}

/**
 * The sampling rule, written out independently of the decoder: keep the first frame in each
 * 1/fps slot of video time counted from startMs, none before startMs nor at/after endMs.
 */
export function expectedSamplePts(allPtsMs: readonly number[], fps: number, startMs: number, endMs = Infinity): number[] {
  const kept: number[] = [];
  let lastSlot = -Infinity;
  for (const t of [...allPtsMs].sort((a, b) => a - b)) {
    if (t < startMs || t >= endMs) continue;
    const slot = Math.floor(((t - startMs) / 1000) * fps + 1e-6);
    if (slot > lastSlot) {
      kept.push(t);
      lastSlot = slot;
    }
  }
  return kept;
}

/** Drains a decoder into an array (small clips only). */
export async function collect(decoder: FrameDecoder): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for await (const f of decoder) frames.push(f);
  return frames;
}

/** Whether a process with this pid still exists (zombies included). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a process still runs: false once it is gone or a zombie (it has ended; reaping it is its
 * parent's job, which for an orphan is init's). Linux: reads /proc/<pid>/stat.
 */
export function processRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session (Linux). */
export function processStat(pid: number): { state: string; ppid: number; pgrp: number; session: number; comm: string } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const close = stat.lastIndexOf(')');
  const [state = '', ppid = '', pgrp = '', session = ''] = stat.slice(close + 2).split(' ');
  return { state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), comm: stat.slice(stat.indexOf('(') + 1, close) };
}

/** Polls until `pid` no longer runs (see processRunning); false if it still runs after timeoutMs. */
export async function waitUntilEnded(pid: number, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (!processRunning(pid)) return true;
    await sleep(20);
  }
  return !processRunning(pid);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Mean absolute difference of two byte arrays of equal length. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return s / a.length;
}
