/**
 * Scale-out on a real redis-server (Debian's, started here on a free loopback port): one
 * coordinator (this process: `processSourcesViaQueue`, the code `fasr process --queue` runs) and
 * two `fasr worker` processes process four real clips (cut short from ../shared/data/videos) with
 * SR on the tiny reference checkpoint; one worker is SIGKILLed in the middle of an ingest job,
 * which BullMQ's stalled-job check hands to the other worker. The final store equals, row by row,
 * that of an in-process run of the same clips (`processSources` + `enhanceTracks`); a restarted
 * coordinator with no worker left collects the ingest results from Redis again.
 *
 * Equality is exact (crops, embeddings, F_M and SR PNG bytes) except ids, timestamps and run
 * bookkeeping, and the track id that enhanceTrack writes into each SR PNG (see queue-test-helpers).
 * SR uses conditioning 'zero': the tiny checkpoint takes a 64-d F_M, the pipeline's faceres gives 1024-d.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, processSources } from '../../../pipelines';
import { resolveFfmpegBinaries } from '../../../src/ingest';
import { QueueClient, parseQueueSettings, processSourcesViaQueue, type ProcessViaQueueSummary, type QueuedSrSpec } from '../../../pipelines/queue';
import { loadSrModel, parseSrSamplingConfig } from '../../../src/sr';
import { openStore } from '../../../src/store';
import { TINY, VIDEOS, cutClip, dumpStore, spawnCli, startRedis, waitFor, type CliChild, type TestRedis } from './queue-test-helpers';
import { enhanceTracks } from '../../../pipelines';

const CONFIG = parseProcessConfig({});
const SR = { steps: 2, seed: 7, conditioning: 'zero' as const };
const MODEL = { model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json') };

let dir: string;
let clips: string[];
let redis: TestRedis;
const workers: CliChild[] = [];
let modelSha256 = '';
/** What the coordinator builds SR requests with (set by the in-process reference run, which loads the model). */
let requestModel: QueuedSrSpec['requestModel'] | undefined;

function srSpec(): QueuedSrSpec {
  if (requestModel === undefined) throw new Error('the in-process reference run loads the model first');
  const sampling = parseSrSamplingConfig({ steps: SR.steps }, 'test');
  return {
    model: { model: MODEL.model, config: MODEL.config, engine: 'tfjs' },
    modelSha256,
    requestModel,
    samplerLabel: sampling.label,
    fixedSteps: sampling.fixedSteps,
    // the in-process reference run's default (enhanceTracks: 128)
    keepNativeMinSidePx: 128,
    options: { steps: SR.steps, seed: SR.seed, conditioning: SR.conditioning },
  };
}

function okTrackIds(file: string): number[] {
  const store = openStore(file, { readonly: true });
  try {
    return store.listTracks({ status: 'ok', limit: 1000 }).items.map((t) => t.id);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-queue-'));
  clips = [
    cutClip(path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'), path.join(dir, 'clips/hamilton-a.mp4'), 0, 1.5),
    cutClip(path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'), path.join(dir, 'clips/hamilton-b.mp4'), 3, 1.5),
    cutClip(path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4'), path.join(dir, 'clips/katie.mp4'), 1, 1.5),
    cutClip(path.join(VIDEOS, 'sadtalker-hdtf/WDA_AlexandriaOcasioCortez_000.mp4'), path.join(dir, 'clips/aoc.mp4'), 1, 1.5),
  ];
  redis = await startRedis(dir);
}, 60_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exit));
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('fasr worker + process --queue on redis-server', () => {
  test('in-process reference run (processSources, then enhanceTracks on the tiny checkpoint)', async () => {
    const deps = await createProcessDeps(CONFIG, 'wasm');
    const store = openStore(path.join(dir, 'in-process.sqlite'));
    try {
      const summary = await processSources(store, clips, CONFIG, deps);
      expect(summary.ok).toBe(4);
      const model = await loadSrModel({ ...MODEL, engine: 'tfjs' }); // the engine the queued spec names (the default is now onnx)
      try {
        modelSha256 = model.sha256;
        requestModel = { id: model.id, formulation: model.formulation, config: { imageSize: model.config.imageSize, featDim: model.config.featDim } };
        const ids = store.listTracks({ status: 'ok', limit: 1000 }).items.map((t) => t.id);
        expect(ids.length).toBeGreaterThanOrEqual(4);
        const results = await enhanceTracks(store, ids, { model, steps: SR.steps, seed: SR.seed, conditioning: SR.conditioning, runId: summary.runId });
        expect(results.every((r) => r.inserted)).toBe(true);
      } finally {
        await model.dispose();
      }
    } finally {
      store.close();
      await closeProcessDeps(deps);
    }
  }, 240_000);

  test('two workers, one SIGKILLed mid-job: its job completes on the other; the store equals the in-process one', async () => {
    expect(modelSha256).toMatch(/^[0-9a-f]{64}$/);
    // Short lock and stalled check so that the killed worker's job is handed on within seconds.
    for (let i = 0; i < 2; i++) {
      workers.push(spawnCli(['worker', '--redis', redis.url, '--role', 'all', '--backend', 'wasm', '--lock-ms', '4000', '--stalled-ms', '1500']));
    }
    const client = await QueueClient.open(parseQueueSettings({ redisUrl: redis.url, attempts: 3, backoffMs: 500 }));
    const file = path.join(dir, 'queue.sqlite');
    const store = openStore(file);
    let summary: ProcessViaQueueSummary;
    let victimJob = '';
    try {
      const run = processSourcesViaQueue(store, clips, CONFIG, client, await resolveFfmpegBinaries(), { sr: srSpec() });
      const started = (w: CliChild): string | null => /start ingest job (\S+)/.exec(w.out())?.[1] ?? null;
      await waitFor(() => workers.some((w) => started(w) !== null), 120_000, () => `a worker to start an ingest job; outputs: ${workers.map((w) => w.out() + w.err()).join('\n---\n')}`);
      const victim = workers.find((w) => started(w) !== null) as CliChild;
      victimJob = started(victim) as string;
      await new Promise((r) => setTimeout(r, 500)); // inside the job: its first job also loads the models (seconds)
      expect(victim.out()).not.toContain(`done ingest job ${victimJob}`);
      victim.child.kill('SIGKILL');
      expect((await victim.exit).signal).toBe('SIGKILL');
      summary = await run;
    } finally {
      store.close();
      await client.close();
    }
    const survivor = workers.find((w) => w.child.signalCode === null) as CliChild;
    expect(survivor.out()).toContain(`done ingest job ${victimJob}`);
    expect(summary.ok).toBe(4);
    expect(summary.failed).toBe(0);
    expect(summary.srFailed).toEqual([]);
    expect(summary.srEnhanced + summary.srKeptNative).toBe(okTrackIds(file).length);
    expect(summary.receipts.filter((r) => r.kind === 'ingest')).toHaveLength(4);
    expect(dumpStore(file)).toEqual(dumpStore(path.join(dir, 'in-process.sqlite')));

    // Graceful stop: SIGTERM lets the idle survivor close cleanly.
    survivor.child.kill('SIGTERM');
    const exit = await survivor.exit;
    expect(exit.code).toBe(0);
    expect(survivor.out()).toContain('worker stopped');
  }, 300_000);

  test('a restarted coordinator collects the finished ingest results from Redis (no worker left, nothing recomputed)', async () => {
    expect(workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)).toBe(true);
    const client = await QueueClient.open(parseQueueSettings({ redisUrl: redis.url }));
    const file = path.join(dir, 'restarted.sqlite');
    const store = openStore(file);
    let summary: ProcessViaQueueSummary;
    try {
      // A fresh store stands for one whose writes were lost with the coordinator. SR is left out:
      // an SR job's id covers the track id written into its PNG, and a fresh store may number tracks otherwise.
      summary = await processSourcesViaQueue(store, clips, CONFIG, client, await resolveFfmpegBinaries(), { signal: AbortSignal.timeout(60_000) });
    } finally {
      store.close();
      await client.close();
    }
    expect(summary.stopped).toBe(false);
    expect(summary.ok).toBe(4);
    expect(summary.receipts).toHaveLength(4);
    expect(summary.receipts.every((r) => r.reused)).toBe(true);
    const withoutSr = (dump: unknown): unknown =>
      (dump as { tracks: { sr: unknown }[] }[]).map((s) => ({ ...s, tracks: s.tracks.map((t) => ({ ...t, sr: [] })) }));
    expect(dumpStore(file)).toEqual(withoutSr(dumpStore(path.join(dir, 'in-process.sqlite'))));
  }, 120_000);
});
