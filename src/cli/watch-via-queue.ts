import type { PipelineSpec } from '../../pipelines';
import { runWatch, watchFolderOptions } from '../../pipelines/batch';
import { FasrError } from '../contracts';
import { resolveFfmpegBinaries } from '../ingest';
import { QueueClient, parseQueueSettings, queueSourceProcessor, redactRedisUrl } from '../../pipelines/queue';
import { installedPackageVersion } from '../runtime';
import { openStore, type JsonValue } from '../store';

/**
 * `fasr watch --queue <redis url>`: the watch (settling, layouts, skip of done content, one run
 * row) runs here as the coordinator and owner of the store; each ready file's ingest job goes to
 * `fasr worker`s (queueSourceProcessor). Files are taken one at a time, as in-process; the
 * current one is finished when the watch is stopped.
 * @throws FasrError E_QUEUE_CONNECT when Redis cannot be reached.
 */
export async function watchViaQueue(spec: PipelineSpec, queue: { readonly url: string; readonly prefix: string }, log: (line: string) => void, signal: AbortSignal, command: string): Promise<void> {
  if (spec.kind !== 'watch') throw new FasrError('E_PIPELINE', `watchViaQueue: expected a watch pipeline, received ${spec.kind}`);
  const settings = parseQueueSettings({ redisUrl: queue.url, prefix: queue.prefix });
  const binaries = await resolveFfmpegBinaries();
  const client = await QueueClient.open(settings);
  const store = openStore(spec.db);
  try {
    log(`coordinator: queue ${redactRedisUrl(settings.redisUrl)} (prefix ${settings.prefix}); store ${spec.db}`);
    const w = spec.watch;
    const summary = await runWatch(store, spec.folders, queueSourceProcessor(client, spec.process, binaries), {
      force: spec.force,
      command,
      versions: { fasr: installedPackageVersion('fasr') ?? '0.0.0', node: process.version, executor: 'bullmq' },
      config: JSON.parse(JSON.stringify(spec.process)) as JsonValue,
      watch: watchFolderOptions(w),
      signal,
      onReady: () => log(`watching ${spec.folders.join(', ')} (a file is taken once unchanged for ${w.stabilityMs} ms); stop with Ctrl-C`),
      onFileStart: (f) => log(`queued ${f.path}${f.camera !== null ? ` (camera ${f.camera})` : ''}`),
      onFileEnd: (_f, r) =>
        log(r.kind === 'skipped' ? `  skipped ${r.path}: ${r.reason}` : r.outcome.status === 'done' ? `  ok      ${r.path} (tracks ${r.outcome.tracks})` : `  FAILED  ${r.path}: ${r.outcome.reason ?? 'unknown reason'}`),
    });
    log(`watch stopped: ${summary.done} done, ${summary.failed} failed, ${summary.skipped} skipped, ${summary.leftQueued} left queued for the next start; run ${summary.runId} in ${spec.db}`);
  } finally {
    store.close();
    await client.close();
  }
}
