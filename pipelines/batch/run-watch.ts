import * as os from 'node:os';
import { InputError } from '../../src/contracts';
import { watchFolders, type ReadyFile, type WatchFoldersOptions } from '../../src/ingest';
import type { WatchPipeline } from '../pipeline-file';
import type { JsonValue, Store } from '../../src/store';
import type { SourceProcessor } from './source-processor';
import { runSourceStep, type SourceStepResult } from './source-step';
import { closeInterruptedRuns } from './close-interrupted-runs';
import { failedSourcesProblem, withRun } from '../with-run';

/** A watch pipeline's folder settings as {@link runWatch} passes them to watchFolders (in-process and `--queue` alike). */
export function watchFolderOptions(w: WatchPipeline['watch']): Omit<WatchFoldersOptions, 'signal'> {
  return {
    stabilityMs: w.stabilityMs,
    pollIntervalMs: w.pollIntervalMs,
    usePolling: w.usePolling,
    includeExisting: w.includeExisting,
    depth: w.depth,
    rescanIntervalMs: w.rescanIntervalMs,
    ...(w.videoExtensions !== null ? { videoExtensions: w.videoExtensions } : {}),
  };
}

/** Options of {@link runWatch}. */
export interface RunWatchOptions {
  /** Passed to `watchFolders` (stability window, polling, layouts, ...); its `signal` is set by runWatch. */
  readonly watch?: Omit<WatchFoldersOptions, 'signal'>;
  /** Redo files already done with the same content hash. Default false. */
  readonly force?: boolean;
  /** Stops the watch cleanly: no new file is started; the one being processed is finished. */
  readonly signal?: AbortSignal;
  /** What the run row records as its command. Default 'fasr watch'. */
  readonly command?: string;
  readonly versions?: Readonly<Record<string, string>>;
  readonly config?: JsonValue;
  /** Called when a file is taken from the queue. Must not throw. */
  readonly onFileStart?: (file: ReadyFile) => void;
  /** Called after each file. Must not throw. */
  readonly onFileEnd?: (file: ReadyFile, result: SourceStepResult) => void;
  /** Called once the initial scan of the folders is done. Must not throw. */
  readonly onReady?: () => void;
}

/** What a watch did, once stopped. */
export interface WatchSummary {
  readonly runId: number;
  readonly results: readonly SourceStepResult[];
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  /** Ready files still queued when the watch stopped (taken again on the next start). */
  readonly leftQueued: number;
}

const OPTION_KEYS = ['watch', 'force', 'signal', 'command', 'versions', 'config', 'onFileStart', 'onFileEnd', 'onReady'];

/**
 * Watches folders an NVR writes into (`watchFolders`: a file is taken only once its size and
 * mtime have settled, nested layouts give the camera name, files arriving meanwhile wait in a
 * queue) and takes each ready file through `runSourceStep` (skip when done with the same
 * sha256, else process and store in one transaction). Runs until `signal` aborts or the watcher
 * fails; then the current file is finished (never half-written: its results and `done` are one
 * transaction), the watch closes, and the run row is finished. A restart emits the existing files
 * again and skips those done.
 *
 * A file the ready check never accepted is processed anyway; the processor records why it fails.
 * @throws InputError for invalid arguments; FasrError 'E_WATCH' when the watcher fails (the run row is then failed).
 */
export async function runWatch(store: Store, folders: readonly string[], processor: SourceProcessor, options: RunWatchOptions = {}): Promise<WatchSummary> {
  if (!Array.isArray(folders) || folders.length === 0) throw new InputError('runWatch: give at least one folder to watch', { option: 'folders' });
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw new InputError(`runWatch: unknown option "${key}"; valid options: ${OPTION_KEYS.join(', ')}`, { option: key });
  }
  const force = options.force ?? false;
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted === true) stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const watch = watchFolders(folders, { ...(options.watch ?? {}), signal: stop.signal });
  closeInterruptedRuns(store);
  const start = {
    command: options.command ?? 'fasr watch',
    config: { folders: [...watch.roots], force, process: options.config ?? null, runner: { pid: process.pid, host: os.hostname() } },
    versions: { ...(options.versions ?? {}) },
  };
  void watch.ready.then(() => options.onReady?.());
  return withRun(store, start, async (runId) => {
    const results: SourceStepResult[] = [];
    try {
      for await (const file of watch) {
        options.onFileStart?.(file);
        const r = await runSourceStep(store, { path: file.path, camera: file.camera, recordedAtMs: file.layout?.startUtcMs ?? null }, processor, { force, runId });
        results.push(r);
        options.onFileEnd?.(file, r);
        if (stop.signal.aborted) break;
      }
    } catch (err) {
      await watch.close();
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const left = await watch.close();
    const failed = results.filter((r) => r.kind === 'processed' && r.outcome.status === 'failed');
    return {
      result: Object.freeze({
        runId,
        results: Object.freeze(results),
        done: results.filter((r) => r.kind === 'processed' && r.outcome.status === 'done').length,
        failed: failed.length,
        skipped: results.filter((r) => r.kind === 'skipped').length,
        leftQueued: left.length,
      }),
      problems: failedSourcesProblem(failed.map((r) => r.path), null),
    };
  });
}
