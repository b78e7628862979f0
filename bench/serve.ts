/**
 * Server time of the review UI's pages on a large store: 10,000 tracks (100 sources x 100 tracks,
 * 3 detections each with an 8x8 rgb8 crop, a 512-d embedding and a 512-d F_M), built through the
 * Store API in a temp folder. The server listens on loopback; each route gets a few warm-up
 * requests, then N timed requests one after another. "server" is onRequest → onResponse inside
 * fastify (what the 200 ms target is about); "round trip" adds HTTP on loopback.
 *
 * Run: npm run bench:serve  [-- --requests N]   (N default 30, at most 200)
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { createServeApp, noActions, parseServeConfig } from '../src/serve';
import { openStore, type DetectionResultInput, type TrackResultInput } from '../src/store';
import { intArg } from './bench-args';

const SOURCES = 100;
const TRACKS_PER_SOURCE = 100;
const DIM = 512;
const TARGET_MS = 200;


/** Deterministic pseudo-random vector (mulberry32). */
function vector(seed: number): Float32Array {
  let s = seed >>> 0;
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    v[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return v;
}

function track(key: number, seed: number): TrackResultInput {
  const detections: DetectionResultInput[] = [];
  for (let i = 0; i < 3; i++) {
    const frameIndex = key * 5 + i;
    detections.push({
      detection: {
        frameIndex,
        ptsMs: frameIndex * 200,
        bboxXYWH: [100 + i, 50, 64, 72],
        score: 0.9,
        landmarks: { leftEye: [115, 70], rightEye: [145, 70], nose: [130, 85], mouthLeft: [118, 100], mouthRight: [142, 100] },
        yawDeg: 1,
        pitchDeg: 2,
        rollDeg: 3,
        quality: 0.5 + i / 10,
        sharpness: 100,
        frontalness: 0.9,
      },
      crops: [{ kind: 'aligned128', format: 'rgb8', widthPx: 8, heightPx: 8, image: new Uint8Array(192).fill((seed + i) & 0xff) }],
      embeddings: [{ modelId: 'bench-emb', vector: vector(seed * 10 + i), cropKind: 'aligned128' }],
    });
  }
  return {
    trackKey: key,
    detections,
    lr0Index: 2,
    fused: [{ featureVector: vector(seed), embedderId: 'bench-emb', method: 'mean', memberIndices: [0, 1, 2], rejectedIndices: [] }],
  };
}

function get(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, headers: { host: `127.0.0.1:${port}`, accept: 'text/html' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`${target}: HTTP ${String(res.statusCode)}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

async function main(): Promise<void> {
  const requests = intArg('--requests', 30, 1, 200);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-serve-'));
  const file = path.join(dir, 'bench.sqlite');
  try {
    const t0 = performance.now();
    const store = openStore(file);
    for (let s = 0; s < SOURCES; s++) {
      const src = store.upsertSource({ path: `/nvr/cam${s % 10}/clip-${s}.mp4`, sizeBytes: 1e6, mtimeMs: 1, camera: `cam${s % 10}`, recordedAtMs: Date.UTC(2024, 4, 1) + s * 3_600_000 });
      store.markSourceRunning(src.id);
      store.replaceSourceResults(src.id, { tracks: Array.from({ length: TRACKS_PER_SOURCE }, (_, k) => track(k, s * TRACKS_PER_SOURCE + k)) }, { markDone: true });
    }
    const buildMs = performance.now() - t0;
    const allIds = store.listTracks({ limit: 1000 }).items.map((t) => t.id);
    const lastPage = store.listTracks({ afterId: 9000, limit: 1 }).items[0];
    const midTrack = allIds[500] ?? 1;

    const served = createServeApp(store, parseServeConfig({ pageSize: 50 }), noActions('bench'));
    const serverMs = new Map<string, number[]>();
    const started = new WeakMap<object, number>();
    served.app.addHook('onRequest', async (req) => {
      started.set(req, performance.now());
    });
    served.app.addHook('onResponse', async (req) => {
      const t = started.get(req);
      if (t === undefined) return;
      const key = req.routeOptions.url ?? req.url;
      serverMs.set(key, [...(serverMs.get(key) ?? []), performance.now() - t]);
    });
    await served.app.listen({ host: '127.0.0.1', port: 0 });
    const address = served.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    const routes: [string, string][] = [
      ['sources page (/)', '/'],
      ['tracks JSON, first page of 50', '/api/tracks?limit=50'],
      [`tracks JSON, page after id 9000`, `/api/tracks?limit=50&after=9000`],
      ['search page, camera + time window', '/search?camera=cam3&from=2024-05-01T00:00&to=2024-05-03T00:00'],
      [`search page, deep (after ${lastPage?.id ?? '?'})`, `/search?after=${lastPage?.id ?? 1}`],
      ['source page (timeline + 50 tracks)', '/sources/50'],
      ['track page', `/tracks/${midTrack}`],
      ['track LR_0 thumbnail', `/img/tracks/${midTrack}/lr0`],
      ['find this person (exact scan of 10,000 F_M)', `/api/tracks/${midTrack}/similar`],
    ];
    const rows: string[][] = [];
    for (const [name, target] of routes) {
      for (let i = 0; i < 3; i++) await get(port, target); // warm-up (statement cache, page cache)
      serverMs.clear();
      const roundTrip: number[] = [];
      for (let i = 0; i < requests; i++) {
        const t = performance.now();
        await get(port, target);
        roundTrip.push(performance.now() - t);
      }
      const server = [...serverMs.values()].flat();
      const p50 = percentile(server, 0.5);
      rows.push([name, p50.toFixed(1), percentile(server, 0.95).toFixed(1), Math.max(...server).toFixed(1), percentile(roundTrip, 0.5).toFixed(1), p50 < TARGET_MS ? 'yes' : 'NO']);
    }
    await served.app.close();
    store.close();

    const header = ['route', 'server p50 ms', 'server p95 ms', 'server max ms', 'round trip p50 ms', `p50 < ${TARGET_MS} ms`];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
    console.log(`store: ${SOURCES * TRACKS_PER_SOURCE} tracks in ${SOURCES} sources (${(fs.statSync(file).size / 1e6).toFixed(1)} MB), built in ${(buildMs / 1000).toFixed(1)} s; ${requests} sequential requests per route after 3 warm-ups; node ${process.version}, ${os.cpus().length} CPUs`);
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const r of rows) console.log(line(r));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
