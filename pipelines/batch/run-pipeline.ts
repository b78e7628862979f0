import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  closeProcessDeps,
  createProcessDeps,
  detectorProvenance,
  type BatchPipeline,
  type ExportPipeline,
  type PipelineExportSpec,
  type PipelineSpec,
  type SourceProgress,
  type WatchPipeline,
} from '..';
import { InputError } from '../../src/contracts';
import { exportTracks, parseExportOptions, type ExportReport } from '../../src/export';
import type { ReadyFile } from '../../src/ingest';
import { installedPackageVersion } from '../../src/runtime';
import { openStore, type JsonValue, type Store } from '../../src/store';
import { parseBatchOptions } from './batch-options';
import { componentVersions } from './model-hashes';
import { enhanceSources, type EnhanceSourcesSummary } from './enhance-sources';
import { loadSrModel, type SrModel } from '../../src/sr';
import { ConfigError } from '../../src/contracts';
import { runBatch, type BatchSummary } from './run-batch';
import { runWatch, watchFolderOptions, type WatchSummary } from './run-watch';
import { pipelineSourceProcessor } from './source-processor';
import type { SourceStepResult } from './source-step';

/** Hooks of {@link runPipeline}: where progress goes and how to stop. */
export interface RunPipelineHooks {
  /** One line of progress or report (no trailing newline). Must not throw. */
  readonly log?: (line: string) => void;
  /** Per-frame progress of the source being processed. Must not throw. */
  readonly onProgress?: (p: SourceProgress) => void;
  /** Stops a batch between sources, a watch after the current file. */
  readonly signal?: AbortSignal;
  /** Called once a watch has scanned its folders. */
  readonly onWatchReady?: () => void;
  /** Command text for the run row. Default 'fasr run <file>'. */
  readonly command?: string;
}

/** What {@link runPipeline} did. */
export type PipelineResult =
  | { readonly kind: 'batch'; readonly db: string; readonly batch: BatchSummary; readonly sr: EnhanceSourcesSummary | null; readonly export: ExportReport | null }
  | { readonly kind: 'watch'; readonly db: string; readonly watch: WatchSummary }
  | { readonly kind: 'export'; readonly db: string; readonly export: ExportReport };

function resultLine(r: SourceStepResult): string {
  if (r.kind === 'skipped') return `  skipped ${r.path}: ${r.reason}`;
  const o = r.outcome;
  const figures = `frames ${o.frames}, faces ${o.faces}, tracks ${o.tracks}, ${(o.elapsedMs / 1000).toFixed(1)} s`;
  return o.status === 'done' ? `  ok      ${r.path} (${figures})` : `  FAILED  ${r.path}: ${o.reason ?? 'unknown reason'} (${figures})`;
}

function exportOptions(store: Store, spec: Readonly<PipelineExportSpec>, extraSourceIds: readonly number[] | null): ReturnType<typeof parseExportOptions> {
  const sourceIds = [...spec.sourceIds];
  for (const p of spec.sourcePaths) {
    const s = store.findSourceByPath(path.resolve(p));
    if (s === undefined) throw new InputError(`export: no source with path ${p} in ${store.file}`, { path: p, reason: 'unknown source' });
    sourceIds.push(s.id);
  }
  if (extraSourceIds !== null) sourceIds.push(...extraSourceIds);
  return parseExportOptions({
    outDir: spec.out,
    sourceIds,
    trackIds: [...spec.trackIds],
    sinceMs: spec.sinceMs,
    includeRejected: spec.includeRejected,
    maxCrops: spec.maxCrops,
    tilePx: spec.tilePx,
  });
}

function exportSummary(report: ExportReport): string {
  const enhanced = report.tracks.reduce((s, t) => s + t.enhanced, 0);
  const kept = report.tracks.reduce((s, t) => s + t.keptNative, 0);
  return `export: ${report.tracks.length} tracks (${enhanced} enhanced images, labelled synthesized${kept > 0 ? `; ${kept} native crops kept, not synthesized` : ''}) in ${report.outDir}\n  manifest: ${report.manifestCsv}`;
}

async function loadPipelineModel(spec: BatchPipeline): Promise<SrModel | null> {
  const sr = spec.sr;
  if (sr === null) return null;
  try {
    return await loadSrModel({ ...(sr.model !== null ? { model: sr.model } : {}), ...(sr.config !== null ? { config: sr.config } : {}), engine: sr.engine });
  } catch (err) {
    // Name the pipeline setting rather than only the CLI flag.
    throw new ConfigError(`${spec.file}: $.sr: ${err instanceof Error ? err.message : String(err)} (set "sr": {"model": "<file>"} in the pipeline file, or "sr": null for no SR)`, {
      file: spec.file,
    });
  }
}

async function runBatchPipeline(spec: BatchPipeline, hooks: RunPipelineHooks, log: (l: string) => void): Promise<PipelineResult> {
  // Inputs are validated and the store opened before the (slow) model loads.
  const options = parseBatchOptions({ force: spec.force, videoExtensions: spec.videoExtensions, includeHidden: spec.includeHidden, command: hooks.command ?? `fasr run ${spec.file}` });
  fs.mkdirSync(path.dirname(spec.db), { recursive: true }); // e.g. out/ for the demo
  const store = openStore(spec.db);
  try {
    const deps = await createProcessDeps(spec.process, spec.backend);
    let batch: BatchSummary;
    let sr: EnhanceSourcesSummary | null = null;
    let model: SrModel | null = null;
    try {
      // The SR model is loaded before any video is processed: a missing model fails at once.
      model = await loadPipelineModel(spec);
      log(`backend: ${deps.backend.name}; detector: ${detectorProvenance(deps)}; embedder: ${deps.embedder.id}${model !== null ? `; SR model: ${model.id} (${model.weightsPath})` : ''}; store: ${spec.db}`);
      batch = await runBatch(store, spec.inputs, options, pipelineSourceProcessor(spec.process, deps, hooks.onProgress), {
        versions: { fasr: installedPackageVersion('fasr') ?? '0.0.0', node: process.version, ...componentVersions(detectorProvenance(deps), deps.embedder.id) },
        config: JSON.parse(JSON.stringify(spec.process)) as JsonValue,
        ...(hooks.signal !== undefined ? { signal: hooks.signal } : {}),
        onSourceStart: (i, n, p) => log(`[${i + 1}/${n}] ${p}`),
        onSourceEnd: (_i, _n, r) => log(resultLine(r)),
      });
      if (batch.interruptedRunIds.length > 0) log(`closed as interrupted: run(s) ${batch.interruptedRunIds.join(', ')} of processes that no longer exist`);
      for (const r of batch.inputs) log(`input ${r.message}`);
      for (const e of batch.inputErrors) log(`input problem: ${e}`);
      const realtime = batch.elapsedMs > 0 ? batch.videoMs / batch.elapsedMs : 0;
      log(
        `sources: ${batch.results.length + batch.notStarted} (${batch.done} done, ${batch.failed} failed, ${batch.skipped} skipped${batch.stopped ? `, ${batch.notStarted} not started: stopped` : ''}); tracks: ${batch.tracks}; ` +
          `${(batch.elapsedMs / 1000).toFixed(1)} s for ${(batch.videoMs / 1000).toFixed(1)} s of video (${realtime.toFixed(2)} x realtime); run ${batch.runId} in ${spec.db}`,
      );
      if (model !== null && spec.sr !== null && hooks.signal?.aborted !== true) {
        sr = await enhanceSources(store, batchSourceIds(batch), model, spec.sr, {
          command: `${options.command} (sr)`,
          log,
          ...(hooks.signal !== undefined ? { signal: hooks.signal } : {}),
        });
        log(`SR: ${sr.enhanced} enhanced, ${sr.reused} already done, ${sr.failed.length} failed (run ${sr.runId})${sr.keptNative > 0 ? `; ${sr.keptNative} kept native (native crop at least ${spec.sr.keepNativeMinSidePx ?? 0} px, not synthesized)` : ''}`);
      }
    } finally {
      await model?.dispose();
      await closeProcessDeps(deps);
    }
    let exported: ExportReport | null = null;
    if (spec.export !== null) {
      const ids = batchSourceIds(batch);
      if (ids.length > 0) {
        exported = await exportTracks(store, exportOptions(store, spec.export, ids));
        log(exportSummary(exported));
      } else {
        log('export: nothing to export (no source of this batch has results)');
      }
    }
    return { kind: 'batch', db: spec.db, batch, sr, export: exported };
  } finally {
    store.close();
  }
}

/** The sources whose results belong to this batch: processed with results stored, or skipped as done. */
function batchSourceIds(batch: BatchSummary): number[] {
  const ids = batch.results.flatMap((r) => (r.kind === 'skipped' ? [r.doneSourceId] : r.outcome.sourceId !== null && r.outcome.resultsStored ? [r.outcome.sourceId] : []));
  return [...new Set(ids)];
}

async function runWatchPipeline(spec: WatchPipeline, hooks: RunPipelineHooks, log: (l: string) => void): Promise<PipelineResult> {
  fs.mkdirSync(path.dirname(spec.db), { recursive: true });
  const store = openStore(spec.db);
  try {
    const deps = await createProcessDeps(spec.process, spec.backend);
    try {
      log(`backend: ${deps.backend.name}; detector: ${detectorProvenance(deps)}; embedder: ${deps.embedder.id}; store: ${spec.db}`);
      const w = spec.watch;
      const watch = await runWatch(store, spec.folders, pipelineSourceProcessor(spec.process, deps, hooks.onProgress), {
        force: spec.force,
        command: hooks.command ?? `fasr run ${spec.file}`,
        versions: { fasr: installedPackageVersion('fasr') ?? '0.0.0', node: process.version, ...componentVersions(detectorProvenance(deps), deps.embedder.id) },
        config: JSON.parse(JSON.stringify(spec.process)) as JsonValue,
        watch: watchFolderOptions(w),
        ...(hooks.signal !== undefined ? { signal: hooks.signal } : {}),
        onReady: () => {
          log(`watching ${spec.folders.join(', ')} (a file is taken once unchanged for ${w.stabilityMs} ms); stop with Ctrl-C`);
          hooks.onWatchReady?.();
        },
        onFileStart: (f: ReadyFile) => log(`taking ${f.path}${f.camera !== null ? ` (camera ${f.camera})` : ''}`),
        onFileEnd: (_f, r) => log(resultLine(r)),
      });
      log(`watch stopped: ${watch.done} done, ${watch.failed} failed, ${watch.skipped} skipped, ${watch.leftQueued} left queued for the next start; run ${watch.runId} in ${spec.db}`);
      return { kind: 'watch', db: spec.db, watch };
    } finally {
      await closeProcessDeps(deps);
    }
  } finally {
    store.close();
  }
}

async function runExportPipeline(spec: ExportPipeline, log: (l: string) => void): Promise<PipelineResult> {
  if (!fs.existsSync(spec.db)) throw new InputError(`export: the store ${spec.db} does not exist (give --db, or process videos first)`, { path: spec.db, reason: 'missing store' });
  const store = openStore(spec.db);
  try {
    const report = await exportTracks(store, exportOptions(store, spec.export, null));
    log(exportSummary(report));
    return { kind: 'export', db: spec.db, export: report };
  } finally {
    store.close();
  }
}

/**
 * Runs a validated pipeline (`loadPipelineFile`): a batch (then its optional export), a watch
 * (until `hooks.signal` aborts), or an export. Creates the detector and embedder once, opens the
 * store, and closes both at the end whatever happens.
 * @throws what the steps throw for invalid arguments, a missing model or an unusable store;
 *   bad input files are recorded as failed sources, not thrown.
 */
export async function runPipeline(spec: PipelineSpec, hooks: RunPipelineHooks = {}): Promise<PipelineResult> {
  const log = hooks.log ?? ((): void => undefined);
  if (spec.kind === 'batch') return runBatchPipeline(spec, hooks, log);
  if (spec.kind === 'watch') return runWatchPipeline(spec, hooks, log);
  return runExportPipeline(spec, log);
}
