import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { main, type CliIo } from '../../../src/cli/main';
import { openStore } from '../../../src/store';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('fasr export', () => {
  let dir = '';
  let db = '';
  const ids: number[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-export-cli-'));
    db = path.join(dir, 'store.sqlite');
    const store = openStore(db);
    try {
      const face = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 180, g: 120, b: 90 } } }).png().toBuffer();
      for (const [i, camera] of ['gate', 'yard'].entries()) {
        const src = store.upsertSource({ path: path.join(dir, `${camera}.mp4`), sizeBytes: 10, mtimeMs: 1, sha256: String(i).repeat(64), camera, recordedAtMs: Date.UTC(2024, 0, 15 + i) });
        const det = {
          frameIndex: 0,
          ptsMs: 0,
          bboxXYWH: [0, 0, 10, 10] as const,
          score: 0.9,
          landmarks: { leftEye: [1, 1] as const, rightEye: [3, 1] as const, nose: [2, 2] as const, mouthLeft: [1, 3] as const, mouthRight: [3, 3] as const },
          yawDeg: 0,
          pitchDeg: 0,
          rollDeg: 0,
          quality: 0.5,
          sharpness: 1,
          frontalness: 1,
        };
        const v = new Float32Array([1, 0, 0, 0]);
        ids.push(
          ...store.replaceSourceResults(src.id, {
            tracks: [
              {
                trackKey: 1,
                lr0Index: 0,
                detections: [{ detection: det, crops: [{ kind: 'aligned-full', format: 'png', widthPx: 64, heightPx: 64, image: face }], embeddings: [{ modelId: 'e@1', vector: v }] }],
                fused: [{ featureVector: v, embedderId: 'e@1', method: 'mean', memberIndices: [0], rejectedIndices: [] }],
              },
            ],
          }).trackIds,
        );
      }
    } finally {
      store.close();
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exports the selected tracks and prints where', async () => {
    const io = capture();
    const out = path.join(dir, 'out');
    expect(await main(['export', '--out', out, '--db', db, '--source', path.join(dir, 'yard.mp4')], io)).toBe(0);
    expect(io.stdout()).toContain(`export: 1 tracks (0 enhanced images, labelled synthesized) in ${out}`);
    expect(io.stdout()).toContain(`the export is in ${out}\n`);
    expect(fs.existsSync(path.join(out, 'yard', 'yard.mp4~s2', `track-${ids[1]}`, 'manifest.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'gate'))).toBe(false);

    const since = capture();
    expect(await main(['export', '--out', path.join(dir, 'since'), '--db', db, '--since', '2024-01-16T00:00:00Z'], since)).toBe(0);
    expect(since.stdout()).toContain('export: 1 tracks');
    const both = capture();
    expect(await main(['export', '--out', path.join(dir, 'both'), '--db', db, '--track', String(ids[0]), '--track', String(ids[1])], both)).toBe(0);
    expect(both.stdout()).toContain('export: 2 tracks');
  });

  it('fails clearly for a missing store, an unknown track or source, a bad time, a missing --out', async () => {
    const cases: [string[], RegExp, number][] = [
      [['export', '--out', path.join(dir, 'x'), '--db', path.join(dir, 'none.sqlite')], /^fasr: export: the store .*none\.sqlite does not exist/, 1],
      [['export', '--out', path.join(dir, 'x'), '--db', db, '--track', '999'], /no track with id 999/, 1],
      [['export', '--out', path.join(dir, 'x'), '--db', db, '--source', '/nope.mp4'], /^fasr: export: no source with path \/nope\.mp4 in /, 1],
      [['export', '--out', path.join(dir, 'x'), '--db', db, '--since', 'last tuesday'], /^fasr: --since: expected an ISO 8601 time with a zone/, 1],
      [['export', '--out', path.join(dir, 'x'), '--db', db, '--track', '1.5'], /^fasr: --track: expected a whole number > 0, received "1\.5"/, 1],
      [['export', '--db', db], /required option '--out <dir>' not specified/, 2],
    ];
    for (const [args, re, code] of cases) {
      const io = capture();
      expect(await main(args, io)).toBe(code);
      expect(io.stderr()).toMatch(re);
    }
    expect(fs.existsSync(path.join(dir, 'none.sqlite'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
