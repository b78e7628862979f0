import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { openStore, type Store } from '../../../src/store';

/** The repository root and shared data, relative to this file (CI clones the repo elsewhere with shared/ beside it). */
export const REPO = path.resolve(__dirname, '../../..');
export const SHARED = path.resolve(__dirname, '../../../../shared');
export const VIDEOS = path.join(SHARED, 'data/videos');
export const TINY = path.join(SHARED, 'fixtures/fasr-reference/tiny');
const CLI_ENTRY = path.join(__dirname, 'cli-entry.ts');

/** Cuts [startS, startS+durS) of a real clip into a small test clip (320 px wide, 10 fps, no audio) with the system ffmpeg. */
export function cutClip(src: string, out: string, startS: number, durS: number): string {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(startS), '-t', String(durS), '-i', src, '-an', '-vf', 'scale=320:-2', '-r', '10', '-c:v', 'libx264', '-preset', 'ultrafast', out]);
  return out;
}

/** A free TCP port on the loopback interface (asked of the OS). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own: loopback only, no persistence, in a temp dir. */
export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts Debian's redis-server on a free loopback port and waits until it accepts connections. */
export async function startRedis(dir: string): Promise<TestRedis> {
  const port = await freeLoopbackPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 15 s:\n${log}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be started (${err.message}); .ci/run installs it`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${log}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A spawned fasr CLI process with its output collected. */
export interface CliChild {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the fasr CLI from the sources (`node -r ts-node/register/transpile-only`). */
export function spawnCli(args: readonly string[]): CliChild {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CLI_ENTRY, ...args], {
    cwd: REPO,
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exit };
}

/** Resolves once `test` holds (checked every 100 ms); rejects after `timeoutMs` with `what`. */
export async function waitFor(test: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function f32hex(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
}

/**
 * sha256 of a PNG's chunks without the `fasr:track` text chunk: enhanceTrack writes the store's
 * track id into the PNG, and ids are the one thing two stores of the same work may number
 * differently (results come back from the workers in any order). Pixels and every other chunk count.
 */
export function pngHashWithoutTrackId(png: Uint8Array): string {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const hash = createHash('sha256').update(buf.subarray(0, 8));
  let at = 8;
  let skipped = 0;
  while (at + 12 <= buf.length) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const end = at + 12 + len;
    const data = buf.subarray(at + 8, at + 8 + len);
    if ((type === 'tEXt' || type === 'iTXt') && data.toString('latin1', 0, 'fasr:track\0'.length) === 'fasr:track\0') skipped += 1;
    else hash.update(buf.subarray(at, end));
    at = end;
  }
  if (skipped !== 1) throw new Error(`expected exactly one fasr:track text chunk in the SR PNG, found ${skipped}`);
  return hash.digest('hex');
}

function allPages<T>(page: (afterId: number | undefined) => { items: readonly T[]; nextAfterId: number | null }): T[] {
  const out: T[] = [];
  let afterId: number | undefined;
  for (;;) {
    const p = page(afterId);
    out.push(...p.items);
    if (p.nextAfterId === null) return out;
    afterId = p.nextAfterId;
  }
}

/**
 * Everything a store holds about its sources, keyed by natural keys (source path, track key, frame
 * index, crop kind), without what legitimately differs between two runs of the same work: ids
 * (and the track id inside SR PNGs), wall-clock bookkeeping (*_at_ms), run bookkeeping (runs,
 * last_run_id, run_id), SR timings. Tracks sorted by track key (a queue writes them in arrival order).
 */
export function dumpStore(file: string): unknown {
  const store: Store = openStore(file, { readonly: true });
  try {
    const sources = allPages((afterId) => store.listSources({ limit: 1000, ...(afterId !== undefined ? { afterId } : {}) }));
    return sources
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((s) => {
        const items = allPages((afterId) => store.listTracks({ sourceId: s.id, limit: 1000, ...(afterId !== undefined ? { afterId } : {}) }));
        const tracks = items
          .map((item) => {
            const d = store.getTrack(item.id);
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
              detections: d.detections.map(({ id: _id, trackId: _t, ...rest }) => rest),
              crops: d.crops.map((c) => [frameOf.get(c.detectionId), c.kind, c.format, c.widthPx, c.heightPx, hex(c.image)]),
              embeddings: d.embeddings.map((e) => [frameOf.get(e.detectionId), e.modelId, e.cropId === null ? null : cropKind.get(e.cropId), e.dim, f32hex(e.vector)]),
              fused: d.fused.map((f) => [f.embedderId, f.method, f.dim, f32hex(f.featureVector), f.memberEmbeddingIds.map((i) => embKey.get(i)), f.rejectedEmbeddingIds.map((i) => embKey.get(i))]),
              sr: d.srOutputs.map((o) => [o.modelId, o.modelSha256, o.sampler, o.steps, o.seed, o.conditioning, o.networkEvaluations, o.engine, o.backend, o.widthPx, o.heightPx, pngHashWithoutTrackId(o.png)]),
            };
          })
          .sort((a, b) => a.trackKey - b.trackKey);
        return {
          path: s.path,
          sizeBytes: s.sizeBytes,
          mtimeMs: s.mtimeMs,
          sha256: s.sha256,
          camera: s.camera,
          recordedAtMs: s.recordedAtMs,
          probe: [s.probe, s.durationMs, s.codec, s.widthPx, s.heightPx, s.fps, s.rotationDeg],
          status: s.status,
          error: s.error,
          attempts: s.attempts,
          tracks,
        };
      });
  } finally {
    store.close();
  }
}
