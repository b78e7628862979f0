import * as fs from 'node:fs';
import * as http from 'node:http';
import type { FastifyInstance } from 'fastify';
import * as path from 'node:path';
import type { Actions } from '../../../src/serve';
import { openStore, type Store } from '../../../src/store';
import { makePng, makeTrack, makeTempDir, makeVector } from '../store/store-fixtures';

/** Recording time of camera "north" (source 1): 2024-05-01T12:00:00Z. */
export const NORTH_RECORDED_AT_MS = Date.UTC(2024, 4, 1, 12, 0, 0);

/**
 * A store with 3 sources: "north" (done, 3 tracks, recorded 2024-05-01 12:00Z), "south" (done,
 * `southTracks` tracks, recorded a day later) and a failed one with an HTML-looking error. Track
 * 2's F_M is track 1's plus a little noise (the same person); the others are unrelated.
 */
export function buildStore(dir: string, southTracks = 3): { store: Store; file: string; north: number; south: number; failed: number } {
  const file = path.join(dir, 'ui.sqlite');
  const store = openStore(file);
  const north = store.upsertSource({ path: '/nvr/north/2024-05-01.mp4', sizeBytes: 1000, mtimeMs: 1, camera: 'north', recordedAtMs: NORTH_RECORDED_AT_MS }).id;
  const south = store.upsertSource({ path: '/nvr/south/2024-05-02.mp4', sizeBytes: 1000, mtimeMs: 1, camera: 'south', recordedAtMs: NORTH_RECORDED_AT_MS + 86_400_000 }).id;
  const failed = store.upsertSource({ path: '/nvr/south/<b>broken</b>.mp4', sizeBytes: 10, mtimeMs: 1, camera: 'south' }).id;
  const run = store.startRun({ command: 'fasr process test', config: { fps: 5 }, versions: { fasr: '0.1.0', embedder: 'emb-a' } });
  store.markSourceRunning(north, { runId: run.id });
  const t1 = makeTrack(1, 5, 0);
  const t2 = makeTrack(2, 4, 100);
  // Same person: F_M of track 2 = F_M of track 1 + small noise.
  const base = makeVector(16, 1 * 7 + 3);
  const near = base.map((x, i) => x + 0.05 * (makeVector(16, 99)[i] ?? 0));
  const t2Same = { ...t2, fused: [{ ...t2.fused![0]!, featureVector: near }] };
  store.replaceSourceResults(north, { tracks: [t1, t2Same, makeTrack(3, 3, 200)], runId: run.id }, { markDone: true });
  store.markSourceRunning(south, { runId: run.id });
  store.replaceSourceResults(south, { tracks: Array.from({ length: southTracks }, (_, i) => makeTrack(10 + i, 2, i * 10)), runId: run.id }, { markDone: true });
  store.markSourceRunning(failed, { runId: run.id });
  store.markSourceFailed(failed, 'ffprobe: <script>alert(1)</script> is not a video');
  store.finishRun(run.id, { status: 'failed', error: '1 of 3 sources failed' });
  return { store, file, north, south, failed };
}

export interface RecordedCall {
  readonly kind: 'enhance' | 'export';
  readonly trackIds: readonly number[];
  readonly opts: unknown;
}

/**
 * A test double of the injected Actions for the route plumbing (the real SR and export do not
 * exist in this build): enhance stores a 16x16 PNG as an SR output keyed by the requested seed and
 * sampler; export writes one JSON file per track into the folder the server chose.
 */
export function recordingActions(calls: RecordedCall[]): Actions {
  return {
    samplers: ['pc', 'ode'],
    unavailableReasons: { enhance: 'unused', export: 'unused' },
    enhanceTrack: async (store, trackId, opts) => {
      calls.push({ kind: 'enhance', trackIds: [trackId], opts });
      const seed = opts.seed ?? 0;
      return store.insertSrOutput({
        trackId,
        modelId: 'test-model',
        modelSha256: 'a'.repeat(64),
        sampler: opts.sampler ?? 'pc',
        steps: opts.steps ?? 10,
        networkEvaluations: 20,
        seed,
        engine: 'test',
        backend: 'none',
        png: makePng(16, 16, seed),
        widthPx: 16,
        heightPx: 16,
        timingsMs: { totalMs: 1 },
      }).inserted
        ? { srOutputId: store.listSrOutputs(trackId).at(-1)!.id, inserted: true }
        : { srOutputId: store.listSrOutputs(trackId).find((o) => o.seed === seed)!.id, inserted: false };
    },
    exportTracks: async (_store, trackIds, opts) => {
      calls.push({ kind: 'export', trackIds, opts });
      const files = trackIds.map((id) => `track-${id}.json`);
      for (const [i, id] of trackIds.entries()) fs.writeFileSync(path.join(opts.outDir, files[i]!), JSON.stringify({ id }));
      return { outDir: opts.outDir, files };
    },
  };
}

export { makeTempDir };

/** A response as the tests read it. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly body: string;
  json<T>(): T;
}

/**
 * One real HTTP request on loopback. The request target is sent byte for byte as given (no URL
 * normalisation, so "/../x" reaches the server as is); headers default to Host 127.0.0.1:port.
 * (fastify.inject cannot be used under jest here: light-my-request requires the ESM-only `cookie`.)
 */
export function httpRequest(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Listens on an ephemeral loopback port; resolves to the port. */
export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  if (typeof a !== 'object' || a === null) throw new Error('no address');
  return a.port;
}
