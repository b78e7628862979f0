/**
 * A night of CCTV footage through `processSource` (decode, motion gate, detect, align, quality,
 * embed, track, fuse, store) with the default config, on a synthetic night built with ffmpeg
 * (bench/night-footage.ts, cached under out/): a static camera view with the shared face clips
 * inserted as events at known times.
 *   npm run bench:night                 (30 minutes; the first run builds the footage)
 *   npm run bench:night -- --minutes 5  (a quick run)
 * Options: --minutes N (default 30), --no-motion-gate (every frame detected: what the gate saves
 * and costs in recall), --config '<json>' (a partial process config merged over the defaults, e.g.
 * '{"decode":{"maxBufferedFrames":8}}'), --backend <auto|wasm|cpu> (default wasm).
 * Prints x realtime, per-stage ms, peak RSS at 25/50/75/100 % of the night, and event recall: an
 * event is found when a track whose boxes lie in the event's overlay starts within ±2 s of it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, detectorProvenance, parseProcessConfig, processSource, type ComputeStats } from '../pipelines';
import { openStore, type TrackDetail } from '../src/store';
import { buildNightFootage, type NightEvent } from './night-footage';

const RECALL_WINDOW_MS = 2000;

function mb(bytes: number): string {
  return (bytes / (1 << 20)).toFixed(0);
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padStart(widths[i] ?? 10)).join('  ');
}

function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name}: a value is required`);
  return v;
}

/** Whether the centre of every detection of `t` lies inside the event's overlay. */
function insideOverlay(t: TrackDetail, e: NightEvent): boolean {
  const [ox, oy, ow, oh] = e.clip.boxXYWH;
  return t.detections.every((d) => {
    const [x, y, w, h] = d.bboxXYWH;
    const cx = x + w / 2;
    const cy = y + h / 2;
    return cx >= ox && cx <= ox + ow && cy >= oy && cy <= oy + oh;
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = ['--minutes', '--backend', '--no-motion-gate', '--config'];
  for (const a of args) if (a.startsWith('--') && !known.includes(a)) throw new Error(`unknown option ${a}; valid: ${known.join(', ')}`);
  const minutes = Number(argValue(args, '--minutes') ?? '30');
  const backend = argValue(args, '--backend') ?? 'wasm';
  const gateOn = !args.includes('--no-motion-gate');
  const extra: unknown = JSON.parse(argValue(args, '--config') ?? '{}');
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) throw new Error('--config: expected a JSON object');
  const base = extra as Record<string, unknown>;
  const gateSection = typeof base.motionGate === 'object' && base.motionGate !== null ? base.motionGate : {};
  const config = parseProcessConfig(gateOn ? base : { ...base, motionGate: { ...gateSection, enabled: false } });
  const gateOn2 = config.motionGate.enabled;
  const deps = await createProcessDeps(config, backend);
  const tBuild = Date.now();
  const night = buildNightFootage(deps.binaries.ffmpeg.path, path.resolve(__dirname, '../out/bench-night'), minutes);
  const buildS = (Date.now() - tBuild) / 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-night-'));
  const store = openStore(path.join(dir, 'night.sqlite'));
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  try {
    console.log(`night: ${path.relative(process.cwd(), night.file)} (${(night.durationMs / 60000).toFixed(1)} min, ${night.width}x${night.height} at ${night.fps} fps, ${night.events.length} events; built or found in ${buildS.toFixed(1)} s)`);
    console.log(`backend ${deps.backend.name}; detector ${detectorProvenance(deps)}; embedder ${deps.embedder.id}${config.embed.worker ? ' (own thread: embed.worker)' : ' (pipeline thread)'}${config.smallFaces.enabled ? (config.smallFaces.worker ? '; small-face SSD in its own thread' : '; small-face SSD in the pipeline thread') : ''}`);
    console.log(`analysis ${config.decode.fps} fps, width ${config.decode.analysisMaxWidth} px; motion gate ${gateOn2 ? `on (${JSON.stringify(config.motionGate)})` : 'OFF'}`);
    console.log(`decode: ${JSON.stringify(config.decode)}`);
    console.log(`${os.cpus().length} CPU cores; load average at start ${load()} (a shared machine: other jobs run beside this one)`);
    const marks = [0.25, 0.5, 0.75, 1];
    const rssAt: { mark: number; frames: number; rss: number; peak: number; heap: number }[] = [];
    let next = 0;
    peak = process.memoryUsage().rss;
    const rssStart = peak;
    let stats: ComputeStats | null = null;
    const o = await processSource(store, night.file, config, deps, {
      onStats: (s) => (stats = s),
      onProgress: (p) => {
        const mark = marks[next];
        if (mark === undefined || p.ptsMs === null) return;
        if (p.ptsMs >= mark * night.durationMs - 1000 / config.decode.fps) {
          const m = process.memoryUsage();
          peak = Math.max(peak, m.rss);
          rssAt.push({ mark, frames: p.frames, rss: m.rss, peak, heap: m.heapUsed });
          next += 1;
        }
      },
    });
    if (o.status !== 'done') throw new Error(`night: ${o.reason ?? 'failed'}`);
    const s = stats as ComputeStats | null;
    if (s === null) throw new Error('night: no stats reported');
    const loadEnd = load();

    console.log('');
    const w = [10, 8, 9, 8, 7, 8, 11];
    console.log(row(['video s', 'frames', 'detected', 'faces', 'tracks', 'wall s', 'x realtime'], w));
    console.log(row([(o.videoMs / 1000).toFixed(0), String(o.frames), String(s.framesDetected), String(o.faces), String(o.tracks), (o.elapsedMs / 1000).toFixed(1), (o.videoMs / o.elapsedMs).toFixed(2)], w));
    console.log(`gate reasons: ${Object.entries(s.gateReasons).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`small-face pass (detected frames): ${Object.entries(s.smallFaceReasons).map(([k, v]) => `${k} ${v}`).join(', ')}; faces added ${s.smallFacesAdded}`);
    console.log(`crops embedded ${s.cropsEmbedded}, not embedded ${s.cropsNotEmbedded} (embed.topK ${config.embed.topK}; ${Object.entries(s.embedReasons).map(([k, v]) => `${k} ${v}`).join(', ')})`);

    console.log('');
    const stageSum = Object.values(s.stageMs).reduce((a, b) => a + b, 0);
    const stages: [string, number][] = [...Object.entries(s.stageMs), ['hash, probe, store, other', o.elapsedMs - stageSum]];
    const w2 = [28, 10, 10, 14];
    console.log(row(['stage', 'total ms', '% wall', 'ms / frame'], w2));
    for (const [name, ms] of stages) console.log(row([name, ms.toFixed(0), ((100 * ms) / o.elapsedMs).toFixed(1), (ms / Math.max(1, o.frames)).toFixed(2)], w2));
    console.log(row(['detector, per detected frame', '', '', (s.stageMs.detect / Math.max(1, s.framesDetected)).toFixed(1)], w2));
    if (s.embedThreadMs !== null) {
      console.log(`embedder thread (beside the stages above): ${s.embedThreadMs.toFixed(0)} ms, ${(s.embedThreadMs / Math.max(1, o.frames)).toFixed(2)} ms / frame; ${s.framesOverlapped} frames detected while the frame before was embedded`);
    }

    console.log('');
    console.log(`RSS (start ${mb(rssStart)} MB)`);
    const w3 = [10, 8, 8, 10, 12];
    console.log(row(['of night', 'frames', 'RSS MB', 'peak MB', 'JS heap MB'], w3));
    for (const r of rssAt) console.log(row([`${r.mark * 100} %`, String(r.frames), mb(r.rss), mb(r.peak), mb(r.heap)], w3));
    const rssEnd = process.memoryUsage().rss;
    peak = Math.max(peak, rssEnd);
    console.log(row(['end', '', mb(rssEnd), mb(peak), ''], w3));

    console.log('');
    const tracks: TrackDetail[] = Array.from(store.iterateTracks({ sourceId: o.sourceId!, limit: 1000 }), (t) => store.getTrack(t.id));
    const w4 = [12, 10, 10, 14, 16];
    console.log(row(['event', 'at s', 'found', 'delay ms', 'tracks inside'], w4));
    let found = 0;
    const explained = new Set<number>();
    for (const e of night.events) {
      const inside = tracks.filter((t) => insideOverlay(t, e) && t.track.firstPtsMs >= e.startMs - RECALL_WINDOW_MS && t.track.lastPtsMs <= e.startMs + 10000 + RECALL_WINDOW_MS);
      for (const t of inside) explained.add(t.track.id);
      const first = inside.reduce((m, t) => Math.min(m, t.track.firstPtsMs), Infinity);
      const ok = Math.abs(first - e.startMs) <= RECALL_WINDOW_MS;
      if (ok) found += 1;
      console.log(row([e.clip.name, (e.startMs / 1000).toFixed(0), ok ? 'yes' : 'NO', Number.isFinite(first) ? String(first - e.startMs) : '-', String(inside.length)], w4));
    }
    console.log(`event recall: ${found}/${night.events.length}; tracks outside every event: ${tracks.filter((t) => !explained.has(t.track.id)).length}`);
    console.log(`load average at end ${loadEnd}`);
  } finally {
    clearInterval(sampler);
    store.close();
    await closeProcessDeps(deps);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
