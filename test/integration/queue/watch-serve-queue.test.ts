/**
 * `fasr watch --queue` and the review UI's enhance through the queue (`fasr serve --queue`), on a
 * real redis-server with one `fasr worker`: the watch (a spawned CLI coordinator) stores a clip
 * dropped into its folder; the queue enhancer stores the same SR output, byte for byte, as the
 * in-process enhanceTrack on a copy of the store. Also the worker command's option errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { QueueClient, parseQueueSettings, queueTrackEnhancer } from '../../../pipelines/queue';
import { loadSrModel } from '../../../src/sr';
import { initBackend } from '../../../src/runtime/backend';
import { openStore } from '../../../src/store';
import { TINY, VIDEOS, cutClip, spawnCli, startRedis, waitFor, type CliChild, type TestRedis } from './queue-test-helpers';
import { enhanceTrack } from '../../../pipelines';

const MODEL = { model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json') };
let dir: string;
let redis: TestRedis;
let worker: CliChild | null = null;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-queue-watch-'));
  redis = await startRedis(dir);
}, 30_000);

afterAll(async () => {
  if (worker !== null && worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await worker?.exit;
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('queue: worker options, watch --queue, enhance through the queue', () => {
  test('fasr worker refuses bad options before connecting', async () => {
    const badUrl = await run(['worker', '--redis', 'http://user:secret@127.0.0.1:1']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.err).toContain('invalid queue settings: redisUrl: expected redis://host:port[/db] or rediss://host:port[/db] (TLS)');
    expect(badUrl.err).not.toContain('secret');
    const badRole = await run(['worker', '--redis', redis.url, '--role', 'gpu']);
    expect(badRole.code).toBe(1);
    expect(badRole.err).toBe('fasr: --role: expected one of ingest, sr, all, received "gpu"\n');
    const badMap = await run(['worker', '--redis', redis.url, '--path-map', 'nvr=/mnt']);
    expect(badMap.err).toContain('--path-map: expected FROM=TO with two absolute path prefixes');
  });

  test('watch --queue stores a dropped clip through the worker; the queue enhancer stores the in-process SR output byte for byte', async () => {
    worker = spawnCli(['worker', '--redis', redis.url, '--backend', 'wasm', '--sr-slots', '1']);
    const watched = path.join(dir, 'nvr');
    fs.mkdirSync(watched);
    const db = path.join(dir, 'watch.sqlite');
    const watch = spawnCli(['watch', watched, '--db', db, '--queue', redis.url, '--stability-ms', '500', '--poll-ms', '100', '--backend', 'wasm']);
    try {
      await waitFor(() => watch.out().includes('watching '), 60_000, () => `the watch to be ready: ${watch.out()}${watch.err()}`);
      // Written elsewhere and renamed in, so the watch sees a complete file.
      const clip = cutClip(path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'), path.join(dir, 'tmp-clip.mp4'), 0, 1.5);
      fs.renameSync(clip, path.join(watched, 'cam1.mp4'));
      await waitFor(() => /ok {6}\S+cam1\.mp4 \(tracks [1-9]/.test(watch.out()), 180_000, () => `the clip to be stored: ${watch.out()}${watch.err()}\nworker: ${worker?.out()}${worker?.err()}`);
    } finally {
      watch.child.kill('SIGINT');
    }
    expect((await watch.exit).code).toBe(0);
    expect(worker.out()).toMatch(/done ingest job ingest-[0-9a-f]{64}/);

    const copy = path.join(dir, 'copy.sqlite');
    fs.copyFileSync(db, copy);
    await initBackend('wasm'); // the workers' backend: outputs record it
    const model = await loadSrModel({ ...MODEL, engine: 'tfjs' }); // the engine the queued enhancer names (the default is now onnx)
    const client = await QueueClient.open(parseQueueSettings({ redisUrl: redis.url }));
    const store = openStore(db);
    const local = openStore(copy);
    try {
      const trackId = store.listTracks({ status: 'ok', limit: 1 }).items[0]?.id as number;
      expect(store.getSource(store.getTrackItem(trackId).sourceId).status).toBe('done');
      // The tiny checkpoint takes a 64-d F_M and the pipeline's faceres gives 1024-d: the feature-free ablation.
      const enhance = queueTrackEnhancer(client, { model: MODEL.model, config: MODEL.config, engine: 'tfjs' }, model, { conditioning: 'zero' });
      const viaQueue = await enhance(store, trackId, { seed: 3, steps: 2 });
      expect(viaQueue.inserted).toBe(true);
      const again = await enhance(store, trackId, { seed: 3, steps: 2 });
      expect(again).toMatchObject({ inserted: false, srOutputId: viaQueue.srOutputId });
      const inProcess = await enhanceTrack(local, trackId, { model, seed: 3, steps: 2, conditioning: 'zero' });
      expect(inProcess.inserted).toBe(true);
      const { id: _a, createdAtMs: _b, timingsMs: _c, png: qPng, ...qRow } = viaQueue.output;
      const { id: _d, createdAtMs: _e, timingsMs: _f, png: lPng, ...lRow } = inProcess.output;
      expect(qRow).toEqual(lRow);
      expect(Buffer.from(qPng).equals(Buffer.from(lPng))).toBe(true);
    } finally {
      store.close();
      local.close();
      await client.close();
      await model.dispose();
    }
    worker.child.kill('SIGTERM');
    expect((await worker.exit).code).toBe(0);
  }, 300_000);
});
