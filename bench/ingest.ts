/**
 * Throughput and memory of footage → tracks (`processSource`: decode + detect + align + quality +
 * embed + track + fuse + store) at the default analysis rate, on the shared clips:
 *   npm run bench:ingest            (or: node -r ts-node/register/transpile-only bench/ingest.ts)
 * Prints, per clip, frames/s and x realtime; then RSS sampled over the 139 s clip at 25/50/75/100 %
 * of its video time, to show memory does not grow with the length of the video.
 * Options: --backend <auto|wasm|cpu> (default wasm), --skip-long, --faces-long (also RSS over a
 * talking-head clip looped 10x: a face in every frame, so crops and embeddings accumulate),
 * --no-motion-gate (every analysed frame detected: the pipeline before the motion gate),
 * --config '<json>' (a partial process config over the defaults, e.g. '{"embed":{"topK":0}}'),
 * --stages (ms per analysed frame of each stage, crops embedded and not embedded),
 * --warmup (process the first clip once, untimed, before measuring: the models' first calls set up
 * their kernels, a cost a night pays once), --clips <name,...> (only the short clips whose name
 * starts with one of these: hamilton, openpose, single-face).
 * Each row also gives the process's CPU seconds for the clip (user + system, all threads) and the
 * 1-minute load average when the clip ended: the machine may be shared, and CPU time moves less
 * with the other jobs than wall time.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, detectorProvenance, parseProcessConfig, processSource, type ComputeStats, type SourceOutcome } from '../pipelines';
import { openStore } from '../src/store';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const CLIPS = [
  { name: 'hamilton 640x360', file: path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4') },
  { name: 'openpose 1280x720', file: path.join(VIDEOS, 'openpose/video.avi') },
  { name: 'single-face 1080x1920', file: path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4') },
];
const FACES_CLIP = path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4');
const LONG = { name: 'intel one-by-one 768x432 139 s', file: path.join(VIDEOS, 'intel-sample-videos/one-by-one-person-detection.mp4') };

function mb(bytes: number): string {
  return (bytes / (1 << 20)).toFixed(0);
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padStart(widths[i] ?? 8)).join('  ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const backend = args.includes('--backend') ? args[args.indexOf('--backend') + 1] ?? 'wasm' : 'wasm';
  const extraArg = args.includes('--config') ? args[args.indexOf('--config') + 1] : undefined;
  const extra: unknown = JSON.parse(extraArg ?? '{}');
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new Error('--config: expected a JSON object');
  const base = extra as Record<string, unknown>;
  const gate = (base.motionGate ?? {}) as Record<string, unknown>;
  const config = args.includes('--no-motion-gate') ? parseProcessConfig({ ...base, motionGate: { ...gate, enabled: false } }) : parseProcessConfig(base);
  const showStages = args.includes('--stages');
  const stages: { name: string; s: ComputeStats; frames: number }[] = [];
  const deps = await createProcessDeps(config, backend);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-ingest-'));
  const store = openStore(path.join(dir, 'bench.sqlite'));
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 200);
  const clipsArg = args.includes('--clips') ? (args[args.indexOf('--clips') + 1] ?? '').split(',').filter((c) => c !== '') : null;
  const clips = clipsArg === null ? CLIPS : CLIPS.filter((c) => clipsArg.some((a) => c.name.startsWith(a)));
  if (clipsArg !== null && clips.length !== clipsArg.length) {
    throw new Error(`--clips: expected names among ${CLIPS.map((c) => c.name.split(' ')[0]).join(', ')}, received ${JSON.stringify(clipsArg.join(','))}`);
  }
  const widths = [32, 8, 7, 6, 7, 8, 9, 11, 12, 7, 6];
  let cpuStart = process.cpuUsage();
  const report = (name: string, o: SourceOutcome): void => {
    const cpu = process.cpuUsage(cpuStart);
    console.log(
      row(
        [
          name,
          (o.videoMs / 1000).toFixed(1),
          String(o.frames),
          String(o.faces),
          String(o.tracks),
          (o.elapsedMs / 1000).toFixed(1),
          ((o.frames * 1000) / o.elapsedMs).toFixed(2),
          (o.videoMs / o.elapsedMs).toFixed(2),
          mb(peakRss),
          ((cpu.user + cpu.system) / 1e6).toFixed(1),
          os.loadavg()[0]?.toFixed(1) ?? '-',
        ],
        widths,
      ),
    );
  };
  try {
    console.log(`backend ${deps.backend.name}; detector ${detectorProvenance(deps)}; embedder ${deps.embedder.id}${config.embed.worker ? ' (own thread: embed.worker)' : ' (pipeline thread)'}${config.smallFaces.enabled ? (config.smallFaces.worker ? '; small-face SSD in its own thread' : '; small-face SSD in the pipeline thread') : ''}`);
    console.log(`analysis ${config.decode.fps} fps, analysis width ${config.decode.analysisMaxWidth} px; motion gate ${config.motionGate.enabled ? 'on' : 'off'}; ${os.cpus().length} CPU cores; load average ${os.loadavg()[0]?.toFixed(1)}`);
    if (args.includes('--warmup')) {
      // The models' first calls allocate and set up kernels; a night pays that once, not per clip.
      const w = await processSource(store, CLIPS[0]?.file ?? '', config, deps);
      console.log(`warm-up: ${CLIPS[0]?.name} processed once, untimed (${(w.elapsedMs / 1000).toFixed(1)} s)`);
    }
    console.log(row(['clip', 'video s', 'frames', 'faces', 'tracks', 'wall s', 'frames/s', 'x realtime', 'peak RSS MB', 'CPU s', 'load'], widths));
    for (const clip of clips) {
      cpuStart = process.cpuUsage();
      const o = await processSource(store, clip.file, config, deps, { onStats: (s) => stages.push({ name: clip.name, s, frames: 0 }) });
      const last = stages[stages.length - 1];
      if (last !== undefined) last.frames = o.frames;
      if (o.status !== 'done') throw new Error(`${clip.name}: ${o.reason ?? 'failed'}`);
      report(clip.name, o);
    }
    if (showStages) printStages(stages);
    if (args.includes('--skip-long')) return;

    const longs = [LONG];
    if (args.includes('--faces-long')) {
      // The 139 s clip has almost no faces; this one has a face in every frame: a talking head looped 10x (80 s).
      const looped = path.join(dir, 'sadtalker-looped-10x.mp4');
      execFileSync(deps.binaries.ffmpeg.path, ['-v', 'error', '-y', '-stream_loop', '9', '-i', FACES_CLIP, '-c', 'copy', looped]);
      longs.push({ name: 'sadtalker 512x512 looped 10x 80 s', file: looped });
    }
    for (const long of longs) await measureLong(long);
  } finally {
    clearInterval(sampler);
    store.close();
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  async function measureLong(long: { name: string; file: string }): Promise<void> {
    // RSS over a long clip, sampled when the analysed pts crosses 25/50/75/100 % of its duration.
    const marks = [0.25, 0.5, 0.75, 1];
    const rssAt: { mark: number; frames: number; rss: number; heap: number; external: number }[] = [];
    let next = 0;
    peakRss = process.memoryUsage().rss;
    const rssStart = peakRss;
    cpuStart = process.cpuUsage();
    const o = await processSource(store, long.file, config, deps, {
      onProgress: (p) => {
        const mark = marks[next];
        if (mark === undefined || p.durationMs === null || p.ptsMs === null) return;
        if (p.ptsMs >= mark * p.durationMs - 1000 / config.decode.fps || p.phase === 'done') {
          const m = process.memoryUsage();
          rssAt.push({ mark, frames: p.frames, rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers });
          next += 1;
        }
      },
    });
    if (o.status !== 'done') throw new Error(`${long.name}: ${o.reason ?? 'failed'}`);
    console.log(row(['', '', '', '', '', '', '', '', '', '', ''], widths));
    report(long.name, o);
    console.log(`  RSS over ${long.name} (start of the clip: ${mb(rssStart)} MB)`);
    const w2 = [10, 8, 8, 12, 18];
    console.log(row(['of video', 'frames', 'RSS MB', 'JS heap MB', 'external+buf MB'], w2));
    for (const r of rssAt) console.log(row([`${r.mark * 100} %`, String(r.frames), mb(r.rss), mb(r.heap), mb(r.external)], w2));
    console.log(row(['peak', '', mb(peakRss), '', ''], w2));
  }
}

/** Wall ms per analysed frame of each stage (ComputeStats.stageMs), and the crops embedded / not embedded. */
function printStages(stages: readonly { name: string; s: ComputeStats; frames: number }[]): void {
  const keys = ['decodeWait', 'gate', 'detect', 'smallFaces', 'alignQuality', 'embed', 'track', 'cropsAndBuild'] as const;
  const w = [32, 9, 9, ...keys.map(() => 12)];
  console.log('ms per analysed frame, by stage; crops embedded / skipped (embed.topK)');
  console.log(row(['clip', 'embedded', 'skipped', ...keys], w));
  for (const { name, s, frames } of stages) {
    const per = (ms: number): string => (frames > 0 ? (ms / frames).toFixed(1) : '-');
    console.log(row([name, String(s.cropsEmbedded), String(s.cropsNotEmbedded), ...keys.map((k) => per(s.stageMs[k]))], w));
  }
  for (const { name, s, frames } of stages) {
    if (s.embedThreadMs === null) continue;
    console.log(`${name}: embedder thread ${(s.embedThreadMs / Math.max(1, frames)).toFixed(1)} ms per analysed frame beside the pipeline; ${s.framesOverlapped} frames detected while the frame before was embedded`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
