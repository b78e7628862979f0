/**
 * What `embed.topK` costs and saves (docs/pipeline.md, "Embeddings once per track"): each shared
 * clip is computed (computeSourceResults: decode → gate → detect → align → quality → embed →
 * track → F_M, no store) with every detection embedded (topK 0, the pipeline before the setting)
 * and with each K asked for, in one process, alternating nothing else. Prints per clip and K: wall
 * time, x realtime, crops embedded / not, ms in the embedder, tracks, and for each track of the
 * topK-0 run the cosine between its F_M and the F_M of the track of the K run that shares most of
 * its detections (same frame, box within 1 px), with the share of its detections that track has.
 *   node -r ts-node/register/transpile-only bench/embed-top-k.ts [--k 8,4,2] [--clips hamilton,single-face] [--repeat N] [--backend wasm]
 * --repeat N: the K values in turn N times; wall, CPU and embedder times are the medians (the other columns do not vary).
 * Clips: hamilton, single-face, openpose, sadtalker (8 s talking head), sadtalker-10x (the same looped 10x: one 80-s track).
 * The first 3 s of the first clip are computed once, untimed, first (the models' first calls set up their kernels).
 * The load average is printed at the start and the end: the machine is shared.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, computeSourceResults, createProcessDeps, parseProcessConfig, type ComputeStats, type SourceComputation } from '../pipelines';
import { cosineSimilarity } from '../src/fuse';
import { median } from './median';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const CLIPS: Readonly<Record<string, string>> = {
  hamilton: path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'),
  'single-face': path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4'),
  openpose: path.join(VIDEOS, 'openpose/video.avi'),
  sadtalker: path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4'),
  // Built at run time: the talking head looped 10x (80 s, one long track), see LOOPED.
  'sadtalker-10x': '',
};
/** Clips made with ffmpeg from a shared one: -stream_loop 9 of the talking head, in a temp folder. */
const LOOPED: Readonly<Record<string, { readonly from: string; readonly loops: number }>> = { 'sadtalker-10x': { from: 'sadtalker', loops: 9 } };

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

/** Detection keys of a track: frame index and rounded box corner (the same detection in two runs). */
function detectionKeys(t: SourceComputation['tracks'][number]): Set<string> {
  return new Set(t.detections.map(({ detection: d }) => `${d.frameIndex}:${Math.round(d.bboxXYWH[0])}:${Math.round(d.bboxXYWH[1])}`));
}

interface Run {
  readonly k: number;
  /** Medians over the repeats: wall time, and CPU time of this process (user + system; less moved by the other jobs of a shared machine). */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly embedMs: number;
  readonly result: SourceComputation;
  readonly stats: ComputeStats;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = ['--k', '--clips', '--backend', '--repeat'];
  const repeat = Number(argValue(args, '--repeat') ?? '1');
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: expected an integer >= 1, received ${argValue(args, '--repeat')}`);
  for (const a of args) if (a.startsWith('--') && !known.includes(a)) throw new Error(`unknown option ${a}; known: ${known.join(', ')}`);
  const ks = (argValue(args, '--k') ?? '8,4,2').split(',').map(Number);
  if (ks.some((k) => !Number.isInteger(k) || k < 1)) throw new Error(`--k: expected integers >= 1, received ${argValue(args, '--k')}`);
  const names = (argValue(args, '--clips') ?? 'hamilton,single-face').split(',');
  for (const n of names) if (CLIPS[n] === undefined) throw new Error(`--clips: unknown clip ${n}; known: ${Object.keys(CLIPS).join(', ')}`);
  const deps = await createProcessDeps(parseProcessConfig({}), argValue(args, '--backend') ?? 'wasm');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-topk-'));
  const clipFile = (name: string): string => {
    const loop = LOOPED[name];
    if (loop === undefined) return CLIPS[name] ?? '';
    const out = path.join(dir, `${name}.mp4`);
    if (!fs.existsSync(out)) execFileSync(deps.binaries.ffmpeg.path, ['-v', 'error', '-y', '-stream_loop', String(loop.loops), '-i', CLIPS[loop.from] ?? '', '-c', 'copy', out]);
    return out;
  };
  try {
    console.log(`backend ${deps.backend.name}; embedder ${deps.embedder.id}; ${os.cpus().length} CPU cores; load average at start ${load()}`);
    const compute = async (file: string, k: number, decode: { durationMs?: number } = {}): Promise<Run> => {
      let stats: ComputeStats | null = null;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await computeSourceResults(file, 1, parseProcessConfig({ embed: { topK: k }, decode }), deps, { onStats: (s) => (stats = s) });
      const wallMs = performance.now() - t0;
      const c = process.cpuUsage(c0);
      const cpuMs = (c.user + c.system) / 1000;
      if (result.analysisError !== null || result.decodeError !== null || stats === null) throw new Error(`${file}: ${result.analysisError ?? result.decodeError?.message ?? 'no stats'}`);
      return { k, wallMs, cpuMs, embedMs: (stats as ComputeStats).stageMs.embed, result, stats };
    };
    await compute(clipFile(names[0] ?? 'hamilton'), 0, { durationMs: 3000 });
    for (const name of names) {
      const file = clipFile(name);
      // The K values in turn, `repeat` times (so a change of the machine's load hits them alike); medians of the times.
      const all: Run[][] = [0, ...ks].map(() => []);
      for (let r = 0; r < repeat; r++) for (const [i, k] of [0, ...ks].entries()) all[i]?.push(await compute(file, k));
      const runs: Run[] = all.map((rs) => ({ ...(rs[0] as Run), wallMs: median(rs.map((x) => x.wallMs)), cpuMs: median(rs.map((x) => x.cpuMs)), embedMs: median(rs.map((x) => x.embedMs)) }));
      const base = runs[0];
      if (base === undefined) continue;
      const videoMs = (base.result.lastPtsMs ?? 0) - (base.result.firstPtsMs ?? 0) + 200;
      console.log(`\n${name}: ${base.result.frames} frames, ${base.result.faces} faces, ≈ ${(videoMs / 1000).toFixed(1)} s of video; load average now ${load()}`);
      console.log(`(median of ${repeat} run${repeat > 1 ? 's' : ''} each)`);
      console.log('| topK | wall s | CPU s | x realtime | embedded (new / tentative / contested / top-k) | not embedded | embedder ms | tracks | F_M cos to topK 0, per track (share of its detections) |');
      console.log('|---:|---:|---:|---:|---|---:|---:|---:|---|');
      for (const r of runs) {
        const cosines = base.result.tracks.map((bt) => {
          const keys = detectionKeys(bt);
          let best: { share: number; cos: number } = { share: 0, cos: NaN };
          for (const t of r.result.tracks) {
            const shared = [...detectionKeys(t)].filter((x) => keys.has(x)).length / keys.size;
            const a = bt.fused?.[0]?.featureVector;
            const b = t.fused?.[0]?.featureVector;
            if (shared > best.share && a !== undefined && b !== undefined) best = { share: shared, cos: cosineSimilarity(a, b) };
          }
          return `${best.cos.toFixed(3)} (${(best.share * 100).toFixed(0)} %)`;
        });
        const label = r.k === 0 ? '0 (all)' : String(r.k);
        console.log(
          `| ${label} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.cpuMs / 1000).toFixed(1)} | ${(videoMs / r.wallMs).toFixed(2)} | ${r.stats.cropsEmbedded}${r.k === 0 ? '' : ` (${(['new', 'tentative', 'contested', 'top-k'] as const).map((x) => r.stats.embedReasons[x]).join(' / ')})`} | ${r.stats.cropsNotEmbedded} | ${r.embedMs.toFixed(0)} | ${r.result.tracks.length} | ${cosines.join(', ')} |`,
        );
      }
    }
    console.log(`\nload average at the end ${load()}`);
  } finally {
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
