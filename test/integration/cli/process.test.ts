import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type CliIo } from '../../../src/cli/main';
import { resolveFfmpegBinaries } from '../../../src/ingest';
import { openStore } from '../../../src/store';
import { writeSyntheticClip } from '../pipelines/synthetic-clip';

const FACE = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples/gallery/000005.jpg');

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('fasr process', () => {
  let dir = '';
  let clip = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-cli-process-'));
    clip = path.join(dir, 'walk.mp4');
    const bins = await resolveFfmpegBinaries();
    await writeSyntheticClip(bins, clip, {
      width: 320,
      height: 240,
      fps: 10,
      frameCount: 12,
      faceSizePx: 112,
      blurSigma: 1,
      paths: [{ file: FACE, from: [40, 50], to: [150, 60], sharpFrame: 6 }],
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('processes every input, prints progress and a summary with where the results are, exits 1 when one failed', async () => {
    const db = path.join(dir, 'out.sqlite');
    const missing = path.join(dir, 'missing.mp4');
    const io = capture();
    const code = await main(['process', missing, clip, '--db', db, '--backend', 'wasm'], io);
    expect(code).toBe(1);
    const out = io.stdout();
    expect(out).toMatch(/^backend: wasm; detector: human@\S+; embedder: human-faceres@\S+$/m);
    // Not a TTY: plain progress lines, the last one per source ends with "done".
    expect(out).toMatch(/^\[1\/2\] missing\.mp4: - {2}frames 0 {2}faces 0 {2}tracks 0 {2}\(\d+\.\d s\) done$/m);
    expect(out).toMatch(/^\[2\/2\] walk\.mp4: \d+\.\d s \/ 1\.2 s {2}frames 6 {2}faces \d+ {2}tracks 1 {2}\(\d+\.\d s\) done$/m);
    expect(out).not.toMatch(/\r/);
    expect(out).toContain(`  FAILED  ${missing}: ${missing}: no such file (frames 0, faces 0, tracks 0,`);
    expect(out).toMatch(new RegExp(`^ {2}ok {6}${clip.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(frames 6, faces \\d+, tracks 1, `, 'm'));
    expect(out).toMatch(/^sources: 2 \(1 ok, 1 failed\)$/m);
    expect(out).toMatch(/^tracks: 1, faces: \d+, frames analysed: 6$/m);
    expect(out).toMatch(/^time: \d+\.\d s for 1\.2 s of video: \d+\.\d\d frames\/s, \d+\.\d\d x realtime$/m);
    expect(out).toContain(`results: ${db} (run 1); look at them with`);
    expect(io.stderr()).toBe(`fasr: 1 of 2 sources failed (reasons above; recorded in ${db})\n`);

    const store = openStore(db, { readonly: true });
    try {
      expect(store.countSourcesByStatus()).toMatchObject({ done: 1, failed: 1 });
      expect(store.listTracks().items).toHaveLength(1);
      expect(store.getRun(1)).toMatchObject({ status: 'failed', command: `fasr process ${missing} ${clip}` });
    } finally {
      store.close();
    }
  });

  it('exits 0 when every source is done', async () => {
    const io = capture();
    expect(await main(['process', clip, '--db', path.join(dir, 'ok.sqlite'), '--fps', '2'], io)).toBe(0);
    expect(io.stdout()).toMatch(/^sources: 1 \(1 ok, 0 failed\)$/m);
    expect(io.stderr()).toBe('');
  });

  it('rejects bad options before opening anything', async () => {
    const db = path.join(dir, 'never.sqlite');
    const io = capture();
    expect(await main(['process', clip, '--db', db, '--fps', 'fast'], io)).toBe(1);
    expect(io.stderr()).toBe('fasr: --fps: expected a number in (0, 240], received "fast"\n');
    const io2 = capture();
    expect(await main(['process', clip, '--db', db, '--embedder', 'arcface'], io2)).toBe(1);
    expect(io2.stderr()).toMatch(/^fasr: invalid process config: embedder: Invalid enum value\. Expected 'faceres' \| 'dlib-resnet' \| 'lbp', received 'arcface'\n$/);
    const io3 = capture();
    expect(await main(['process', clip, '--db', db, '--fps', '0'], io3)).toBe(1);
    expect(io3.stderr()).toMatch(/decode\.fps: Number must be greater than 0/);
    const io4 = capture();
    expect(await main(['process', '--db', db], io4)).toBe(2);
    expect(io4.stderr()).toMatch(/missing required argument 'video'/);
    const io5 = capture();
    expect(await main(['process', clip, '--db', db, '--detector', 'yolo'], io5)).toBe(1);
    expect(io5.stderr()).toBe('fasr: --detector: expected one of human, face-api-ssd, face-api-tiny, cctv, received "yolo"\n');
    expect(fs.existsSync(db)).toBe(false);
  });
});
