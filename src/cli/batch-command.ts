import type { Command } from 'commander';
import { parsePipeline } from '../../pipelines';
import { runPipeline } from '../../pipelines/batch';
import { BACKEND_CHOICES } from '../runtime';
import type { CliIo } from './cli-io';
import { positiveInt, processSection } from './pipeline-cli-options';
import { ENGINE_OPTION_HELP, resolveEngineOption } from './engine-option';
import { InputError } from '../contracts';
import { KEEP_NATIVE_OPTION_HELP, keepNativeOption } from './keep-native-option';
import { throwOnPipelineFailures } from './pipeline-failures';
import { stopOnSignals } from './stop-signals';

interface BatchCliOptions {
  readonly db: string;
  readonly force?: boolean;
  readonly fps?: string;
  readonly backend: string;
  readonly config?: string;
  readonly export?: string;
  readonly sr?: boolean;
  readonly model?: string;
  readonly srSteps?: string;
  readonly srEngine: string;
  readonly srKeepNativeMinSide?: string;
  readonly seed?: string;
}

/**
 * `fasr batch <input...>`: a night's batch over files, directories (recursive) and globs, one run
 * row, a status per source; done sources (same sha256) are skipped unless --force; failures are
 * recorded and the batch goes on; Ctrl-C stops after the current source. Exit code 1 when a
 * source failed.
 */
export function registerBatchCommand(program: Command, io: CliIo): void {
  program
    .command('batch')
    .description('process many videos (files, directories, globs) into the store, skipping those already done; crash-safe')
    .argument('<input...>', 'video files, directories (searched recursively) or globs (quote them)')
    .option('--db <file>', 'SQLite store (created if missing)', 'fasr.sqlite')
    .option('--force', 'redo sources already done with the same content')
    .option('--fps <n>', 'analysis frames per second of video, in (0, 240] (default 5)')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--config <file.json>', 'process config (JSON object; the "process" section of a pipeline file)')
    .option('--sr', 'enhance every ok track of these sources (the bundled model unless --model)')
    .option('--model <file>', "SR model for --sr: a fasr model (model.json/.safetensors) or the authors' .pth")
    .option('--sr-steps <n>', "sampler steps for --sr (default: the sampler's)")
    .option('--sr-engine <name>', `${ENGINE_OPTION_HELP}, for --sr`, 'auto')
    .option('--sr-keep-native-min-side <px>', `for --sr: ${KEEP_NATIVE_OPTION_HELP}`)
    .option('--seed <n>', 'noise seed for --sr (default 0)')
    .option('--export <dir>', 'export the tracks of these sources into <dir> afterwards (after --sr)')
    .action(async (inputs: string[], opts: BatchCliOptions) => {
      if (opts.srKeepNativeMinSide !== undefined && opts.sr !== true && opts.model === undefined) {
        throw new InputError('--sr-keep-native-min-side: applies to --sr only', { option: 'sr-keep-native-min-side' });
      }
      const spec = parsePipeline(
        {
          kind: 'batch',
          db: opts.db,
          inputs,
          force: opts.force === true,
          backend: opts.backend,
          process: processSection(opts),
          sr:
            opts.sr === true || opts.model !== undefined
              ? {
                  model: opts.model ?? null,
                  engine: resolveEngineOption('sr-engine', opts.srEngine).engine,
                  ...(opts.srSteps !== undefined ? { steps: positiveInt('--sr-steps', opts.srSteps) } : {}),
                  ...(opts.srKeepNativeMinSide !== undefined ? { keepNativeMinSidePx: keepNativeOption('sr-keep-native-min-side', opts.srKeepNativeMinSide) } : {}),
                  ...(opts.seed !== undefined ? { seed: /^0+$/.test(opts.seed.trim()) ? 0 : positiveInt('--seed', opts.seed) } : {}),
                }
              : null,
          export: opts.export === undefined ? null : { out: opts.export },
        },
        '(command line)',
        process.cwd(),
      );
      const stop = stopOnSignals((sig) => io.err(`fasr: ${sig}: finishing the current source, then stopping (again to quit at once)\n`));
      try {
        const r = await runPipeline(spec, { log: (l) => io.out(`${l}\n`), signal: stop.signal, command: `fasr batch ${inputs.join(' ')}` });
        throwOnPipelineFailures(r);
      } finally {
        stop.dispose();
      }
    });
}
