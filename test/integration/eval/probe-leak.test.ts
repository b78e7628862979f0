/**
 * The probe must not be inside its own F_M (issue 20 item 2): on the authors' fasr-samples,
 * probe_LR/0000NN.jpg is byte-identical to the first file of LR_imgs/0NN/, and in any dataset an
 * image may sit twice under two names. prepareEvalFaces recognises them by content (sha256) and
 * reports each left out with stage 'duplicate'. Real files (../shared), no detector (align none).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadEvalDataset, prepareEvalFaces } from '../../../src/eval';

const SAMPLES = path.resolve(__dirname, '../../../../shared/data/faces/fasr-samples');
const CELEBA = path.resolve(__dirname, '../../../../shared/data/faces/celeba-wild-ids/images');

describe('the probe is never one of its own feature images', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-probe-leak-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fasr-samples: the LR_imgs file with the bytes of probe_LR is left out, also under --max-features (it sorts first)', async () => {
    const source = await loadEvalDataset(SAMPLES, 3);
    expect(source.identities[0]?.probeCopies).toEqual([path.join(SAMPLES, 'probe_LR/000001.jpg')]);
    expect(source.identities[0]?.featuresLowRes).toBe(true);
    for (const maxFaces of [undefined, 2 + 3]) {
      const r = await prepareEvalFaces(source, { sizePx: 128, align: 'none', detector: null, quadScale: 1, minFaces: 3, ...(maxFaces === undefined ? {} : { maxFaces }) });
      expect(r.identities).toHaveLength(3);
      for (const id of r.identities) {
        const probeLr = fs.readFileSync(path.join(SAMPLES, 'probe_LR', `${id.id}.jpg`));
        const probeHr = fs.readFileSync(path.join(SAMPLES, 'probe_HR', `${id.id}.jpg`));
        for (const f of id.files.features) {
          const bytes = fs.readFileSync(f);
          expect(bytes.equals(probeLr) || bytes.equals(probeHr)).toBe(false);
        }
        if (maxFaces !== undefined) expect(id.files.features).toHaveLength(3);
        expect(id.featuresLowRes).toBe(true);
      }
      const dups = r.losses.filter((l) => l.stage === 'duplicate');
      expect(dups.map((l) => [l.identity, path.relative(SAMPLES, l.file)])).toEqual([
        ['000001', 'LR_imgs/001/004506.jpg'],
        ['000002', expect.stringMatching(/^LR_imgs\/002\//) as unknown as string],
        ['000003', expect.stringMatching(/^LR_imgs\/003\//) as unknown as string],
      ]);
      expect(dups[0]?.reason).toMatch(/^same content \(sha256 [0-9a-f]{12}\) as the probe's copy .*probe_LR\/000001\.jpg$/);
    }
  });

  it('identity folders: a copy of the gallery or the probe under another name is not taken as a probe or a feature image', async () => {
    const a = path.join(CELEBA, '7201/001085.jpg');
    const b = path.join(CELEBA, '7201/007710.jpg');
    const c = path.join(CELEBA, '7201/017588.jpg');
    const id = path.join(dir, 'ids', 'p1');
    fs.mkdirSync(id, { recursive: true });
    fs.copyFileSync(a, path.join(id, '1.jpg'));
    fs.copyFileSync(a, path.join(id, '2-gallery-again.jpg'));
    fs.copyFileSync(b, path.join(id, '3.jpg'));
    fs.copyFileSync(b, path.join(id, '4-probe-again.jpg'));
    fs.copyFileSync(c, path.join(id, '5.jpg'));
    fs.mkdirSync(path.join(dir, 'ids', 'p2'));
    fs.copyFileSync(b, path.join(dir, 'ids', 'p2', '1.jpg'));
    fs.copyFileSync(c, path.join(dir, 'ids', 'p2', '2.jpg'));
    const source = await loadEvalDataset(path.join(dir, 'ids'));
    expect(source.identities[0]?.featuresLowRes).toBe(false);
    const r = await prepareEvalFaces(source, { sizePx: 64, align: 'none', detector: null, quadScale: 1, minFaces: 2 });
    expect(r.identities[0]?.files).toEqual({ gallery: path.join(id, '1.jpg'), probe: path.join(id, '3.jpg'), features: [path.join(id, '5.jpg')] });
    expect(r.losses.map((l) => [l.identity, l.stage, path.basename(l.file), l.reason.replace(/\(sha256 \w+\)/, '(sha256)')])).toEqual([
      ['p1', 'duplicate', '2-gallery-again.jpg', `same content (sha256) as the gallery ${path.join(id, '1.jpg')}`],
      ['p1', 'duplicate', '4-probe-again.jpg', `same content (sha256) as the probe ${path.join(id, '3.jpg')}`],
    ]);
  });
});
