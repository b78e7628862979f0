import type { Command } from 'commander';
import { parsePipeline } from '../../pipelines';
import { runPipeline } from '../../pipelines/batch';
import { InputError } from '../contracts';
import type { CliIo } from './cli-io';
import { positiveInt } from './pipeline-cli-options';

interface ExportCliOptions {
  readonly out: string;
  readonly db: string;
  readonly source: string[];
  readonly track: string[];
  readonly since?: string;
  readonly includeRejected?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `fasr export --out <dir> [--source id|path ...] [--track id ...] [--since time] [--db]`: a folder
 * per track with the enhanced faces (labelled synthesized), LR_0, the crops that formed F_M, a
 * contact sheet and manifests with provenance.
 */
export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('export stored tracks: enhanced faces (labelled synthesized), LR_0, F_M crops, contact sheet, manifest with provenance')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .option('--db <file>', 'SQLite store', 'fasr.sqlite')
    .option('--source <id|path>', 'only tracks of this source (repeatable)', collect, [])
    .option('--track <id>', 'only this track (repeatable)', collect, [])
    .option('--since <time>', 'only tracks seen at or after this wall-clock time (ISO 8601 with zone, e.g. 2024-01-15T08:00:00Z)')
    .option('--include-rejected', 'also export tracks the pipeline rejected')
    .action(async (opts: ExportCliOptions) => {
      const sources = opts.source.map((s) => (/^\d+$/.test(s) ? positiveInt('--source', s) : s));
      const tracks = opts.track.map((t) => positiveInt('--track', t));
      if (opts.since !== undefined && !Number.isFinite(Date.parse(opts.since))) {
        throw new InputError(`--since: expected an ISO 8601 time with a zone (e.g. 2024-01-15T08:00:00Z), received ${JSON.stringify(opts.since)}`, { option: 'since' });
      }
      const spec = parsePipeline(
        { kind: 'export', db: opts.db, out: opts.out, sources, tracks, since: opts.since ?? null, includeRejected: opts.includeRejected === true },
        '(command line)',
        process.cwd(),
      );
      const r = await runPipeline(spec, { log: (l) => io.out(`${l}\n`) });
      if (r.kind === 'export') io.out(`the export is in ${r.export.outDir}\n`);
    });
}
