import type { Command } from 'commander';
import { parsePipeline } from '../../pipelines';
import { runPipeline } from '../../pipelines/batch';
import { BACKEND_CHOICES } from '../runtime';
import type { CliIo } from './cli-io';
import { positiveInt, processSection } from './pipeline-cli-options';
import { stopOnSignals } from './stop-signals';
import { watchViaQueue } from './watch-via-queue';

interface WatchCliOptions {
  readonly db: string;
  readonly force?: boolean;
  readonly fps?: string;
  readonly backend: string;
  readonly config?: string;
  readonly stabilityMs?: string;
  readonly pollMs?: string;
  readonly polling?: boolean;
  readonly rescanMs?: string;
  readonly queue?: string;
  readonly queuePrefix: string;
}

/**
 * `fasr watch <dir...>`: processes video files as an NVR finishes writing them (nested layouts
 * such as Frigate's give the camera), queueing arrivals; a restart resumes (done files, by
 * sha256, are skipped); SIGINT/SIGTERM finish the current file and stop.
 */
export function registerWatchCommand(program: Command, io: CliIo): void {
  program
    .command('watch')
    .description('watch folders an NVR writes into and process each video once completely written; Ctrl-C stops cleanly')
    .argument('<dir...>', 'folders to watch (recursively)')
    .option('--db <file>', 'SQLite store (created if missing)', 'fasr.sqlite')
    .option('--force', 'redo files already done with the same content')
    .option('--fps <n>', 'analysis frames per second of video, in (0, 240] (default 5)')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--config <file.json>', 'process config (JSON object; the "process" section of a pipeline file)')
    .option('--stability-ms <ms>', 'a file is complete when unchanged for this long (default 5000)')
    .option('--poll-ms <ms>', 'how often settling files are checked (default 500)')
    .option('--polling', 'poll the folders instead of inotify (NFS/SMB shares)')
    .option('--rescan-ms <ms>', 'list the folders again this often to take files whose events were missed; 0: never (default 30000)')
    .option('--queue <redis-url>', 'send each file to `fasr worker`s through Redis; this process owns the store (docs/deployment.md)')
    .option('--queue-prefix <name>', "Redis key prefix of the queue (the workers' --prefix)", 'fasr')
    .action(async (folders: string[], opts: WatchCliOptions) => {
      const watch: Record<string, unknown> = {};
      if (opts.stabilityMs !== undefined) watch.stabilityMs = positiveInt('--stability-ms', opts.stabilityMs);
      if (opts.pollMs !== undefined) watch.pollIntervalMs = positiveInt('--poll-ms', opts.pollMs);
      if (opts.polling === true) watch.usePolling = true;
      if (opts.rescanMs !== undefined) watch.rescanIntervalMs = opts.rescanMs.trim() === '0' ? 0 : positiveInt('--rescan-ms', opts.rescanMs);
      const spec = parsePipeline(
        { kind: 'watch', db: opts.db, folders, force: opts.force === true, backend: opts.backend, process: processSection(opts), watch },
        '(command line)',
        process.cwd(),
      );
      const stop = stopOnSignals((sig) => io.err(`fasr: ${sig}: finishing the current file, then stopping (again to quit at once)\n`));
      try {
        if (opts.queue !== undefined) await watchViaQueue(spec, { url: opts.queue, prefix: opts.queuePrefix }, (l) => io.out(`${l}\n`), stop.signal, `fasr watch --queue ${folders.join(' ')}`);
        else await runPipeline(spec, { log: (l) => io.out(`${l}\n`), signal: stop.signal, command: `fasr watch ${folders.join(' ')}` });
      } finally {
        stop.dispose();
      }
    });
}
