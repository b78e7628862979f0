/**
 * A night's batch: a tree of short clips in Frigate-style camera folders
 * (YYYY-MM-DD/HH/<camera>/MM.SS.mp4), cut with ffmpeg from the shared real clips into a temp dir,
 * processed by `runBatch` (hash, skip check, decode + detect + align + quality + embed + track +
 * fuse + one store transaction per source) into a fresh store:
 *   npm run bench:batch        (or: node -r ts-node/register/transpile-only bench/batch.ts)
 * Prints wall time, x realtime, sources/min, peak RSS of this process (ffmpeg children are
 * separate processes, a few tens of MB each, one at a time) and the store's size; then the same
 * batch again (every source skipped by its sha256) to show what a re-run costs.
 * Options: --clips <n> (default 100), --fps <n> (analysis rate, default the pipeline's 5),
 * --backend <auto|wasm|cpu> (default wasm), --dir <dir> (work there and keep it: clips already
 * cut there are reused, the store is made afresh), --keep (leave the temp dir).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, parseProcessConfig } from '../pipelines';
import { parseBatchOptions, pipelineSourceProcessor, runBatch, type BatchSummary } from '../pipelines/batch';
import { openStore } from '../src/store';
import { argValue } from './bench-args';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
/** Real clips with faces (file, duration in s). */
const SOURCES = [
  { file: path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'), durationS: 10 },
  { file: path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4'), durationS: 8 },
  { file: path.join(VIDEOS, 'sadtalker-hdtf/WDA_AlexandriaOcasioCortez_000.mp4'), durationS: 8 },
  { file: path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4'), durationS: 7.8 },
  { file: path.join(VIDEOS, 'openpose/video.avi'), durationS: 4.1 },
];
const CAMERAS = ['front_door', 'back_yard', 'garage', 'hall', 'gate'];
const WIDTHS = [640, 480, 854];

function mb(bytes: number): string {
  return (bytes / (1 << 20)).toFixed(1);
}

function dirBytes(dir: string, prefix: string): number {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
}

/** Cuts `n` distinct 2-3 s clips (start, length, width and camera vary per clip, so every file has its own sha256). */
function makeTree(root: string, n: number): number {
  let totalS = 0;
  for (let i = 0; i < n; i++) {
    const src = SOURCES[i % SOURCES.length];
    if (src === undefined) throw new Error('no source');
    const lengthS = 2 + ((i * 7) % 11) / 10; // 2.0 .. 3.0 s
    const startS = ((i * 1.37) % Math.max(0.1, src.durationS - lengthS - 0.2)) + 0.05;
    const hour = String(Math.floor(i / 25)).padStart(2, '0');
    const camera = CAMERAS[i % CAMERAS.length] ?? 'cam';
    const minute = String(i % 60).padStart(2, '0');
    const out = path.join(root, '2024-01-15', hour, camera, `${minute}.${String((i * 13) % 60).padStart(2, '0')}.mp4`);
    totalS += lengthS;
    if (fs.existsSync(out)) continue; // cut by an earlier run (--dir); written whole through a rename
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const width = WIDTHS[i % WIDTHS.length] ?? 640;
    // A hidden temporary name (skipped by the batch's walk) renamed into place: never a half-written clip.
    const tmp = path.join(path.dirname(out), `.part-${path.basename(out)}`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', startS.toFixed(2), '-t', lengthS.toFixed(1), '-i', src.file, '-an', '-vf', `scale=${width}:-2`, '-r', '15', '-c:v', 'libx264', '-preset', 'veryfast', '-f', 'mp4', tmp]);
    fs.renameSync(tmp, out);
  }
  return totalS;
}

function row(cells: readonly string[]): string {
  const widths = [26, 14];
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[0] ?? 26) : c.padStart(widths[1] ?? 14))).join('');
}

async function main(): Promise<void> {
  const n = Number(argValue('--clips', '100'));
  const backend = argValue('--backend', 'wasm');
  const fpsArg = argValue('--fps', '');
  const config = parseProcessConfig(fpsArg === '' ? {} : { decode: { fps: Number(fpsArg) } });
  const given = argValue('--dir', '');
  const dir = given !== '' ? path.resolve(given) : fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-batch-'));
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.startsWith('batch.sqlite')) fs.rmSync(path.join(dir, f));
  const root = path.join(dir, 'recordings');
  const t0 = Date.now();
  const videoS = makeTree(root, n);
  const makeMs = Date.now() - t0;
  const deps = await createProcessDeps(config, backend);
  const dbFile = path.join(dir, 'batch.sqlite');
  const store = openStore(dbFile);
  let first: BatchSummary;
  let second: BatchSummary;
  try {
    const processor = pipelineSourceProcessor(config, deps);
    let last = Date.now();
    first = await runBatch(store, [root], parseBatchOptions({ command: 'bench:batch' }), processor, {
      onSourceEnd: (i, total) => {
        if (Date.now() - last > 30_000 || i + 1 === total) {
          last = Date.now();
          process.stderr.write(`  ${i + 1}/${total} sources, ${((Date.now() - t0 - makeMs) / 1000).toFixed(0)} s\n`);
        }
      },
    });
    second = await runBatch(store, [root], parseBatchOptions({ command: 'bench:batch (re-run)' }), processor);
  } finally {
    store.close();
    await closeProcessDeps(deps);
  }
  const rssMaxBytes = process.resourceUsage().maxRSS * 1024;
  const storeBytes = dirBytes(dir, 'batch.sqlite');
  const realtime = (videoS * 1000) / first.elapsedMs;
  console.log(`bench:batch — ${n} clips of 2-3 s in ${CAMERAS.length} Frigate-style camera folders, analysis ${config.decode.fps} fps, backend ${deps.backend.name}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(row(['', 'value']));
  console.log(row(['clips made (ffmpeg)', `${n} in ${(makeMs / 1000).toFixed(1)} s`]));
  console.log(row(['video time', `${videoS.toFixed(1)} s`]));
  console.log(row(['sources done / failed', `${first.done} / ${first.failed}`]));
  console.log(row(['tracks stored', String(first.tracks)]));
  console.log(row(['wall time', `${(first.elapsedMs / 1000).toFixed(1)} s`]));
  console.log(row(['x realtime', realtime.toFixed(2)]));
  console.log(row(['sources / min', ((first.processed * 60000) / first.elapsedMs).toFixed(1)]));
  console.log(row(['peak RSS (this process)', `${mb(rssMaxBytes)} MB`]));
  console.log(row(['store size (db + wal)', `${mb(storeBytes)} MB`]));
  console.log(row(['re-run: skipped', `${second.skipped} of ${second.results.length}`]));
  console.log(row(['re-run: wall time', `${(second.elapsedMs / 1000).toFixed(1)} s`]));
  if (process.argv.includes('--keep') || given !== '') console.log(`kept ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
