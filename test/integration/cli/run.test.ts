import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main, type CliIo } from '../../../src/cli/main';
import { readPngText } from '../../../src/image';
import { openStore } from '../../../src/store';
import { cutClip, HAMILTON } from '../batch/batch-test-helpers';

const TINY = path.resolve(__dirname, '../../../../shared/fixtures/fasr-reference/tiny');

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('fasr run <pipeline.json>', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-run-'));
    cutClip(HAMILTON, path.join(dir, 'clips', 'cam1', 'clip.mp4'), 0, 2);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses an invalid pipeline file naming the file and the JSON path, before doing anything', async () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ kind: 'batch', db: 'x.sqlite', inputs: ['clips'], process: { decode: { fps: 2 } }, export: { out: 'o', colour: true } }));
    const io = capture();
    expect(await main(['run', file], io)).toBe(1);
    expect(io.stderr()).toBe(`fasr: invalid pipeline file: ${file}: $.export: unknown key(s) "colour"\n`);
    expect(fs.existsSync(path.join(dir, 'x.sqlite'))).toBe(false);
  });

  it('fails clearly when the SR model is missing, naming the pipeline setting', async () => {
    const file = path.join(dir, 'nomodel.json');
    fs.writeFileSync(file, JSON.stringify({ kind: 'batch', db: 'nomodel.sqlite', inputs: ['clips'], backend: 'wasm', sr: { model: 'models/none.pth' } }));
    const io = capture();
    expect(await main(['run', file], io)).toBe(1);
    expect(io.stderr()).toMatch(new RegExp(`^fasr: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\$\\.sr: --model: .*none\\.pth does not exist; pass --model <file>`));
    expect(io.stdout()).not.toMatch(/\[1\/1\]/);
  }, 60_000);

  it('runs a batch pipeline: footage -> tracks -> SR -> export, and prints where the export is', async () => {
    const file = path.join(dir, 'job.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        kind: 'batch',
        db: 'job.sqlite',
        inputs: ['clips'],
        backend: 'wasm',
        process: { decode: { fps: 2 } },
        // The tiny reference checkpoint (32x32, featDim 64) cannot take faceres' 1024-d F_M: the feature-free ablation.
        sr: { model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json'), steps: 2, seed: 5, conditioning: 'zero' },
        export: { out: 'export' },
      }),
    );
    const io = capture();
    const code = await main(['run', file], io);
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/^pipeline job \(batch\)/);
    expect(out).toMatch(/sources: 1 \(1 done, 0 failed, 0 skipped\); tracks: [1-9]/);
    expect(out).toMatch(/SR: [1-9]\d* enhanced, 0 already done, 0 failed/);
    expect(out).toContain(`the export is in ${path.join(dir, 'export')}\n`);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'export', 'index.json'), 'utf8')) as { tracks: { folder: string; enhanced: number }[] };
    expect(index.tracks.length).toBeGreaterThan(0);
    const first = index.tracks[0];
    if (first === undefined) throw new Error('no track');
    expect(first.enhanced).toBe(1);
    const files = fs.readdirSync(path.join(dir, 'export', first.folder));
    const enhanced = files.find((f) => f.endsWith('-synthesized.png'));
    expect(enhanced).toBeDefined();
    expect(readPngText(fs.readFileSync(path.join(dir, 'export', first.folder, enhanced as string)))['fasr:synthesized']).toBe('true');
    const store = openStore(path.join(dir, 'job.sqlite'));
    try {
      const runs = store.listRuns({}).items;
      expect(runs.map((r) => [r.status, r.command.endsWith('(sr)')])).toEqual([
        ['done', false],
        ['done', true],
      ]);
      expect(runs[1]?.versions.srModel).toBe('authors:checkpoint.pth#ema');
    } finally {
      store.close();
    }
    // A second run skips the done source and reuses the SR outputs.
    const again = capture();
    expect(await main(['run', file], again)).toBe(0);
    expect(again.stdout()).toMatch(/sources: 1 \(0 done, 0 failed, 1 skipped\)/);
    expect(again.stdout()).toMatch(/SR: 0 enhanced, [1-9]\d* already done, 0 failed/);
  }, 120_000);
});
