/**
 * Per-track export from a real SQLite store with tracks written as the pipeline writes them (real
 * face crops of fasr-samples), an SR output made by `enhanceTrack` with the tiny reference
 * checkpoint (32x32, featDim 64) on wasm, and hostile source and camera names. The SR re-run from
 * the manifest must give the same pixels bit for bit (no tolerance: same model, inputs, options).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ScoredDetection } from '../../../src/contracts';
import { exportTracks, parseExportOptions, type ExportReport } from '../../../src/export';
import { decodeImageRgb, readPngText } from '../../../src/image';
import { initBackend } from '../../../src/runtime/backend';
import { loadSrModel, readNpy, SYNTHESIZED_LABEL, type SrModel } from '../../../src/sr';
import { openStore, type Store } from '../../../src/store';
import { enhanceTrack } from '../../../pipelines';

const SHARED = path.resolve(__dirname, '../../../../shared');
const TINY = path.join(SHARED, 'fixtures/fasr-reference/tiny');
const GALLERY = path.join(SHARED, 'data/faces/fasr-samples/gallery');
const PROBE_LR = path.join(SHARED, 'data/faces/fasr-samples/probe_LR/000001.jpg');
const EMBEDDER = 'test-embedder@1';

function detection(frameIndex: number, quality: number): ScoredDetection {
  return {
    frameIndex,
    ptsMs: 1000 + frameIndex * 200,
    bboxXYWH: [10 + frameIndex, 10, 100, 100],
    score: 0.9,
    landmarks: { leftEye: [40, 50], rightEye: [88, 50], nose: [64, 75], mouthLeft: [45, 95], mouthRight: [83, 95] },
    yawDeg: 0,
    pitchDeg: 0,
    rollDeg: 0,
    quality,
    sharpness: 100,
    frontalness: 0.9,
  };
}

function vector(seed: number): Float32Array {
  const v = new Float32Array(64);
  for (let i = 0; i < 64; i++) v[i] = Math.sin(seed * 97 + i * 1.3);
  return v;
}

async function png(file: string, size?: number): Promise<Uint8Array> {
  const s = sharp(file).removeAlpha();
  return size === undefined ? s.png().toBuffer() : s.resize(size, size, { fit: 'fill' }).png().toBuffer();
}

/** Writes one source with one track of 3 detections (the middle one rejected from F_M as an outlier). */
async function addTrack(store: Store, sourcePath: string, camera: string, runId: number, recordedAtMs: number | null): Promise<number> {
  const src = store.upsertSource({ path: sourcePath, sizeBytes: 1234, mtimeMs: 1, sha256: createHash('sha256').update(sourcePath).digest('hex'), camera, recordedAtMs });
  const faces = ['000001.jpg', '000002.jpg', '000003.jpg'];
  const detections = await Promise.all(
    faces.map(async (f, i) => ({
      detection: detection(i * 5, [0.6, 0.2, 0.9][i] ?? 0),
      crops: [
        { kind: 'aligned-full', format: 'png' as const, widthPx: 96, heightPx: 96, image: await png(path.join(GALLERY, f), 96) },
        ...(i === 2 ? [{ kind: 'lr0-model', format: 'png' as const, widthPx: 32, heightPx: 32, image: await png(PROBE_LR, 32) }] : []),
      ],
      embeddings: [{ modelId: EMBEDDER, vector: vector(i), cropKind: 'aligned-full' }],
    })),
  );
  const rep = store.replaceSourceResults(
    src.id,
    {
      runId,
      tracks: [{ trackKey: 1, lr0Index: 2, detections, fused: [{ featureVector: vector(7), embedderId: EMBEDDER, method: 'mean-3sigma', memberIndices: [0, 2], rejectedIndices: [1] }] }],
    },
    { markDone: false },
  );
  return rep.trackIds[0] as number;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

interface Manifest {
  source: { path: string; sha256: string; camera: string; recordedAtIso: string | null };
  detector: { id: string; modelFilesSha256: string | null };
  embedder: { id: string };
  lr0: { file: string; modelInputFile: string; frameIndex: number; ptsMs: number; wallClockIso: string | null };
  fmCrops: { file: string; frameIndex: number; ptsMs: number }[];
  fusedIdentities: { file: string; embedder: string; dim: number }[];
  enhanced: {
    file: string;
    synthesized: boolean;
    label: string;
    modelId: string;
    modelSha256: string;
    sampler: string;
    steps: number;
    seed: number;
    rerun: { modelSha256: string; lr0File: string; fmFile: string; enhanceTrackOptions: Record<string, unknown> };
  }[];
  files: { file: string; sha256: string; synthesized: boolean }[];
}

describe('exportTracks', () => {
  let model: SrModel;
  let dir = '';
  let store: Store;
  const hostile = {
    dotdot: { path: '../../etc/x.mp4', camera: '../../evil' },
    absolute: { path: '/etc/passwd', camera: '/etc' },
    unicode: { path: '/nvr/カメラ/Café ünïcödé 日本.mp4', camera: 'Haustür' },
    long: { path: `/nvr/${'very-long-name-'.repeat(40)}.mp4`, camera: 'x'.repeat(250) },
  };
  const tracks: Record<string, number> = {};
  let srOutputId = 0;
  let report: ExportReport;
  let outDir = '';

  beforeAll(async () => {
    await initBackend('wasm');
    model = await loadSrModel({ model: path.join(TINY, 'checkpoint.pth'), config: path.join(TINY, 'config.json') });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-export-'));
    store = openStore(path.join(dir, 'store.sqlite'));
    const run = store.startRun({ command: 'test', config: {}, versions: { detector: 'det@1', detectorSha256: 'a'.repeat(64), embedder: EMBEDDER } });
    for (const [key, h] of Object.entries(hostile)) tracks[key] = await addTrack(store, h.path, h.camera, run.id, key === 'unicode' ? Date.UTC(2024, 0, 15, 8, 30, 5) : null);
    const sr = await enhanceTrack(store, tracks.unicode as number, { model, steps: 3, seed: 42 });
    srOutputId = sr.srOutputId;
    outDir = path.join(dir, 'out');
    report = await exportTracks(store, parseExportOptions({ outDir }));
  }, 120_000);

  afterAll(async () => {
    store.close();
    await model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const trackDir = (key: string): string => {
    const t = report.tracks.find((x) => x.trackId === tracks[key]);
    if (t === undefined) throw new Error(`track ${key} not exported`);
    return t.dir;
  };
  const manifest = (key: string): Manifest => JSON.parse(fs.readFileSync(path.join(trackDir(key), 'manifest.json'), 'utf8')) as Manifest;

  it('writes every file inside the output directory, whatever the source and camera names', () => {
    expect(report.tracks).toHaveLength(4);
    expect(fs.readdirSync(dir).sort()).toEqual(['out', 'store.sqlite', 'store.sqlite-shm', 'store.sqlite-wal'].filter((f) => fs.existsSync(path.join(dir, f))).sort());
    const root = fs.realpathSync(outDir) + path.sep;
    for (const f of walk(outDir)) {
      expect(fs.realpathSync(f).startsWith(root)).toBe(true);
      for (const seg of path.relative(outDir, f).split(path.sep)) {
        expect(seg === '..' || seg === '.' || seg === '').toBe(false);
        expect(Buffer.byteLength(seg, 'utf8')).toBeLessThanOrEqual(120);
      }
    }
    // '../../evil' is one cleaned segment (no '..', no separator), tagged because it was changed.
    expect(path.relative(outDir, trackDir('dotdot')).split(path.sep)[0]).toMatch(/^[^/]*_evil$|~[0-9a-f]{8}/);
    expect(path.relative(outDir, trackDir('dotdot')).split(path.sep)).toHaveLength(3);
    expect(path.relative(outDir, trackDir('absolute')).split(path.sep)).toHaveLength(3);
    expect(path.relative(outDir, trackDir('unicode'))).toBe(path.join('Haustür', `Café ünïcödé 日本.mp4~s3`, `track-${tracks.unicode}`));
  });

  it('writes LR_0, the F_M member crops (not the outlier), F_M, the labelled SR output, a contact sheet and manifests', () => {
    const files = walk(trackDir('unicode')).map((f) => path.relative(trackDir('unicode'), f)).sort();
    expect(files).toEqual(
      [
        'contact-sheet.png',
        `crops/f000000-d${0}.png`,
        `crops/f000010-d${0}.png`,
        `enhanced-sr${srOutputId}-synthesized.png`,
        'fm.npy',
        'lr0-model.png',
        'lr0.png',
        'manifest.csv',
        'manifest.json',
      ]
        .map((f) => f.replace(/-d0\.png$/, ''))
        .map((f) => (f.startsWith('crops/') ? expect.stringMatching(new RegExp(`^${f}-d\\d+\\.png$`)) : f)) as string[],
    );
    // Exactly the two member detections' crops (frames 0 and 10); frame 5 was rejected from F_M.
    expect(files.filter((f) => f.startsWith('crops/'))).toHaveLength(2);
    expect(files.some((f) => f.startsWith('crops/f000005'))).toBe(false);
  });

  it('labels the enhanced image as synthesized in its PNG text, the contact sheet and the manifests', async () => {
    const d = trackDir('unicode');
    const m = manifest('unicode');
    const enhanced = fs.readFileSync(path.join(d, `enhanced-sr${srOutputId}-synthesized.png`));
    const text = readPngText(enhanced);
    expect(text.Synthesized).toBe('true');
    expect(text.Description).toBe(SYNTHESIZED_LABEL);
    expect(text['fasr:synthesized']).toBe('true');
    expect(enhanced.toString('latin1').split('Description\u0000').length - 1).toBe(1);
    expect(JSON.parse(text['fasr:export'] ?? '{}')).toMatchObject({ srOutputId, modelSha256: model.sha256, seed: 42 });
    expect(m.enhanced[0]).toMatchObject({ synthesized: true, label: SYNTHESIZED_LABEL, modelId: model.id, modelSha256: model.sha256, steps: 3, seed: 42 });
    expect(m.files.filter((f) => f.synthesized).map((f) => f.file).sort()).toEqual(['contact-sheet.png', `enhanced-sr${srOutputId}-synthesized.png`]);
    const sheet = fs.readFileSync(path.join(d, 'contact-sheet.png'));
    expect(readPngText(sheet).Synthesized).toMatch(/contains synthesized images/);
    // 2 crops + LR_0 + 1 SR output, 128 px tiles with 6 px gaps, captions below.
    const meta = await sharp(sheet).metadata();
    expect([meta.width, meta.height]).toEqual([6 + 4 * (128 + 6), 6 + 128 + 18 + 6]);
    const csv = fs.readFileSync(path.join(d, 'manifest.csv'), 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe(
      'track_id,file,kind,synthesized,sha256,detection_id,frame_index,pts_ms,wall_clock_iso,source_path,source_sha256,camera,detector,detector_models_sha256,embedder,embedder_models_sha256,sr_model_id,sr_model_sha256,sampler,steps,seed,conditioning,sr_method,kept_native_reason,native_side_px',
    );
    const srRow = csv.find((l) => l.includes('enhanced-sr'));
    expect(srRow).toContain(`,enhanced,true,`);
    expect(srRow).toContain(`,${model.sha256},`);
    // The export-wide manifest lists every track's files with their folders.
    const all = fs.readFileSync(report.manifestCsv, 'utf8').trim().split('\r\n');
    expect(all.length - 1).toBe(report.tracks.reduce((n, t) => n + t.files.length - 2, 0));
  });

  it('records provenance: source path and sha256, camera, frames and times, detector and embedder, SR model and sampling', () => {
    const m = manifest('unicode');
    expect(m.source).toMatchObject({ path: hostile.unicode.path, sha256: createHash('sha256').update(hostile.unicode.path).digest('hex'), camera: 'Haustür', recordedAtIso: '2024-01-15T08:30:05.000Z' });
    expect(m.detector).toEqual({ id: 'det@1', modelFilesSha256: 'a'.repeat(64) });
    expect(m.embedder.id).toBe(EMBEDDER);
    expect(m.lr0).toMatchObject({ file: 'lr0.png', modelInputFile: 'lr0-model.png', frameIndex: 10, ptsMs: 3000, wallClockIso: '2024-01-15T08:30:08.000Z' });
    expect(m.fmCrops.map((c) => [c.frameIndex, c.ptsMs])).toEqual([
      [0, 1000],
      [10, 3000],
    ]);
    for (const f of m.files) expect(createHash('sha256').update(fs.readFileSync(path.join(trackDir('unicode'), f.file))).digest('hex')).toBe(f.sha256);
    const fm = readNpy(path.join(trackDir('unicode'), 'fm.npy'));
    expect(Buffer.from((fm.data as Float32Array).buffer).equals(Buffer.from(vector(7).buffer))).toBe(true);
  });

  it('gives enough to re-run the SR from the export alone and get the same image bit for bit', async () => {
    const d = trackDir('unicode');
    const m = manifest('unicode');
    const e = m.enhanced[0];
    if (e === undefined) throw new Error('no enhanced image');
    expect(e.rerun.modelSha256).toBe(model.sha256);
    const fresh = openStore(path.join(dir, 'rerun.sqlite'));
    try {
      const src = fresh.upsertSource({ path: '/elsewhere/copy.mp4', sizeBytes: 1, mtimeMs: 1 });
      const fm = readNpy(path.join(d, e.rerun.fmFile)).data as Float32Array;
      const lr = fs.readFileSync(path.join(d, e.rerun.lr0File));
      const embedder = m.fusedIdentities[0]?.embedder as string;
      const [trackId] = fresh.replaceSourceResults(src.id, {
        tracks: [
          {
            trackKey: 1,
            lr0Index: 0,
            detections: [{ detection: detection(m.lr0.frameIndex, 0.9), crops: [{ kind: 'lr0-model', format: 'png', widthPx: 32, heightPx: 32, image: lr }], embeddings: [{ modelId: embedder, vector: fm }] }],
            fused: [{ featureVector: fm, embedderId: embedder, method: 'mean', memberIndices: [0], rejectedIndices: [] }],
          },
        ],
      }).trackIds;
      const again = await enhanceTrack(fresh, trackId as number, { model, ...e.rerun.enhanceTrackOptions });
      expect(again.inserted).toBe(true);
      expect(again.output.sampler).toBe(e.sampler);
      const a = await decodeImageRgb(fs.readFileSync(path.join(d, e.file)));
      const b = await decodeImageRgb(again.output.png);
      expect(Buffer.from(b.rgb).equals(Buffer.from(a.rgb))).toBe(true);
      // Another seed gives another image: the comparison above can fail.
      const other = await enhanceTrack(fresh, trackId as number, { model, ...e.rerun.enhanceTrackOptions, seed: 43 });
      expect(Buffer.from((await decodeImageRgb(other.output.png)).rgb).equals(Buffer.from(a.rgb))).toBe(false);
    } finally {
      fresh.close();
    }
  }, 60_000);

  it('re-exports identically, selects by source, and refuses a missing track before writing anything', async () => {
    const before = fs.readFileSync(path.join(trackDir('unicode'), 'manifest.json'));
    const again = await exportTracks(store, parseExportOptions({ outDir, trackIds: [tracks.unicode] }));
    expect(again.tracks.map((t) => t.trackId)).toEqual([tracks.unicode]);
    expect(fs.readFileSync(path.join(trackDir('unicode'), 'manifest.json')).equals(before)).toBe(true);
    const src = store.getTrack(tracks.absolute as number).track.sourceId;
    const bySource = await exportTracks(store, parseExportOptions({ outDir: path.join(dir, 'by-source'), sourceIds: [src] }));
    expect(bySource.tracks.map((t) => t.trackId)).toEqual([tracks.absolute]);
    const since = await exportTracks(store, parseExportOptions({ outDir: path.join(dir, 'since'), sinceMs: Date.UTC(2024, 0, 15, 8, 0, 0) }));
    expect(since.tracks.map((t) => t.trackId)).toEqual([tracks.unicode]);
    const never = path.join(dir, 'never');
    await expect(exportTracks(store, parseExportOptions({ outDir: never, trackIds: [9999] }))).rejects.toThrow(/no track with id 9999/);
    expect(fs.existsSync(never)).toBe(false);
    expect(() => parseExportOptions({ outDir, trackIds: [0] })).toThrow(/trackIds\.0: Number must be greater than 0/);
    expect(() => parseExportOptions({ out: outDir })).toThrow(/unknown option\(s\) "out"/);
  });
});
