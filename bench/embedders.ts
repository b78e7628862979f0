/**
 * Compares the face embedders on the identity sets in ../shared/data/faces at CCTV face sizes, and
 * measures what the Human detector finds at those sizes. Prints markdown tables (docs/embedders.md).
 *
 * Embedders: each aligned face (HR) is shrunk to s x s pixels (sharp, cubic, antialiased: the
 * low-resolution face a camera would record) and brought back to the embedder's input size
 * (sharp, cubic). Protocol, per data set and size s:
 *   - verification AUC: every (LR probe i, HR reference j) pair with i != j, genuine when the
 *     identities match, scored by cosine; AUC = P(genuine score > impostor score) (Mann–Whitney).
 *   - rank-1: gallery = the first HR image of each identity; probes = LR versions of all the others;
 *     a hit when the most similar gallery face has the probe's identity.
 *   "HR" rows use the unshrunk faces as probes.
 * Data: glint360k-24ids (ArcFace-aligned 112x112), att-orl-faces (grey 92x112, centre 92x92),
 * faceapi-bbt gallery (grey 150x150), celeba-wild-ids (in-the-wild photos: Human detector, then the
 * project's FFHQ alignment src/track/align at 112 px).
 *
 * Detector: the ten fasr-samples gallery faces are shrunk to a face-box width of s px and pasted
 * into a real 1280x720 street frame (openpose video.avi at 1 s); recall = pasted faces whose centre
 * lies in a returned box, for whole-frame analysis and for tiling.
 *
 * Run: node -r ts-node/register/transpile-only bench/embedders.ts [--sizes 16,24,32,40]
 *        [--embedders faceres,dlib-resnet,lbp] [--glint-per-id 5] [--orl-per-id 3] [--celeba-ids 25]
 *        [--face-api-model-dir DIR] [--no-detector]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { FaceCrop, Frame } from '../src/contracts';
import { createFaceEmbedder, faceApiModelDir, type FaceEmbedder } from '../src/fuse/embedders';
import { initBackend } from '../src/runtime/backend';
import { alignFace } from '../src/track/align';
import { createHumanFaceDetector, type HumanFaceDetector } from '../src/track/detector';

const FACES = path.resolve(__dirname, '../../shared/data/faces');
const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');

interface Args {
  sizes: number[];
  embedders: string[];
  glintPerId: number;
  orlPerId: number;
  celebaIds: number;
  faceApiModelDir: string | null;
  detector: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { sizes: [16, 24, 32, 40], embedders: ['faceres', 'dlib-resnet', 'lbp'], glintPerId: 5, orlPerId: 3, celebaIds: 25, faceApiModelDir: null, detector: true };
  const ints = (v: string, name: string): number[] =>
    v.split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected positive integers, received ${JSON.stringify(v)}`);
      return n;
    });
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${key} needs a value`);
      return v;
    };
    switch (key) {
      case '--sizes': args.sizes = ints(val(), 'sizes'); break;
      case '--embedders': args.embedders = val().split(','); break;
      case '--glint-per-id': args.glintPerId = ints(val(), 'glint-per-id')[0] as number; break;
      case '--orl-per-id': args.orlPerId = ints(val(), 'orl-per-id')[0] as number; break;
      case '--celeba-ids': args.celebaIds = ints(val(), 'celeba-ids')[0] as number; break;
      case '--face-api-model-dir': args.faceApiModelDir = val(); break;
      case '--no-detector': args.detector = false; break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(key)} (valid: --sizes, --embedders, --glint-per-id, --orl-per-id, --celeba-ids, --face-api-model-dir, --no-detector)`);
    }
  }
  return args;
}

interface LabelledFace {
  readonly label: string;
  readonly crop: FaceCrop;
}

interface DataSet {
  readonly name: string;
  readonly faces: readonly LabelledFace[];
}

async function readRgb(file: string, extract?: sharp.Region): Promise<FaceCrop> {
  let img = sharp(file).removeAlpha().toColourspace('srgb');
  if (extract !== undefined) img = img.extract(extract);
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

/** Square resize of a crop with sharp's cubic kernel (antialiased when shrinking). */
async function resizeCrop(crop: FaceCrop, sizePx: number): Promise<FaceCrop> {
  const data = await sharp(crop.rgb, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .resize(sizePx, sizePx, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer();
  return { width: sizePx, height: sizePx, rgb: new Uint8Array(data) };
}

const byNumber = (a: string, b: string): number => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b);

async function loadGlint(perId: number): Promise<DataSet> {
  const root = path.join(FACES, 'glint360k-24ids');
  const rows = fs.readFileSync(path.join(root, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const comma = l.indexOf(',');
    return { file: l.slice(0, comma), label: l.slice(comma + 1) };
  });
  const perLabel = new Map<string, string[]>();
  for (const r of rows) perLabel.set(r.label, [...(perLabel.get(r.label) ?? []), r.file]);
  const faces: LabelledFace[] = [];
  for (const [label, files] of perLabel) {
    const chosen = [...files].sort((a, b) => byNumber(path.basename(a), path.basename(b))).slice(0, perId);
    for (const f of chosen) faces.push({ label, crop: await readRgb(path.join(root, f)) });
  }
  return { name: 'glint360k-24ids', faces };
}

async function loadOrl(perId: number): Promise<DataSet> {
  const root = path.join(FACES, 'att-orl-faces/png');
  const faces: LabelledFace[] = [];
  for (const id of fs.readdirSync(root).sort()) {
    const files = fs.readdirSync(path.join(root, id)).filter((f) => f.endsWith('.png')).sort(byNumber).slice(0, perId);
    // 92x112 portraits: the centre 92x92 square holds the face.
    for (const f of files) faces.push({ label: id, crop: await readRgb(path.join(root, id, f), { left: 0, top: 10, width: 92, height: 92 }) });
  }
  return { name: 'att-orl-faces', faces };
}

async function loadBbt(): Promise<DataSet> {
  const root = path.join(FACES, 'faceapi-bbt/gallery');
  const faces: LabelledFace[] = [];
  for (const id of fs.readdirSync(root).sort()) {
    for (const f of fs.readdirSync(path.join(root, id)).sort()) faces.push({ label: id, crop: await readRgb(path.join(root, id, f)) });
  }
  return { name: 'faceapi-bbt', faces };
}

/** celeba-wild-ids: the detector's best face in each photo, FFHQ-aligned at 112 px; photos without a face are counted. */
async function loadCeleba(ids: number, detector: HumanFaceDetector): Promise<DataSet & { missed: number }> {
  const root = path.join(FACES, 'celeba-wild-ids');
  const rows = fs.readFileSync(path.join(root, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const labels = [...new Set(rows.map((r) => r[1] as string))].slice(0, ids);
  const faces: LabelledFace[] = [];
  let missed = 0;
  for (const [file, label] of rows) {
    if (file === undefined || label === undefined || !labels.includes(label)) continue;
    const img = await readRgb(path.join(root, file));
    const frame: Frame = { sourceId: 0, index: 0, ptsMs: 0, ...img };
    const found = await detector.detect(frame);
    const best = found[0];
    if (best === undefined) {
      missed++;
      continue;
    }
    faces.push({ label, crop: alignFace(img, best.landmarks, { sizePx: 112 }).crop });
  }
  return { name: 'celeba-wild-ids (detected, FFHQ-aligned)', faces, missed };
}

/** AUC = P(genuine > impostor) + ½ P(tie), by ranks (Mann–Whitney U). */
function rocAuc(genuine: readonly number[], impostor: readonly number[]): number {
  const all = [...genuine.map((s) => ({ s, g: 1 })), ...impostor.map((s) => ({ s, g: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((all[k] as { g: number }).g === 1) rankSum += avgRank;
    i = j;
  }
  const nG = genuine.length;
  return (rankSum - (nG * (nG + 1)) / 2) / (nG * impostor.length);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

interface Score {
  readonly auc: number;
  readonly rank1: number;
}

function evaluate(labels: readonly string[], hr: readonly Float32Array[], lr: readonly Float32Array[]): Score {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < lr.length; i++) {
    for (let j = 0; j < hr.length; j++) {
      if (i === j) continue;
      (labels[i] === labels[j] ? genuine : impostor).push(dot(lr[i] as Float32Array, hr[j] as Float32Array));
    }
  }
  const galleryIdx = new Map<string, number>();
  labels.forEach((l, i) => {
    if (!galleryIdx.has(l)) galleryIdx.set(l, i);
  });
  const gallery = [...galleryIdx.entries()];
  let hits = 0;
  let probes = 0;
  for (let i = 0; i < lr.length; i++) {
    if (galleryIdx.get(labels[i] as string) === i) continue;
    let best = -Infinity;
    let bestLabel = '';
    for (const [label, g] of gallery) {
      const s = dot(lr[i] as Float32Array, hr[g] as Float32Array);
      if (s > best) {
        best = s;
        bestLabel = label;
      }
    }
    probes++;
    if (bestLabel === labels[i]) hits++;
  }
  return { auc: rocAuc(genuine, impostor), rank1: hits / probes };
}

async function embedAt(e: FaceEmbedder, crops: readonly FaceCrop[], sizePx: number | null): Promise<Float32Array[]> {
  const inputs: FaceCrop[] = [];
  for (const c of crops) inputs.push(await resizeCrop(sizePx === null ? c : await resizeCrop(c, sizePx), e.inputSizePx));
  return e.embed(inputs);
}

/** Pastes the fasr-samples faces at face width `facePx` into a real street frame; returns the frame and the pasted face boxes. */
async function syntheticFrame(background: Frame, faces: readonly { crop: FaceCrop; faceW: number }[], facePx: number): Promise<{ frame: Frame; boxes: [number, number, number, number][] }> {
  const rgb = new Uint8Array(background.rgb);
  const boxes: [number, number, number, number][] = [];
  const cols = 5;
  for (let k = 0; k < faces.length; k++) {
    const f = faces[k] as { crop: FaceCrop; faceW: number };
    const side = Math.max(4, Math.round((f.crop.width * facePx) / f.faceW));
    const small = await resizeCrop(f.crop, side);
    // Spread over the frame, off-grid so that faces do not all sit on the same tile borders.
    const x0 = Math.round(60 + (k % cols) * 241 + (k * 37) % 50);
    const y0 = Math.round(140 + Math.floor(k / cols) * 280 + (k * 53) % 60);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        for (let c = 0; c < 3; c++) rgb[((y0 + y) * background.width + x0 + x) * 3 + c] = small.rgb[(y * side + x) * 3 + c] as number;
      }
    }
    const m = (side - facePx) / 2;
    boxes.push([x0 + m, y0 + m, facePx, facePx]);
  }
  return { frame: { ...background, rgb }, boxes };
}

function decodeFrame(file: string, atSeconds: number, width: number, height: number): Frame {
  const rgb = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: width * height * 3 + 1024 });
  return { sourceId: 0, index: 0, ptsMs: atSeconds * 1000, width, height, rgb: new Uint8Array(rgb) };
}

async function detectorStudy(sizes: readonly number[]): Promise<void> {
  const configs = [
    { label: 'whole frame', config: {} },
    { label: 'tiles 384/96', config: { tileSizePx: 384, tileOverlapPx: 96 } },
    { label: 'tiles 256/64', config: { tileSizePx: 256, tileOverlapPx: 64 } },
    { label: 'tiles 256/64, upscale 2', config: { tileSizePx: 256, tileOverlapPx: 64, upscale: 2 } },
  ];
  const background = decodeFrame(path.join(VIDEOS, 'openpose/video.avi'), 1, 1280, 720);
  const probe = await createHumanFaceDetector({});
  const faces: { crop: FaceCrop; faceW: number }[] = [];
  for (let i = 1; i <= 10; i++) {
    const crop = await readRgb(path.join(FACES, `fasr-samples/gallery/${String(i).padStart(6, '0')}.jpg`));
    const d = (await probe.detect({ sourceId: 0, index: 0, ptsMs: 0, ...crop }))[0];
    // Face width from the eye/mouth landmarks' spread would be tighter; the box is what a tracker sees.
    if (d !== undefined) faces.push({ crop, faceW: d.bboxXYWH[2] });
  }
  await probe.close();
  console.log(`\n### Detector recall on ${faces.length} faces pasted into a 1280x720 street frame (openpose video.avi at 1 s)\n`);
  console.log(`| face box width | ${configs.map((c) => c.label).join(' | ')} |`);
  console.log(`|---|${configs.map(() => '---').join('|')}|`);
  const times = configs.map(() => [] as number[]);
  for (const facePx of sizes) {
    const { frame, boxes } = await syntheticFrame(background, faces, facePx);
    const cells: string[] = [];
    for (const [ci, c] of configs.entries()) {
      const det = await createHumanFaceDetector(c.config);
      const t0 = performance.now();
      const found = await det.detect(frame);
      times[ci]?.push(performance.now() - t0);
      await det.close();
      const hit = boxes.filter((b) =>
        found.some((d) => {
          const cx = b[0] + b[2] / 2;
          const cy = b[1] + b[3] / 2;
          const [x, y, w, h] = d.bboxXYWH;
          return cx >= x && cx <= x + w && cy >= y && cy <= y + h && w < 4 * b[2];
        }),
      ).length;
      cells.push(`${hit}/${boxes.length} (+${found.length - hit} other)`);
    }
    console.log(`| ${facePx} px | ${cells.join(' | ')} |`);
  }
  console.log(`| ms per 1280x720 frame (mean) | ${times.map((t) => (t.reduce((a, b) => a + b, 0) / t.length).toFixed(0)).join(' | ')} |`);
  console.log('\n"other": detections not on a pasted face (the street\'s own faces, or false positives).');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend('wasm');
  console.log(`backend: ${backend.name} (simd ${backend.wasmFeatures?.simd}, threads ${backend.wasmFeatures?.threads})`);
  const detector = await createHumanFaceDetector({});
  const t0 = performance.now();
  const celeba = await loadCeleba(args.celebaIds, detector);
  await detector.close();
  const sets: DataSet[] = [await loadGlint(args.glintPerId), await loadOrl(args.orlPerId), await loadBbt(), celeba];
  console.log(`data loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; celeba-wild: ${celeba.missed} photos without a detected face`);
  for (const s of sets) console.log(`  ${s.name}: ${s.faces.length} faces, ${new Set(s.faces.map((f) => f.label)).size} identities`);

  const embedders: FaceEmbedder[] = [];
  for (const name of args.embedders) {
    if (name === 'dlib-resnet') {
      const dir = args.faceApiModelDir ?? faceApiModelDir();
      if (dir === null) {
        console.log('dlib-resnet: skipped (@vladmandic/face-api not installed; pass --face-api-model-dir)');
        continue;
      }
      embedders.push(await createFaceEmbedder(name, { modelDir: dir }));
    } else {
      embedders.push(await createFaceEmbedder(name));
    }
  }
  const sizes: (number | null)[] = [null, ...args.sizes];
  const results = new Map<string, Score>();
  const msPerCrop = new Map<string, number>();
  for (const e of embedders) {
    let ms = 0;
    let n = 0;
    for (const set of sets) {
      const crops = set.faces.map((f) => f.crop);
      const labels = set.faces.map((f) => f.label);
      const tHr = performance.now();
      const hr = await embedAt(e, crops, null);
      ms += performance.now() - tHr;
      n += crops.length;
      for (const s of sizes) {
        const lr = s === null ? hr : await embedAt(e, crops, s);
        results.set(`${e.id}|${set.name}|${s}`, evaluate(labels, hr, lr));
      }
    }
    msPerCrop.set(e.id, ms / n);
    console.log(`${e.id}: done (${(ms / n).toFixed(1)} ms per crop incl. resize)`);
  }

  const sizeLabel = (s: number | null): string => (s === null ? 'HR' : `${s} px`);
  console.log('\n### Verification AUC / rank-1 (LR probe vs HR gallery)\n');
  console.log(`| data set | face size | ${embedders.map((e) => e.id.split(';')[0]).join(' | ')} |`);
  console.log(`|---|---|${embedders.map(() => '---').join('|')}|`);
  for (const set of sets) {
    for (const s of sizes) {
      const cells = embedders.map((e) => {
        const r = results.get(`${e.id}|${set.name}|${s}`) as Score;
        return `${r.auc.toFixed(3)} / ${(100 * r.rank1).toFixed(0)}%`;
      });
      console.log(`| ${set.name} | ${sizeLabel(s)} | ${cells.join(' | ')} |`);
    }
  }
  console.log('\n### Mean over the four data sets, 16–40 px only\n');
  console.log(`| | ${embedders.map((e) => e.id.split(';')[0]).join(' | ')} |`);
  console.log(`|---|${embedders.map(() => '---').join('|')}|`);
  const lrSizes = sizes.filter((s): s is number => s !== null);
  const mean = (e: FaceEmbedder, key: 'auc' | 'rank1'): number => {
    const v = sets.flatMap((set) => lrSizes.map((s) => (results.get(`${e.id}|${set.name}|${s}`) as Score)[key]));
    return v.reduce((a, b) => a + b, 0) / v.length;
  };
  console.log(`| mean AUC | ${embedders.map((e) => mean(e, 'auc').toFixed(3)).join(' | ')} |`);
  console.log(`| mean rank-1 | ${embedders.map((e) => `${(100 * mean(e, 'rank1')).toFixed(1)}%`).join(' | ')} |`);
  console.log(`| dim | ${embedders.map((e) => e.dim).join(' | ')} |`);
  console.log(`| ms per crop (wasm, batch 8) | ${embedders.map((e) => (msPerCrop.get(e.id) as number).toFixed(1)).join(' | ')} |`);
  for (const e of embedders) await e.close();

  if (args.detector) await detectorStudy(args.sizes);
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
