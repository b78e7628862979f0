/**
 * Runs `watchFolders` in its own Node process for the watch tests (chokidar 5 is an ES module
 * that jest's module registry cannot load; plain Node requires it). Prints one JSON line per
 * event on stdout. Never calls process.exit: the process ends by itself only when the watch
 * left no handle open, which is what the tests check.
 *
 * argv[2]: JSON {dirs, options, busyMs?, stopAfter?, probe?}
 *   options: WatchFoldersOptions (JSON-able part); busyMs: time the consumer spends per file;
 *   stopAfter: break out of the loop after this many files; probe: use probeReadyCheck;
 *   holdAttach: a folder-name prefix: the OS watcher (fs.watch) of a folder with such a name is
 *   not attached until the harness gets SIGUSR2 (see holdAttachOf below).
 * Lines: {type:'ready'} | {type:'file', atMs, file} | {type:'done', atMs, path} |
 *        {type:'closed', left, stats} | {type:'error', message, code} |
 *        {type:'attach-held', dir} | {type:'attach-released', dir}
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';
import { resolveFfmpegBinaries, probeReadyCheck, watchFolders, type WatchFoldersOptions } from '../../../../src/ingest';

interface HarnessConfig {
  readonly dirs: string[];
  readonly options: WatchFoldersOptions;
  readonly busyMs?: number;
  readonly stopAfter?: number;
  readonly probe?: boolean;
  readonly holdAttach?: string;
}

function emit(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/**
 * The race of the "Known gap" (docs/watch-folders.md), made deterministic: chokidar lists a new
 * folder, then attaches its fs.watch; a file renamed in between raises no event. Here fs.watch
 * (which chokidar imports from node:fs; syncBuiltinESMExports makes its ES-module binding see the
 * wrapper) hands back a stand-in for folders named `prefix*`, and attaches the real watcher only
 * on SIGUSR2: whatever lands in such a folder before that raises no event, exactly as in the race.
 */
function holdAttachOf(prefix: string): void {
  const realWatch = fs.watch;
  const held: { target: string; args: unknown[]; proxy: EventEmitter & { closed: boolean } }[] = [];
  const wrapper = function (this: unknown, target: fs.PathLike, ...args: unknown[]): fs.FSWatcher {
    const p = String(target);
    if (!path.basename(p).startsWith(prefix)) return (realWatch as (...a: unknown[]) => fs.FSWatcher)(target, ...args);
    const proxy = Object.assign(new EventEmitter(), { closed: false });
    let real: fs.FSWatcher | null = null;
    Object.assign(proxy, {
      close: () => {
        proxy.closed = true;
        real?.close();
      },
      ref: () => proxy,
      unref: () => proxy,
      attach: () => {
        if (proxy.closed) return;
        real = (realWatch as (...a: unknown[]) => fs.FSWatcher)(target, ...args);
        real.on('error', (e) => proxy.emit('error', e));
        emit({ type: 'attach-released', dir: p });
      },
    });
    held.push({ target: p, args, proxy });
    emit({ type: 'attach-held', dir: p });
    return proxy as unknown as fs.FSWatcher;
  };
  // The CommonJS module object itself (a TS namespace import only has getters).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fsModule = require('node:fs') as { watch: unknown };
  fsModule.watch = wrapper;
  syncBuiltinESMExports();
  process.on('SIGUSR2', () => {
    for (const h of held.splice(0)) (h.proxy as unknown as { attach: () => void }).attach();
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as HarnessConfig;
  if (cfg.holdAttach !== undefined) holdAttachOf(cfg.holdAttach);
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
