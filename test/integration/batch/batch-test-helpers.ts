import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openStore, type Store } from '../../../src/store';

/** The repository root and shared data, relative to this file (CI clones the repo elsewhere with shared/ beside it). */
export const REPO = path.resolve(__dirname, '../../..');
export const VIDEOS = path.resolve(__dirname, '../../../../shared/data/videos');
export const HAMILTON = path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4');
export const TALKING = path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4');
const CLI_ENTRY = path.join(__dirname, 'cli-entry.ts');

/**
 * Cuts [startS, startS+durS) of a real clip into a small test clip (folders created; 320 px wide, 10 fps, no
 * audio, x264 ultrafast) with the system ffmpeg.
 */
export function cutClip(src: string, out: string, startS: number, durS: number, extra: readonly string[] = []): string {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(startS), '-t', String(durS), '-i', src, '-an', '-vf', 'scale=320:-2', '-r', '10', '-c:v', 'libx264', '-preset', 'ultrafast', ...extra, out]);
  return out;
}

/** Spawns the fasr CLI from the sources; stdout/stderr collected. */
export function spawnCli(
  args: readonly string[],
  cwd: string = REPO,
  /**
   * 'no-file-read-override': as root, run the CLI without the capabilities that let root read any
   * file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH; util-linux setpriv), so a mode-000 file is
   * unreadable to it while the clone stays readable wherever it lives (a 0700 home or temp folder).
   */
  as?: 'no-file-read-override',
  /** Start it as the leader of a new process group, as a shell starts a job (for SIGINT to the group). */
  ownGroup = false,
): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const nodeArgs = ['-r', 'ts-node/register/transpile-only', CLI_ENTRY, ...args];
  const [cmd, cmdArgs] = as === 'no-file-read-override' ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(cmd, cmdArgs, {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownGroup,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exit };
}

/** Pids of the running `comm` processes (e.g. 'ffmpeg') whose parent is `parentPid` (Linux: /proc). */
export function childPids(parentPid: number, comm: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const [state = '', ppid = ''] = stat.slice(close + 2).split(' ');
    if (stat.slice(stat.indexOf('(') + 1, close) === comm && Number(ppid) === parentPid && state !== 'Z') pids.push(Number(name));
  }
  return pids;
}

function hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function f32hex(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
}

/**
 * Everything a store holds about its sources, keyed by natural keys instead of ids, without what
 * legitimately differs between two runs of the same work:
 * - ids (sources, tracks, detections, crops, embeddings, F_M, SR outputs): AUTOINCREMENT, a redone
 *   source gets new ones; references between rows are rewritten as natural keys (frame index, crop kind);
 * - wall-clock bookkeeping: created/updated/started/finished_at_ms;
 * - run bookkeeping: the runs table, sources.last_run_id, tracks.run_id, sr_outputs.run_id, and
 *   sources.attempts (a source interrupted by kill -9 was started twice).
 */
export function dumpStore(file: string): unknown {
  const store: Store = openStore(file);
  try {
    const sources = [];
    let afterId: number | undefined;
    for (;;) {
      const page = store.listSources({ limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
      sources.push(...page.items);
      if (page.nextAfterId === null) break;
      afterId = page.nextAfterId;
    }
    return sources
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((s) => {
        const trackIds: number[] = [];
        let after: number | undefined;
        for (;;) {
          const page = store.listTracks({ sourceId: s.id, limit: 1000, ...(after !== undefined ? { afterId: after } : {}) });
          trackIds.push(...page.items.map((t) => t.id));
          if (page.nextAfterId === null) break;
          after = page.nextAfterId;
        }
        const tracks = trackIds.map((id) => {
          const d = store.getTrack(id);
          const frameOf = new Map(d.detections.map((x) => [x.id, x.frameIndex]));
          const cropKind = new Map(d.crops.map((c) => [c.id, `${frameOf.get(c.detectionId)}:${c.kind}`]));
          const embKey = new Map(d.embeddings.map((e) => [e.id, `${frameOf.get(e.detectionId)}:${e.modelId}`]));
          const t = d.track;
          return {
            trackKey: t.trackKey,
            frames: [t.firstFrameIndex, t.lastFrameIndex, t.firstPtsMs, t.lastPtsMs],
            lr0Frame: frameOf.get(t.lr0DetectionId),
            counts: [t.detectionCount, t.cropCount, t.embeddingCount],
            bestQuality: t.bestQuality,
            status: [t.status, t.rejectReason],
            camera: t.camera,
            detections: d.detections.map(({ id: _id, trackId: _t, ...rest }) => rest),
            crops: d.crops.map((c) => [frameOf.get(c.detectionId), c.kind, c.format, c.widthPx, c.heightPx, hex(c.image)]),
            embeddings: d.embeddings.map((e) => [frameOf.get(e.detectionId), e.modelId, e.cropId === null ? null : cropKind.get(e.cropId), e.dim, f32hex(e.vector)]),
            fused: d.fused.map((f) => [f.embedderId, f.method, f.dim, f32hex(f.featureVector), f.memberEmbeddingIds.map((i) => embKey.get(i)), f.rejectedEmbeddingIds.map((i) => embKey.get(i))]),
            sr: d.srOutputs.map((o) => [o.modelId, o.modelSha256, o.sampler, o.steps, o.seed, o.conditioning, o.networkEvaluations, hex(o.png)]),
          };
        });
        return {
          path: s.path,
          sizeBytes: s.sizeBytes,
          mtimeMs: s.mtimeMs,
          sha256: s.sha256,
          camera: s.camera,
          recordedAtMs: s.recordedAtMs,
          probe: [s.durationMs, s.codec, s.widthPx, s.heightPx, s.fps, s.rotationDeg],
          status: s.status,
          error: s.error,
          tracks,
        };
      });
  } finally {
    store.close();
  }
}
