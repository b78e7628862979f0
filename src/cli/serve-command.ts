import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../contracts';
import { exportTracks, parseExportOptions } from '../export';
import { BACKEND_CHOICES, initBackend } from '../runtime';
import { noActions, parseServeConfig, startServer, type Actions, type RunningServer } from '../serve';
import { loadSrModel, type SrModel } from '../sr';
import type { SrEngineName } from '../sr';
import { ENGINE_OPTION_HELP, resolveEngineOption } from './engine-option';
import { SAMPLER_NAMES } from '../sr';
import { openStore, type Store } from '../store';
import type { CliIo } from './cli-io';
import { withQueueEnhance, type BuiltActions } from './serve-via-queue';

export type { BuiltActions };
import { createTrackEnhancer } from '../../pipelines';

/** Options of {@link registerServeCommand} (for tests and embedding). */
export interface ServeCommandOptions {
  /** Stops the server when aborted. Default: SIGINT / SIGTERM of this process. */
  readonly signal?: AbortSignal;
  /** Called once the server listens. */
  readonly onListening?: (server: RunningServer) => void;
  /** The actions to offer. Default: {@link buildActions} (real enhance and export). */
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
  readonly model?: string;
  readonly modelConfig?: string;
  readonly engine: string;
  readonly backend: string;
  readonly queue?: string;
  readonly queuePrefix: string;
}

/** Options of {@link buildActions}: the `fasr serve` flags that choose the SR model. */
export interface BuildActionsOptions {
  /** SR model file (`fasr sr --model`); absent: the bundled one, if any. */
  readonly model?: string;
  /** Config of a .pth checkpoint (`fasr sr --config`). */
  readonly modelConfig?: string;
  readonly engine: SrEngineName;
  /** Compute backend for the tfjs engine. */
  readonly backend: string;
}

/**
 * The real actions: export (src/export `exportTracks`, the same output as `fasr export`) and
 * enhance (src/sr `enhanceTrack` with the model loaded once). Without --model and without a
 * bundled model, enhance is unavailable with the loader's reason; a --model that cannot be
 * loaded is an error.
 */
export async function buildActions(opts: BuildActionsOptions): Promise<BuiltActions> {
  const exportAction = async (store: Store, trackIds: readonly number[], o: { readonly outDir: string }): Promise<{ outDir: string; files: string[] }> => {
    const report = await exportTracks(store, parseExportOptions({ outDir: o.outDir, trackIds: [...trackIds] }));
    const files = report.tracks.flatMap((t) => {
      const rel = path.relative(report.outDir, t.dir).split(path.sep).join('/');
      return t.files.map((f) => `${rel}/${f}`);
    });
    return { outDir: report.outDir, files: [...files, path.basename(report.manifestCsv), path.basename(report.indexJson)] };
  };
  let model: SrModel | null = null;
  let enhanceReason = '';
  try {
    if (opts.engine === 'tfjs') await initBackend(opts.backend);
    model = await loadSrModel({
      ...(opts.model === undefined ? {} : { model: opts.model }),
      ...(opts.modelConfig === undefined ? {} : { config: opts.modelConfig }),
      engine: opts.engine,
    });
  } catch (err) {
    if (opts.model !== undefined) throw err;
    enhanceReason = `no SR model: ${err instanceof Error ? err.message : String(err)}`;
  }
  const loaded = model;
  const enhance = loaded === null ? null : createTrackEnhancer(loaded);
  return {
    actions: Object.freeze({
      enhanceTrack: enhance,
      exportTracks: exportAction,
      samplers: SAMPLER_NAMES,
      unavailableReasons: Object.freeze({ enhance: enhanceReason, export: '' }),
    }),
    dispose: async () => {
      await loaded?.dispose();
    },
    notes: [
      loaded === null ? `enhance: not available (${enhanceReason})` : `enhance: model ${loaded.id} (sha256 ${loaded.sha256.slice(0, 12)}, ${loaded.config.imageSize}x${loaded.config.imageSize}), engine ${loaded.engine} on ${loaded.backend}`,
      'export: src/export (same output as fasr export)',
    ],
  };
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
 * otherwise; any other host requires --token (or FASR_SERVE_TOKEN). Enhance uses the SR model of
 * --model (or the bundled one); export writes under --export-dir. Runs until SIGINT / SIGTERM.
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
    .option('--model <file>', "SR model for enhance (as fasr sr --model); default: the bundled one; none: enhance unavailable")
    .option('--model-config <preset|file.json>', "config of a .pth checkpoint (as fasr sr --config)")
    .option('--engine <name>', ENGINE_OPTION_HELP, 'auto')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--queue <redis-url>', 'enhance through `fasr worker`s on Redis instead of in this process (docs/deployment.md)')
    .option('--queue-prefix <name>', "Redis key prefix of the queue (the workers' --prefix)", 'fasr')
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
      const { engine } = resolveEngineOption('engine', opts.engine);
      // Read-only refuses every action: nothing to load.
      const local: BuiltActions =
        options.actions !== undefined
          ? { actions: options.actions, dispose: async () => undefined, notes: [] }
          : config.readOnly
            ? { actions: noActions('read-only mode'), dispose: async () => undefined, notes: ['read-only: enhance and export are refused'] }
            : await buildActions({ engine, backend: opts.backend, ...(opts.model === undefined ? {} : { model: opts.model }), ...(opts.modelConfig === undefined ? {} : { modelConfig: opts.modelConfig }) });
      const built = opts.queue === undefined || options.actions !== undefined ? local : await withQueueEnhance(local, { ...opts, queue: opts.queue, engine });
      let store: Store | undefined;
      let server: RunningServer | undefined;
      try {
        store = openStore(dbPath, { readonly: config.readOnly });
        server = await startServer(store, config, built.actions);
        io.out(`fasr serve: ${server.url}/ (store ${dbPath}${config.readOnly ? ', read-only' : ''})\n`);
        if (config.token !== null) io.out(`log in once with ${server.url}/?token=<your token> (or send "Authorization: Bearer <token>")\n`);
        for (const note of built.notes) io.out(`${note}\n`);
        options.onListening?.(server);
        await waitForStop(options.signal);
        io.out('fasr serve: stopping\n');
      } finally {
        await server?.close();
        store?.close();
        await built.dispose();
      }
    });
}
