import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DETECTOR_NAMES, DETECTOR_PRESETS, closeProcessDeps, createProcessDeps, detectorProvenance, parseProcessConfig, processSources, type ProcessSummary, type SourceProgress } from '../../pipelines';
import { FasrError, InputError } from '../contracts';
import { EMBEDDER_NAMES } from '../fuse';
import { installedPackageVersion } from '../runtime';
import { BACKEND_CHOICES } from '../runtime';
import { openStore } from '../store';
import type { CliIo } from './cli-io';
import { ENGINE_OPTION_HELP, resolveEngineOption } from './engine-option';
import { KEEP_NATIVE_OPTION_HELP, keepNativeOption } from './keep-native-option';
import { enhanceProcessedTracks } from './sr-command';
import { processViaQueue } from './process-via-queue';

/** Options of {@link registerProcessCommand}. */
export interface ProcessCommandOptions {
  /** Progress as one updating line (TTY) instead of plain lines. Default: whether stdout is a TTY. */
  readonly tty?: boolean;
}

interface ProcessCliOptions {
  readonly db: string;
  readonly fps?: string;
  readonly backend: string;
  readonly embedder?: string;
  readonly detector?: string;
  readonly config?: string;
  readonly sr?: boolean;
  readonly srModel?: string;
  readonly srSteps?: string;
  readonly srEngine: string;
  readonly srKeepNativeMinSide?: string;
  readonly queue?: string;
  readonly queuePrefix?: string;
  /** false with --no-motion-gate. */
  readonly motionGate: boolean;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function progressText(index: number, total: number, p: SourceProgress): string {
  const at = p.ptsMs === null ? '-' : seconds(p.ptsMs);
  const of = p.durationMs === null ? '' : ` / ${seconds(p.durationMs)}`;
  return `[${index + 1}/${total}] ${path.basename(p.path)}: ${at}${of}  frames ${p.frames}  faces ${p.faces}  tracks ${p.tracks}  (${seconds(p.elapsedMs)})`;
}

/** The end-of-run summary: per source, totals, throughput and where the results are. */
export function formatProcessSummary(summary: ProcessSummary, dbPath: string): string {
  const lines: string[] = [];
  for (const o of summary.outcomes) {
    const figures = `frames ${o.frames}, faces ${o.faces}, tracks ${o.tracks}, ${seconds(o.elapsedMs)}`;
    lines.push(o.status === 'done' ? `  ok      ${o.path} (${figures})` : `  FAILED  ${o.path}: ${o.reason ?? 'unknown reason'} (${figures})`);
  }
  const fps = summary.elapsedMs > 0 ? (summary.frames * 1000) / summary.elapsedMs : 0;
  const realtime = summary.elapsedMs > 0 ? summary.videoMs / summary.elapsedMs : 0;
  lines.push(`sources: ${summary.outcomes.length} (${summary.ok} ok, ${summary.failed} failed)`);
  lines.push(`tracks: ${summary.tracks}, faces: ${summary.faces}, frames analysed: ${summary.frames}`);
  lines.push(`time: ${seconds(summary.elapsedMs)} for ${seconds(summary.videoMs)} of video: ${fps.toFixed(2)} frames/s, ${realtime.toFixed(2)} x realtime`);
  lines.push(`results: ${dbPath} (run ${summary.runId}); look at them with`);
  lines.push(`  sqlite3 ${JSON.stringify(dbPath)} "SELECT t.id, s.path, t.track_key, t.detection_count, round(t.best_quality, 3) FROM tracks t JOIN sources s ON s.id = t.source_id"`);
  lines.push(`  sqlite3 ${JSON.stringify(dbPath)} "SELECT path, status, error FROM sources"`);
  return lines.join('\n') + '\n';
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { option: 'config', path: file });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`--config: ${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { option: 'config', path: file });
  }
}

/** Builds the pipeline config from --config, then --fps and --embedder on top. */
function configFromOptions(opts: ProcessCliOptions): ReturnType<typeof parseProcessConfig> {
  const base = opts.config !== undefined ? readConfigFile(opts.config) : {};
  if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new InputError('--config: the file must hold a JSON object', { option: 'config' });
  const input: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  if (opts.fps !== undefined) {
    const fps = Number(opts.fps);
    if (opts.fps.trim() === '' || !Number.isFinite(fps)) throw new InputError(`--fps: expected a number in (0, 240], received ${JSON.stringify(opts.fps)}`, { option: 'fps' });
    const decode = input.decode;
    input.decode = { ...(typeof decode === 'object' && decode !== null ? decode : {}), fps };
  }
  if (opts.embedder !== undefined) input.embedder = opts.embedder;
  if (opts.motionGate === false) {
    const gate = input.motionGate;
    input.motionGate = { ...(typeof gate === 'object' && gate !== null ? gate : {}), enabled: false };
  }
  if (opts.detector !== undefined) {
    const presets = Object.keys(DETECTOR_PRESETS);
    if (presets.includes(opts.detector)) {
      input.detectorPreset = opts.detector;
      delete input.detector;
    } else if ((DETECTOR_NAMES as readonly string[]).includes(opts.detector)) {
      input.detector = { name: opts.detector };
      delete input.detectorPreset;
    } else {
      throw new InputError(`--detector: expected one of ${[...DETECTOR_NAMES, ...presets].join(', ')}, received ${JSON.stringify(opts.detector)}`, { option: 'detector' });
    }
  }
  return parseProcessConfig(input);
}

/**
 * `fasr process <video...>`: footage to stored tracks (ingest → detect → track → align →
 * quality → embed → fuse → store) for each input in turn, with progress and a summary. Every
 * input is tried; the exit code is 1 when any source failed.
 */
export function registerProcessCommand(program: Command, io: CliIo, options: ProcessCommandOptions = {}): void {
  program
    .command('process')
    .description('find, track and fuse the faces of video files into the SQLite store (tracks with LR_0 and F_M)')
    .argument('<video...>', 'video files to process, in order')
    .option('--db <file>', 'SQLite store to write (created if missing)', 'fasr.sqlite')
    .option('--fps <n>', 'analysis frames per second of video, in (0, 240] (default 5)')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--embedder <name>', `face embedder: ${EMBEDDER_NAMES.join(' | ')} (default faceres)`)
    .option('--detector <name>', `face detector: ${[...DETECTOR_NAMES, ...Object.keys(DETECTOR_PRESETS)].join(' | ')} (default: human, plus the SSD small-face pass on 720p+ sources; a named detector runs alone; cctv = SSD tuned for 15–40 px faces; docs/pipeline.md)`)
    .option('--no-motion-gate', 'run the detector on every analysed frame (default: frames with no change and no live track skip it; docs/pipeline.md, "Motion gate")')
    .option('--config <file.json>', 'pipeline config (JSON, see docs/pipeline.md); --fps, --embedder, --detector and --no-motion-gate override it')
    .option('--sr', 'then enhance every stored track with the SR model (as fasr sr --track; see docs/sr-usage.md)')
    .option('--sr-model <file>', 'SR model for --sr (default: the bundled one)')
    .option('--sr-steps <n>', 'sampler steps for --sr (default: the sampler\'s)')
    .option('--sr-engine <name>', `${ENGINE_OPTION_HELP}, for --sr`, 'auto')
    .option('--sr-keep-native-min-side <px>', `for --sr: ${KEEP_NATIVE_OPTION_HELP}`)
    .option('--queue <redis-url>', 'coordinate `fasr worker`s through Redis instead of working in-process (docs/deployment.md)')
    .option('--queue-prefix <name>', 'Redis key prefix of the queue (the workers\' --prefix)', 'fasr')
    .action(async (videos: string[], opts: ProcessCliOptions) => {
      const config = configFromOptions(opts); // validated before anything is opened
      resolveEngineOption('sr-engine', opts.srEngine);
      const keepNativeMinSidePx = keepNativeOption('sr-keep-native-min-side', opts.srKeepNativeMinSide);
      if (opts.srKeepNativeMinSide !== undefined && opts.sr !== true) throw new InputError('--sr-keep-native-min-side: applies to --sr only', { option: 'sr-keep-native-min-side' });
      const tty = options.tty ?? process.stdout.isTTY === true;
      const dbPath = path.resolve(opts.db);
      if (opts.queue !== undefined) return processViaQueue(videos, config, { ...opts, keepNativeMinSidePx }, dbPath, io, formatProcessSummary);
      const deps = await createProcessDeps(config, opts.backend);
      io.out(`backend: ${deps.backend.name}; detector: ${detectorProvenance(deps)}; embedder: ${deps.embedder.id}\n`);
      const store = openStore(dbPath);
      let summary: ProcessSummary;
      let lastLineMs = 0;
      let lineOpen = false;
      try {
        summary = await processSources(store, videos, config, deps, {
          command: `fasr process ${videos.join(' ')}`,
          versions: { fasr: installedPackageVersion('fasr') ?? '0.0.0' },
          onProgress: (index, p) => {
            const text = progressText(index, videos.length, p);
            if (tty) {
              io.out(`\r\x1b[2K${text}`);
              lineOpen = true;
              if (p.phase === 'done') {
                io.out('\n');
                lineOpen = false;
              }
            } else if (p.phase === 'done' || p.frames === 1 || Date.now() - lastLineMs >= 5000) {
              lastLineMs = Date.now();
              io.out(`${text}${p.phase === 'done' ? ' done' : ''}\n`);
            }
          },
        });
        if (opts.sr === true) {
          await enhanceProcessedTracks(store, summary, { ...(opts.srModel === undefined ? {} : { model: opts.srModel }), ...(opts.srSteps === undefined ? {} : { steps: opts.srSteps }), engine: opts.srEngine, keepNativeMinSidePx }, io);
        }
      } finally {
        if (lineOpen) io.out('\n');
        store.close();
        await closeProcessDeps(deps);
      }
      io.out(formatProcessSummary(summary, dbPath));
      if (summary.failed > 0) {
        throw new FasrError('E_SOURCES_FAILED', `${summary.failed} of ${summary.outcomes.length} sources failed (reasons above; recorded in ${dbPath})`, {
          failed: summary.outcomes.filter((o) => o.status === 'failed').map((o) => o.path),
        });
      }
    });
}
