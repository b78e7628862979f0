import * as path from 'node:path';
import type { ProcessConfig, ProcessSummary } from '../../pipelines';
import { FasrError, InputError } from '../contracts';
import { resolveFfmpegBinaries } from '../ingest';
import { QueueClient, parseQueueSettings, processSourcesViaQueue, queuedSrSpec, redactRedisUrl, type QueuedSrSpec } from '../../pipelines/queue';
import { initBackend } from '../runtime';
import { installedPackageVersion } from '../runtime';
import { loadSrModel } from '../sr';
import { openStore } from '../store';
import type { CliIo } from './cli-io';
import { resolveEngineOption } from './engine-option';
import { stopOnSignals } from './stop-signals';

/** The command-line options `fasr process --queue` reads. */
export interface ProcessViaQueueCliOptions {
  readonly queue?: string;
  readonly queuePrefix?: string;
  readonly backend: string;
  readonly sr?: boolean;
  readonly srModel?: string;
  readonly srSteps?: string;
  /** --sr-engine: auto (the fastest installed), onnx or tfjs; the workers run the SR jobs with it. */
  readonly srEngine?: string;
  /** --sr-keep-native-min-side, parsed (keepNativeOption); the coordinator applies it. Default 128. */
  readonly keepNativeMinSidePx?: number | null;
}

/**
 * `fasr process --queue <redis url>`: this process is the coordinator (it alone opens the store);
 * ingest (and with --sr, SR) jobs go to `fasr worker`s. Prints one line per source and SR output
 * as results come back, then the usual summary. SIGINT/SIGTERM stop waiting (the jobs stay in
 * Redis; a re-run picks up their results).
 * @param summaryText the process command's summary formatter.
 * @throws FasrError E_SOURCES_FAILED when a source failed (after printing the summary).
 */
export async function processViaQueue(
  videos: readonly string[],
  config: Readonly<ProcessConfig>,
  opts: ProcessViaQueueCliOptions,
  dbPath: string,
  io: CliIo,
  summaryText: (summary: ProcessSummary, dbPath: string) => string,
): Promise<void> {
  const settings = parseQueueSettings({ redisUrl: opts.queue, prefix: opts.queuePrefix ?? 'fasr' });
  let steps: number | undefined;
  if (opts.srSteps !== undefined) {
    steps = Number(opts.srSteps);
    if (!/^\d+$/.test(opts.srSteps.trim()) || !Number.isSafeInteger(steps) || steps < 1) throw new InputError(`--sr-steps: expected a whole number >= 1, received ${JSON.stringify(opts.srSteps)}`, { option: 'sr-steps' });
  }
  const binaries = await resolveFfmpegBinaries();
  let sr: QueuedSrSpec | null = null;
  if (opts.sr === true) {
    // The coordinator loads the model once for its sha256 (the SR jobs' identity); workers load their own copy.
    await initBackend(opts.backend);
    const modelPath = opts.srModel === undefined ? null : path.resolve(opts.srModel);
    const { engine, reason } = resolveEngineOption('sr-engine', opts.srEngine ?? 'auto');
    const model = await loadSrModel({ ...(modelPath === null ? {} : { model: modelPath }), engine });
    io.out(`sr: ${model.id} (sha256 ${model.sha256.slice(0, 12)}); engine ${engine} (${reason}) on the workers\n`);
    // the label the workers store: with no --sr-steps, the default sampler of the model's formulation
    sr = queuedSrSpec(
      { model: modelPath, config: null, engine },
      model,
      { ...(steps === undefined ? {} : { steps }), ...(opts.keepNativeMinSidePx === undefined ? {} : { keepNativeMinSidePx: opts.keepNativeMinSidePx }) },
      '--sr',
    );
    await model.dispose();
  }
  const client = await QueueClient.open(settings);
  io.out(`coordinator: queue ${redactRedisUrl(settings.redisUrl)} (prefix ${settings.prefix}); results into ${dbPath}\n`);
  const store = openStore(dbPath);
  const stop = stopOnSignals((sig) => io.err(`fasr: ${sig}: no longer waiting; queued jobs stay in Redis and a re-run picks up their results (again to quit at once)\n`));
  let summary;
  try {
    summary = await processSourcesViaQueue(store, videos, config, client, binaries, {
      command: `fasr process --queue ${videos.join(' ')}`,
      versions: { fasr: installedPackageVersion('fasr') ?? '0.0.0' },
      sr,
      signal: stop.signal,
      onSource: (index, o, receipt) => {
        const how = receipt === null ? '' : receipt.reused ? ' (result already in Redis)' : ` (worker ${((receipt.computeMs ?? 0) / 1000).toFixed(1)} s, ${receipt.attempts} tries)`;
        io.out(`[${index + 1}/${videos.length}] ${o.status === 'done' ? 'ok' : 'FAILED'} ${o.path}: ${o.status === 'done' ? `tracks ${o.tracks}, faces ${o.faces}` : (o.reason ?? '')}${how}\n`);
      },
      onSr: (trackId, how, detail) => io.out(`  SR track ${trackId}: ${how}${typeof detail === 'string' ? `: ${detail}` : ''}\n`),
    });
  } finally {
    stop.dispose();
    store.close();
    await client.close();
  }
  io.out(summaryText(summary, dbPath));
  if (opts.sr === true) io.out(`sr: ${summary.srEnhanced} enhanced, ${summary.srKeptNative > 0 ? `${summary.srKeptNative} kept native (native crop at least ${sr?.keepNativeMinSidePx ?? 0} px, not synthesized), ` : ''}${summary.srReused} already enhanced, ${summary.srFailed.length} failed\n`);
  if (summary.stopped) io.out(`stopped: ${summary.pending} sources still out; run the same command again to collect them\n`);
  if (summary.failed > 0 || summary.srFailed.length > 0) {
    throw new FasrError('E_SOURCES_FAILED', `${summary.failed} of ${videos.length} sources and ${summary.srFailed.length} SR tracks failed (reasons above; recorded in ${dbPath})`, {
      failed: summary.outcomes.filter((o) => o.status === 'failed').map((o) => o.path),
    });
  }
}
