import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig, type CreatedProcessDeps } from '../../../pipelines';
import { parseBatchOptions, pipelineSourceProcessor, runBatch, type BatchSummary, type SourceProcessor, type SourceStepResult } from '../../../pipelines/batch';
import { openStore } from '../../../src/store';
import { cutClip, dumpStore, HAMILTON, spawnCli, TALKING } from './batch-test-helpers';

/** Bad inputs in one batch: each is a failed source with its reason, the batch goes on, earlier results stay. */
describe('runBatch: bad inputs', () => {
  const config = parseProcessConfig({ decode: { fps: 2 } });
  let deps: CreatedProcessDeps;
  let dir = '';
  let db = '';
  let good = '';
  let before: unknown;
  let summary: BatchSummary;
  const inDir = (...p: string[]): string => path.join(dir, 'in', ...p);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bad-inputs-'));
    fs.mkdirSync(inDir('junk'), { recursive: true });
    db = path.join(dir, 'store.sqlite');
    good = cutClip(HAMILTON, inDir('good.mp4'), 0, 2);
    deps = await createProcessDeps(config, 'wasm');
    const store = openStore(db);
    try {
      const first = await runBatch(store, [good], parseBatchOptions({}), pipelineSourceProcessor(config, deps));
      expect(first.done).toBe(1);
    } finally {
      store.close();
    }
    before = dumpStore(db);

    fs.writeFileSync(inDir('notes.mp4'), 'this is a text file, not a video\n'.repeat(50));
    fs.writeFileSync(inDir('empty.mp4'), '');
    const whole = fs.readFileSync(cutClip(TALKING, path.join(dir, 'whole.mp4'), 0, 3));
    fs.writeFileSync(inDir('truncated.mp4'), whole.subarray(0, Math.floor(whole.length * 0.4)));
    // An AVI whose video fourcc no decoder knows: mpeg4 tagged XVID, the tag rewritten in the header.
    cutClip(HAMILTON, path.join(dir, 'x.avi'), 0, 1, ['-c:v', 'mpeg4', '-vtag', 'XVID']);
    const avi = fs.readFileSync(path.join(dir, 'x.avi'));
    const head = avi.subarray(0, 4096);
    for (let i = head.indexOf('XVID'); i >= 0; i = head.indexOf('XVID', i + 4)) head.write('QQQQ', i, 'latin1');
    fs.writeFileSync(inDir('unknown-codec.avi'), avi);
    cutClip(HAMILTON, inDir('deleted-before-read.mp4'), 2, 1);
    cutClip(HAMILTON, inDir('deleted-while-decoding.mp4'), 3, 2);
    for (let i = 0; i < 3000; i++) fs.writeFileSync(inDir('junk', `readme-${i}.txt`), 'x');

    const real = pipelineSourceProcessor(config, deps, (p) => {
      // Deleted while ffmpeg is reading it, after the first analysed frame.
      if (p.path.endsWith('deleted-while-decoding.mp4') && p.frames === 1 && fs.existsSync(p.path)) fs.unlinkSync(p.path);
    });
    const processor: SourceProcessor = async (store, filePath, runId) => {
      // Deleted after discovery and hashing, before the pipeline opens it.
      if (filePath.endsWith('deleted-before-read.mp4')) fs.unlinkSync(filePath);
      return real(store, filePath, runId);
    };
    const store2 = openStore(db);
    try {
      summary = await runBatch(store2, [inDir(), good, inDir('junk')], parseBatchOptions({}), processor);
    } finally {
      store2.close();
    }
  }, 240_000);

  afterAll(async () => {
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function result(name: string): SourceStepResult {
    const r = summary.results.find((x) => path.basename(x.path) === name);
    if (r === undefined) throw new Error(`no result for ${name}`);
    return r;
  }

  function failedReason(name: string): string {
    const r = result(name);
    if (r.kind !== 'processed' || r.outcome.status !== 'failed' || r.outcome.reason === null) throw new Error(`${name}: expected a failed source, got ${JSON.stringify(r)}`);
    const store = openStore(db);
    try {
      const row = store.findSourceByPath(r.path);
      expect(row?.status).toBe('failed');
      expect(row?.error).toBe(r.outcome.reason);
    } finally {
      store.close();
    }
    return r.outcome.reason;
  }

  it('records a non-video file as failed with the reason', () => {
    expect(failedReason('notes.mp4')).toMatch(/notes\.mp4.*(Invalid data found|not a video|no video stream)/i);
  });

  it('records a zero-byte file as failed: empty', () => {
    expect(failedReason('empty.mp4')).toMatch(/empty.mp4: the file is empty \(0 bytes\)/);
  });

  it('records a truncated video as failed, naming the damage', () => {
    expect(failedReason('truncated.mp4')).toMatch(/(damaged input|decode failed|moov atom not found|Invalid data)/i);
  });

  it('records a video with an unknown codec as failed, saying so', () => {
    expect(failedReason('unknown-codec.avi')).toMatch(/codec|decoder/i);
  });

  it('records a file deleted before it was read as failed: no such file', () => {
    expect(failedReason('deleted-before-read.mp4')).toMatch(/deleted-before-read\.mp4: no such file/);
  });

  it('finishes a file deleted while ffmpeg decodes it: POSIX keeps the open file readable, so it is done with all its frames', () => {
    const r = result('deleted-while-decoding.mp4');
    expect(r.kind).toBe('processed');
    if (r.kind !== 'processed') return;
    expect(r.outcome.status).toBe('done');
    expect(r.outcome.frames).toBeGreaterThanOrEqual(3);
    expect(fs.existsSync(r.path)).toBe(false);
  });

  it('reports the directory of 3000 non-video files as skipped, not as sources', () => {
    const junk = summary.inputs.find((i) => i.input === inDir('junk'));
    expect(junk?.skippedNonVideo).toBe(3000);
    expect(junk?.message).toMatch(/0 video files; skipped 3000 non-video files in .*junk \(e\.g\. readme-/);
    expect(summary.inputErrors.some((e) => /no video files in .*junk/.test(e))).toBe(true);
    expect(summary.results.some((r) => r.path.includes(`${path.sep}junk${path.sep}`))).toBe(false);
  });

  it('goes on after each failure, skips the good file done earlier, and changes nothing stored before', () => {
    expect(summary.results).toHaveLength(7);
    expect(summary.failed).toBe(5);
    expect(result('good.mp4').kind).toBe('skipped');
    const after = dumpStore(db) as { path: string }[];
    expect(after.filter((s) => s.path === path.resolve(good))).toEqual(before);
    const store = openStore(db);
    try {
      const run = store.getRun(summary.runId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/^5 of 6 sources failed: /);
    } finally {
      store.close();
    }
  });
});

/** Root reads any file whatever its mode, so as root the CLI runs without the capabilities that allow that (not as another user, who may not be able to enter the clone's folder). */
describe('runBatch: an unreadable file', () => {
  it('is a failed source with the permission error, and the next file is processed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-unreadable-'));
    try {
      fs.chmodSync(dir, 0o777);
      const locked = cutClip(HAMILTON, path.join(dir, 'locked.mp4'), 0, 1);
      const open = cutClip(HAMILTON, path.join(dir, 'open.mp4'), 1, 1);
      fs.chmodSync(locked, 0o000);
      fs.chmodSync(open, 0o644);
      const asRoot = process.getuid?.() === 0;
      const db = path.join(dir, 'store.sqlite');
      const cli = spawnCli(['batch', locked, open, '--db', db, '--fps', '2', '--backend', 'wasm'], undefined, asRoot ? 'no-file-read-override' : undefined);
      const { code } = await cli.exit;
      expect(cli.err()).toMatch(/1 of 2 sources failed/);
      expect(code).toBe(1);
      const store = openStore(db);
      try {
        expect(store.findSourceByPath(locked)?.status).toBe('failed');
        expect(store.findSourceByPath(locked)?.error).toMatch(/locked\.mp4: (not readable|cannot (read|stat) \(EACCES\)|.*Permission denied)/);
        expect(store.findSourceByPath(open)?.status).toBe('done');
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
