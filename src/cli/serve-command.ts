import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../contracts';
import { noActions, parseServeConfig, startServer, type Actions, type RunningServer } from '../serve';
import { openStore } from '../store';
import type { CliIo } from './main';

/** Options of {@link registerServeCommand} (for tests and embedding). */
export interface ServeCommandOptions {
  /** Stops the server when aborted. Default: SIGINT / SIGTERM of this process. */
  readonly signal?: AbortSignal;
  /** Called once the server listens. */
  readonly onListening?: (server: RunningServer) => void;
  /** The actions to offer. Default: the real enhance / export when this build has them. */
  readonly actions?: Actions;
}

interface ServeCliOptions {
  readonly db: string;
  readonly host: string;
  readonly port: string;
  readonly token?: string;
  readonly readOnly?: boolean;
  readonly exportDir: string;
  readonly pageSize: string;
}

/** The enhance / export implementations of this build. Neither `fasr sr` nor `fasr export` exists yet. */
export function buildActions(): Actions {
  return noActions('enhance/export not available in this build (the SR and export library functions are not part of it yet)');
}

function intOption(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new InputError(`--${name}: expected an integer in [${min}, ${max}], received ${JSON.stringify(text)}`, { option: name });
  return n;
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal !== undefined) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `fasr serve`: the review UI over a store (docs/review-ui.md). Listens on 127.0.0.1 unless told
 * otherwise; any other host requires --token (or FASR_SERVE_TOKEN). Runs until SIGINT / SIGTERM.
 */
export function registerServeCommand(program: Command, io: CliIo, options: ServeCommandOptions = {}): void {
  program
    .command('serve')
    .description('browse sources, tracks and enhanced faces of a store in a web browser (local review UI)')
    .option('--db <file>', 'SQLite store to serve (must exist)', 'fasr.sqlite')
    .option('--host <address>', 'interface to listen on; anything but loopback requires --token', '127.0.0.1')
    .option('--port <n>', 'TCP port (0: any free one)', '8470')
    .option('--token <token>', 'access token (16+ printable characters) every request must carry; default: $FASR_SERVE_TOKEN')
    .option('--read-only', 'refuse every action (enhance, export) and open the store read-only')
    .option('--export-dir <dir>', 'folder under which each export gets a new sub-folder', './fasr-exports')
    .option('--page-size <n>', 'rows per list page (1..1000)', '50')
    .action(async (opts: ServeCliOptions) => {
      const token = opts.token ?? process.env.FASR_SERVE_TOKEN ?? null;
      const config = parseServeConfig({
        host: opts.host,
        port: intOption('port', opts.port, 0, 65535),
        token: token === '' ? null : token,
        readOnly: opts.readOnly === true,
        exportDir: opts.exportDir,
        pageSize: intOption('page-size', opts.pageSize, 1, 1000),
      });
      const dbPath = path.resolve(opts.db);
      if (!fs.existsSync(dbPath)) throw new InputError(`--db: no store at ${dbPath} (create one with "fasr process")`, { option: 'db', path: dbPath });
      const store = openStore(dbPath, { readonly: config.readOnly });
      let server: RunningServer | undefined;
      try {
        const actions = options.actions ?? buildActions();
        server = await startServer(store, config, actions);
        io.out(`fasr serve: ${server.url}/ (store ${dbPath}${config.readOnly ? ', read-only' : ''})\n`);
        if (config.token !== null) io.out(`log in once with ${server.url}/?token=<your token> (or send "Authorization: Bearer <token>")\n`);
        if (actions.enhanceTrack === null || actions.exportTracks === null) io.out(`note: ${actions.unavailableReason}\n`);
        options.onListening?.(server);
        await waitForStop(options.signal);
        io.out('fasr serve: stopping\n');
      } finally {
        await server?.close();
        store.close();
      }
    });
}
