/**
 * Runs `watchFolders` in its own Node process for the watch tests (chokidar 5 is an ES module
 * that jest's module registry cannot load; plain Node requires it). Prints one JSON line per
 * event on stdout. Never calls process.exit: the process ends by itself only when the watch
 * left no handle open, which is what the tests check.
 *
 * argv[2]: JSON {dirs, options, busyMs?, stopAfter?, probe?}
 *   options: WatchFoldersOptions (JSON-able part); busyMs: time the consumer spends per file;
 *   stopAfter: break out of the loop after this many files; probe: use probeReadyCheck.
 * Lines: {type:'ready'} | {type:'file', atMs, file} | {type:'done', atMs, path} |
 *        {type:'closed', left, stats} | {type:'error', message, code}
 */
import { resolveFfmpegBinaries, probeReadyCheck, watchFolders, type WatchFoldersOptions } from '../../../../src/ingest';

interface HarnessConfig {
  readonly dirs: string[];
  readonly options: WatchFoldersOptions;
  readonly busyMs?: number;
  readonly stopAfter?: number;
  readonly probe?: boolean;
}

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as HarnessConfig;
  const readyCheck = cfg.probe === true ? probeReadyCheck(await resolveFfmpegBinaries()) : null;
  const watch = watchFolders(cfg.dirs, { ...cfg.options, readyCheck });
  const stop = (): void => void watch.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  void watch.ready.then(() => emit({ type: 'ready' }));
  let n = 0;
  try {
    for await (const file of watch) {
      emit({ type: 'file', atMs: Date.now(), file });
      if ((cfg.busyMs ?? 0) > 0) await new Promise((r) => setTimeout(r, cfg.busyMs));
      emit({ type: 'done', atMs: Date.now(), path: file.path });
      n++;
      if (cfg.stopAfter !== undefined && n >= cfg.stopAfter) break;
    }
    const left = await watch.close();
    emit({ type: 'closed', left: left.map((f) => f.path), stats: watch.stats });
  } catch (err) {
    emit({ type: 'error', message: err instanceof Error ? err.message : String(err), code: (err as { code?: unknown }).code ?? null });
    process.exitCode = 1;
  } finally {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
  }
}

void main();
