import type { Command } from 'commander';
import { InputError } from '../contracts';
import { QueueClient, WORKER_ROLES, parsePathMap, parseQueueSettings, redactRedisUrl, startQueueWorker, type WorkerRole } from '../../pipelines/queue';
import { BACKEND_CHOICES } from '../runtime';
import type { CliIo } from './cli-io';
import { positiveInt } from './pipeline-cli-options';
import { stopOnSignals } from './stop-signals';

interface WorkerCliOptions {
  readonly redis: string;
  readonly role: string;
  readonly concurrency: string;
  readonly backend: string;
  readonly prefix: string;
  readonly pathMap?: string[];
  readonly lockMs: string;
  readonly stalledMs: string;
  readonly ingestSlots?: string;
  readonly srSlots?: string;
}

/**
 * `fasr worker --redis <url>`: a stateless worker for `fasr process|watch|serve --queue`. Takes
 * ingest and/or SR jobs from Redis, computes, and sends the results back to the coordinator (it
 * never opens the store). SIGINT/SIGTERM: stop taking jobs and finish the running ones; a second
 * signal quits at once (the running jobs' locks lapse and other workers take them).
 */
export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run a stateless queue worker (ingest and/or SR jobs from Redis) for a coordinator started with --queue; see docs/deployment.md')
    .requiredOption('--redis <url>', 'Redis URL: redis://[user:password@]host:port[/db], or rediss:// for TLS')
    .option('--role <role>', `which jobs to take: ${WORKER_ROLES.join(' | ')}`, 'all')
    .option('--concurrency <n>', 'jobs at once per role in this process (one process per core scales better on wasm)', '1')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--prefix <name>', "Redis key prefix (the coordinator's --queue-prefix)", 'fasr')
    .option('--path-map <from=to...>', "rewrite the coordinator's footage paths to this machine's, e.g. /srv/nvr=/mnt/nvr")
    .option('--lock-ms <ms>', 'job lock; a dead worker loses its job after about this long plus --stalled-ms', '30000')
    .option('--stalled-ms <ms>', 'how often to look for jobs of dead workers', '30000')
    .option('--ingest-slots <n>', 'set the global limit of ingest jobs running at once over all workers (kept in Redis)')
    .option('--sr-slots <n>', 'set the global limit of SR jobs running at once over all workers, e.g. the GPU count (kept in Redis)')
    .action(async (opts: WorkerCliOptions) => {
      if (!(WORKER_ROLES as readonly string[]).includes(opts.role)) {
        throw new InputError(`--role: expected one of ${WORKER_ROLES.join(', ')}, received ${JSON.stringify(opts.role)}`, { option: 'role' });
      }
      const settings = parseQueueSettings({
        redisUrl: opts.redis,
        prefix: opts.prefix,
        ...(opts.ingestSlots === undefined ? {} : { ingestSlots: positiveInt('--ingest-slots', opts.ingestSlots) }),
        ...(opts.srSlots === undefined ? {} : { srSlots: positiveInt('--sr-slots', opts.srSlots) }),
      });
      if (settings.ingestSlots !== null || settings.srSlots !== null) {
        // Global concurrency is a property of the queue in Redis; opening a client sets it.
        await (await QueueClient.open(settings)).close();
      }
      const handle = await startQueueWorker(settings, {
        role: opts.role as WorkerRole,
        concurrency: positiveInt('--concurrency', opts.concurrency),
        backend: opts.backend,
        pathMap: parsePathMap(opts.pathMap ?? []),
        lockDurationMs: positiveInt('--lock-ms', opts.lockMs),
        stalledIntervalMs: positiveInt('--stalled-ms', opts.stalledMs),
        onEvent: (e) => {
          const at = `${e.queue} job ${e.jobId} (try ${e.attempt})`;
          if (e.kind === 'active') io.out(`start ${at}\n`);
          else if (e.kind === 'completed') io.out(`done ${at} in ${e.ms ?? 0} ms, result ${e.resultBytes ?? 0} bytes\n`);
          else io.err(`FAILED ${at}: ${e.error ?? 'unknown reason'}\n`);
        },
      });
      io.out(`worker ${handle.name}: role ${handle.role}, waiting for jobs on ${redactRedisUrl(settings.redisUrl)} (prefix ${settings.prefix})\n`);
      const stop = stopOnSignals((sig) => io.err(`fasr worker: ${sig}: finishing the running jobs, then stopping (again to quit at once)\n`));
      try {
        await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
        await handle.close();
        io.out('worker stopped\n');
      } finally {
        stop.dispose();
      }
    });
}
