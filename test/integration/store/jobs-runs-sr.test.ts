import * as path from 'node:path';
import { StoreError } from '../../../src/contracts';
import { openStore, type SrOutputInput, type Store } from '../../../src/store';
import { makePng, makeTempDir, makeTrack } from './store-fixtures';

describe('runs, SR outputs and jobs', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  let nowMs: number;
  beforeEach(() => {
    tmp = makeTempDir();
    nowMs = 10_000;
    store = openStore(path.join(tmp.dir, 'store.db'), { now: () => nowMs });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('runs: start, finish, read back', () => {
    const config = { ingest: { fps: 5, hwaccel: null }, sr: { sampler: 'pc', steps: [10, 20] } };
    const run = store.startRun({ command: 'fasr batch /nvr --force', config, versions: { fasr: '0.1.0', detector: 'blazeface@abc' } });
    expect(run).toEqual({
      id: 1, command: 'fasr batch /nvr --force', config, versions: { fasr: '0.1.0', detector: 'blazeface@abc' },
      status: 'running', error: null, startedAtMs: 10_000, finishedAtMs: null,
    });
    nowMs = 12_000;
    expect(() => store.finishRun(run.id, { status: 'failed' })).toThrow(
      'finishRun.input.error: expected a non-empty string of at most 16384 characters, received undefined',
    );
    expect(store.finishRun(run.id, { status: 'failed', error: 'out of disk' })).toMatchObject({ status: 'failed', error: 'out of disk', finishedAtMs: 12_000 });
    expect(() => store.finishRun(run.id, { status: 'done' })).toThrow("finishRun: run 1 is 'failed', expected 'running'");
    expect(store.getRun(run.id).status).toBe('failed');
    expect(() => store.startRun({ command: 'x', config: { f: () => 1 } as never, versions: {} })).toThrow(
      'startRun.input.config.f: expected a JSON value (null, boolean, finite number, string, array or plain object), received a function',
    );
  });

  it('SR outputs: round-trip, idempotent on (track, model sha256, sampler, steps, seed, conditioning)', () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    const run = store.startRun({ command: 'fasr sr', config: {}, versions: {} });
    const [trackId] = store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 2)] }).trackIds;
    const png = makePng(128, 128, 3);
    const input: SrOutputInput = {
      trackId: trackId as number, runId: run.id, modelId: 'fasr-ncsnpp-128', modelSha256: 'c'.repeat(64), sampler: 'pc-reverse-diffusion',
      steps: 1000, networkEvaluations: 2000, seed: 4_294_967_295, engine: 'tfjs', backend: 'wasm', png, widthPx: 128, heightPx: 128,
      timingsMs: { totalMs: 81234.5, scoreMs: 80000 },
    };
    const first = store.insertSrOutput(input);
    expect(first).toEqual({ id: 1, inserted: true });
    // Same key again (a re-run after a crash): no new row, same id, original kept.
    nowMs = 20_000;
    expect(store.insertSrOutput({ ...input, png: makePng(128, 128, 9), timingsMs: { totalMs: 1 } })).toEqual({ id: 1, inserted: false });
    // Another seed is another output.
    const second = store.insertSrOutput({ ...input, seed: 0 });
    expect(second.inserted).toBe(true);
    expect(second.id).toBeGreaterThan(1); // ids may have gaps: a skipped conflicting insert can use one up
    const row = store.getSrOutput(1);
    const { png: gotPng, ...rest } = row;
    expect(rest).toEqual({
      id: 1, trackId, runId: run.id, method: 'synthesized', keptNative: null, modelId: 'fasr-ncsnpp-128', modelSha256: 'c'.repeat(64), sampler: 'pc-reverse-diffusion', steps: 1000,
      networkEvaluations: 2000, seed: 4_294_967_295, conditioning: 'fm', engine: 'tfjs', backend: 'wasm', widthPx: 128, heightPx: 128,
      timingsMs: { scoreMs: 80000, totalMs: 81234.5 }, createdAtMs: 10_000,
    });
    expect(Buffer.from(gotPng).equals(Buffer.from(png))).toBe(true);
    expect(store.listSrOutputs(trackId as number).map((r) => r.seed)).toEqual([4_294_967_295, 0]);
    expect(store.getTrack(trackId as number).srOutputs).toHaveLength(2);
    // The feature-free ablation with the same seed is another output ('fm' is the default).
    const ablation = store.insertSrOutput({ ...input, conditioning: 'zero' });
    expect(ablation.inserted).toBe(true);
    expect(store.insertSrOutput({ ...input, conditioning: 'fm' })).toEqual({ id: 1, inserted: false });
    expect(store.insertSrOutput({ ...input, conditioning: 'zero' })).toEqual({ id: ablation.id, inserted: false });
    expect(store.getSrOutput(ablation.id).conditioning).toBe('zero');
    expect(store.listSrOutputs(trackId as number).map((r) => r.conditioning)).toEqual(['fm', 'fm', 'zero']);
    expect(() => store.insertSrOutput({ ...input, conditioning: '' })).toThrow(/^insertSrOutput\.input\.conditioning: expected a non-empty string of at most 64 characters, received an empty string$/);
  });

  it('SR outputs: clear errors', () => {
    const src = store.upsertSource({ path: '/a.mp4', sizeBytes: 1, mtimeMs: 1 });
    const [trackId] = store.replaceSourceResults(src.id, { tracks: [makeTrack(1, 1)] }).trackIds;
    const base: SrOutputInput = {
      trackId: trackId as number, modelId: 'm', modelSha256: 'd'.repeat(64), sampler: 'em', steps: 10, networkEvaluations: 10, seed: 1,
      engine: 'tfjs', backend: 'cpu', png: makePng(16, 16), widthPx: 16, heightPx: 16, timingsMs: {},
    };
    expect(() => store.insertSrOutput({ ...base, widthPx: 32 })).toThrow(
      'insertSrOutput.input.png: expected a 32x16 PNG (input.widthPx x input.heightPx), received "16x16 PNG"',
    );
    expect(() => store.insertSrOutput({ ...base, png: new Uint8Array([1, 2, 3]) })).toThrow(
      'insertSrOutput.input.png: expected a PNG file, received a Uint8Array of length 3',
    );
    expect(() => store.insertSrOutput({ ...base, trackId: 999 })).toThrow(new StoreError('insertSrOutput: no track with id 999'));
    expect(() => store.insertSrOutput({ ...base, seed: -1 })).toThrow('insertSrOutput.input.seed: expected an integer >= 0, received -1');
    expect(() => store.insertSrOutput({ ...base, nfe: 3 } as never)).toThrow(/^insertSrOutput\.input: unknown key "nfe"; valid keys: trackId, runId, /);
    expect(() => store.insertSrOutput({ ...base, timingsMs: { totalMs: -5 } })).toThrow(
      'insertSrOutput.input.timingsMs.totalMs: expected a finite number >= 0, received -5',
    );
    expect(store.listSrOutputs(trackId as number)).toEqual([]);
  });

  it('jobs: idempotent enqueue, claim, complete, fail with retry, lease expiry', () => {
    const a = store.enqueueJob({ kind: 'sr', idempotencyKey: 'sr:track-1:seed-0', payload: { trackId: 1, seed: 0 } });
    expect(a.created).toBe(true);
    expect(a.job).toMatchObject({ id: 1, status: 'queued', attempts: 0, maxAttempts: 3, payload: { trackId: 1, seed: 0 }, result: null });
    // Same key and payload (keys in another order): the same job, not a second one.
    const again = store.enqueueJob({ kind: 'sr', idempotencyKey: 'sr:track-1:seed-0', payload: { seed: 0, trackId: 1 } });
    expect(again).toEqual({ job: a.job, created: false });
    expect(() => store.enqueueJob({ kind: 'sr', idempotencyKey: 'sr:track-1:seed-0', payload: { trackId: 2, seed: 0 } })).toThrow(
      'enqueueJob: idempotency key "sr:track-1:seed-0" already names job 1 of kind \'sr\' with a different payload',
    );
    store.enqueueJob({ kind: 'ingest', idempotencyKey: 'ingest:/a.mp4', payload: { path: '/a.mp4' }, maxAttempts: 1 });
    store.enqueueJob({ kind: 'sr', idempotencyKey: 'sr:track-2:seed-0', payload: { trackId: 2, seed: 0 } });

    // Claims go oldest first, only of the asked kinds.
    const c1 = store.claimJob({ kinds: ['sr'], workerId: 'w1', leaseMs: 1000 });
    expect(c1).toMatchObject({ id: 1, status: 'running', attempts: 1, workerId: 'w1', leaseExpiresAtMs: 11_000, startedAtMs: 10_000 });
    const c3 = store.claimJob({ kinds: ['sr'], workerId: 'w2', leaseMs: 1000 });
    expect(c3?.id).toBe(3);
    expect(store.claimJob({ kinds: ['sr'], workerId: 'w3', leaseMs: 1000 })).toBeNull();

    // Only the holder may finish a job.
    expect(() => store.completeJob(1, 'w2', { ok: true })).toThrow(
      'completeJob: job 1 is not held by worker "w2" (status \'running\', worker "w1")',
    );
    expect(store.completeJob(1, 'w1', { srOutputId: 7 })).toMatchObject({ status: 'done', result: { srOutputId: 7 }, leaseExpiresAtMs: null });
    expect(() => store.completeJob(1, 'w1', {})).toThrow(/^completeJob: job 1 is not held by worker "w1" \(status 'done'/);

    // Failure with attempts left: back to the queue with the reason.
    expect(store.failJob(3, 'w2', 'out of memory')).toMatchObject({ status: 'queued', error: 'out of memory', workerId: null, attempts: 1 });
    // w2's lease lapses without a word: another worker reclaims the job.
    const c3b = store.claimJob({ kinds: ['sr'], workerId: 'w2', leaseMs: 1000 });
    expect(c3b?.attempts).toBe(2);
    nowMs = 11_001;
    const c3c = store.claimJob({ kinds: ['sr'], workerId: 'w4', leaseMs: 1000 });
    expect(c3c).toMatchObject({ id: 3, workerId: 'w4', attempts: 3 });
    expect(() => store.failJob(3, 'w2', 'late')).toThrow(/^failJob: job 3 is not held by worker "w2"/);
    // Last attempt fails: final.
    expect(store.failJob(3, 'w4', 'still out of memory')).toMatchObject({ status: 'failed', error: 'still out of memory', attempts: 3 });

    // A worker that dies on the last attempt: the expired job fails for good on the next claim.
    const ing = store.claimJob({ kinds: ['ingest', 'sr'], workerId: 'w5', leaseMs: 10 });
    expect(ing).toMatchObject({ id: 2, attempts: 1, maxAttempts: 1 });
    nowMs = 20_000;
    expect(store.claimJob({ kinds: ['ingest'], workerId: 'w6', leaseMs: 10 })).toBeNull();
    expect(store.getJob(2)).toMatchObject({ status: 'failed', error: 'lease expired on the last attempt (worker w5)' });
    // No-retry failure.
    store.enqueueJob({ kind: 'export', idempotencyKey: 'export:1', payload: null, maxAttempts: 5 });
    store.claimJob({ kinds: ['export'], workerId: 'w7', leaseMs: 10 });
    expect(store.failJob(4, 'w7', 'bad payload', { retry: false }).status).toBe('failed');
    expect(() => store.claimJob({ kinds: [], workerId: 'w', leaseMs: 1 })).toThrow(
      'claimJob.input.kinds: expected a non-empty array of job kinds, received []',
    );
  });
});
