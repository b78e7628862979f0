/**
 * The keep-native rule through a pipeline file (`fasr run`, `$.sr.keepNativeMinSidePx`) and the
 * batch command's `--sr-keep-native-min-side`: the real pipeline on a short synthetic clip (a
 * fasr-samples face of 112 px moving over a background: its aligned native crop is above 128 px),
 * the tiny reference checkpoint (conditioning 'zero'), a real SQLite file, the export.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { main, type CliIo } from '../../../src/cli/main';
import { readPngText } from '../../../src/image';
import { resolveFfmpegBinaries } from '../../../src/ingest';
import { openStore } from '../../../src/store';
import { writeSyntheticClip } from '../pipelines/synthetic-clip';

const SHARED = path.resolve(__dirname, '../../../../shared');
const TINY = path.join(SHARED, 'fixtures/fasr-reference/tiny');
const FACE = path.join(SHARED, 'data/faces/fasr-samples/gallery/000005.jpg');

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('keep-native in pipeline files and fasr batch', () => {
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-run-keep-native-'));
    fs.mkdirSync(path.join(dir, 'clips'));
    await writeSyntheticClip(await resolveFfmpegBinaries(), path.join(dir, 'clips', 'walk.mp4'), {
      width: 320, height: 240, fps: 10, frameCount: 12, faceSizePx: 112, blurSigma: 1,
      paths: [{ file: FACE, from: [40, 50], to: [150, 60], sharpFrame: 6 }],
    });
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const pipeline = (name: string, sr: Record<string, unknown>): string => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        kind: 'batch',
        db: 'job.sqlite',
        inputs: ['clips'],
        backend: 'wasm',
        sr: { model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json'), engine: 'tfjs', steps: 1, seed: 5, conditioning: 'zero', ...sr },
        export: { out: `export-${name}` },
      }),
    );
    return file;
  };

  it('default: the big face is kept native (stored, logged, exported with its reason); keepNativeMinSidePx null: synthesized', async () => {
    const io = capture();
    expect(await main(['run', pipeline('default', {})], io)).toBe(0);
    expect(io.stderr()).toBe('');
    expect(io.stdout()).toMatch(/SR track \d+: kept native \(sr output \d+: native-crop-at-least-128px, native crop \d+ px, not synthesized\)/);
    expect(io.stdout()).toMatch(/SR: 0 enhanced, 0 already done, 0 failed \(run \d+\); 1 kept native \(native crop at least 128 px, not synthesized\)/);
    expect(io.stdout()).toMatch(/export: 1 tracks \(0 enhanced images, labelled synthesized; 1 native crops kept, not synthesized\)/);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'export-default', 'index.json'), 'utf8')) as { tracks: { folder: string; enhanced: number; keptNative: number }[] };
    expect(index.tracks.map((t) => [t.enhanced, t.keptNative])).toEqual([[0, 1]]);
    const folder = path.join(dir, 'export-default', (index.tracks[0] as { folder: string }).folder);
    const native = fs.readdirSync(folder).find((f) => f.endsWith('-kept-native.png'));
    expect(readPngText(fs.readFileSync(path.join(folder, native as string)))['fasr:synthesized']).toBe('false');
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as { keptNative: { reason: string; nativeSidePx: number }[]; enhanced: unknown[] };
    expect(m.enhanced).toEqual([]);
    expect(m.keptNative[0]?.reason).toBe('native-crop-at-least-128px');
    expect(m.keptNative[0]?.nativeSidePx).toBeGreaterThanOrEqual(128);
    // The sheet: the F_M crops and the kept native crop; no "model input" tile (no model ran for this track).
    const crops = fs.readdirSync(path.join(folder, 'crops')).length;
    const sheet = await sharp(fs.readFileSync(path.join(folder, 'contact-sheet.png'))).metadata();
    expect(sheet.width).toBe(6 + (crops + 1) * (128 + 6));

    // The same store, the rule off: the done source is skipped, the face is synthesized beside the kept crop.
    const off = capture();
    expect(await main(['run', pipeline('off', { keepNativeMinSidePx: null })], off)).toBe(0);
    expect(off.stdout()).toMatch(/SR: 1 enhanced, 0 already done, 0 failed \(run \d+\)\n/);
    const store = openStore(path.join(dir, 'job.sqlite'), { readonly: true });
    try {
      const [track] = store.listTracks({}).items;
      expect(store.listSrOutputs(track?.id as number).map((o) => o.method)).toEqual(['kept-native', 'synthesized']);
      // The SR run records the threshold it ran with.
      const runs = store.listRuns({}).items.filter((r) => r.command.endsWith('(sr)'));
      expect(runs.map((r) => (r.config as { sr: { keepNativeMinSidePx: unknown } }).sr.keepNativeMinSidePx)).toEqual([128, null]);
    } finally {
      store.close();
    }
    // And on again: the kept output is found, nothing stored twice.
    const again = capture();
    expect(await main(['run', pipeline('default', {})], again)).toBe(0);
    expect(again.stdout()).toMatch(/SR track \d+: already kept native/);
    expect(again.stdout()).toMatch(/SR: 0 enhanced, 1 already done, 0 failed/);
  }, 240_000);

  it('fasr batch --sr-keep-native-min-side: checked before anything is opened, refused without --sr', async () => {
    const db = path.join(dir, 'b.sqlite');
    for (const [args, err] of [
      [['--sr', '--sr-keep-native-min-side', 'big'], 'fasr: --sr-keep-native-min-side: expected an integer in [0, 4096], received "big"\n'],
      [['--sr-keep-native-min-side', '128'], 'fasr: --sr-keep-native-min-side: applies to --sr only\n'],
    ] as const) {
      const io = capture();
      expect(await main(['batch', path.join(dir, 'clips'), '--db', db, '--backend', 'wasm', ...args], io)).toBe(1);
      expect(io.stderr()).toBe(err);
      expect(fs.existsSync(db)).toBe(false);
    }
  });
});
