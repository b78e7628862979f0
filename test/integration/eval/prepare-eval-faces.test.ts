/**
 * prepareEvalFaces with the real Human detector (wasm) on celeba-wild-ids photos listed in a
 * labels.csv made in a temp folder, mixed with a face-less grey image and a missing file: every
 * lost image and identity is reported with its stage, and roles go to the surviving faces in order.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEvalDataset, prepareEvalFaces } from '../../../src/eval';
import { writePng } from '../../../src/image';
import { initBackend } from '../../../src/runtime/backend';
import { createHumanFaceDetector } from '../../../src/track';
import type { FaceDetector } from '../../../src/track';

const CELEBA = path.resolve(__dirname, '../../../../shared/data/faces/celeba-wild-ids');

describe('prepareEvalFaces (detect + align)', () => {
  let dir = '';
  let detector: FaceDetector;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-eval-prepare-'));
    await initBackend('wasm');
    detector = await createHumanFaceDetector({});
    await writePng(path.join(dir, 'grey.png'), { width: 160, height: 200, rgb: new Uint8Array(160 * 200 * 3).fill(120) });
  });
  afterAll(async () => {
    await detector.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports losses per stage and assigns gallery, probe, features to the faces that survive', async () => {
    const c = (f: string): string => path.join(CELEBA, 'images', f);
    const rows = [
      [c('7201/001085.jpg'), 'A'],
      [c('7201/007710.jpg'), 'A'],
      [c('7201/017588.jpg'), 'A'],
      [path.join(dir, 'grey.png'), 'B'],
      [c('7202/006155.jpg'), 'B'],
      [c('7202/008450.jpg'), 'B'],
      [path.join(dir, 'grey.png'), 'C'],
      [c('7203/007200.jpg'), 'C'],
      [path.join(dir, 'missing.jpg'), 'D'],
    ];
    const csv = path.join(dir, 'labels.csv');
    fs.writeFileSync(csv, ['file,identity', ...rows.map((r) => r.join(','))].join('\n'));
    const source = await loadEvalDataset(csv);
    const r = await prepareEvalFaces(source, { sizePx: 64, align: 'detect', detector, quadScale: 1, minFaces: 2 });

    expect(r.identities.map((i) => i.id)).toEqual(['A', 'B']);
    const [a, b] = r.identities;
    expect(a?.files).toEqual({ gallery: c('7201/001085.jpg'), probe: c('7201/007710.jpg'), features: [c('7201/017588.jpg')] });
    // B's first image has no face: the next two take the gallery and probe roles.
    expect(b?.files).toEqual({ gallery: c('7202/006155.jpg'), probe: c('7202/008450.jpg'), features: [] });
    expect(a?.gallery).toMatchObject({ width: 64, height: 64 });
    expect(a?.gallery.rgb).toHaveLength(64 * 64 * 3);

    expect(r.losses.map((l) => [l.identity, l.stage, path.basename(l.file)])).toEqual([
      ['B', 'detect', 'grey.png'],
      ['C', 'detect', 'grey.png'],
      ['C', 'identity', 'grey.png'],
      ['D', 'read', 'missing.jpg'],
      ['D', 'identity', 'missing.jpg'],
    ]);
    expect(r.losses.find((l) => l.identity === 'C' && l.stage === 'identity')?.reason).toBe('1 face(s) left, the protocol needs 2 (gallery, probe)');
    expect(r.counts).toEqual({ identitiesListed: 4, imagesListed: 9, imagesRead: 8, facesFound: 6, identitiesKept: 2 });
  });
});
