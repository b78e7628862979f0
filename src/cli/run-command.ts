import type { Command } from 'commander';
import { loadPipelineFile } from '../../pipelines';
import { runPipeline } from '../../pipelines/batch';
import type { CliIo } from './cli-io';
import { throwOnPipelineFailures } from './pipeline-failures';
import { stopOnSignals } from './stop-signals';

/**
 * `fasr run <pipeline.json>`: runs a declarative pipeline file (pipelines/*.json: batch, watch or
 * export), validated first with errors naming the file and the JSON path.
 */
export function registerRunCommand(program: Command, io: CliIo): void {
  program
    .command('run')
    .description('run a pipeline file (kind batch, watch or export; see pipelines/ and docs/batch-watch-export.md)')
    .argument('<pipeline.json>', 'the pipeline file; relative paths in it are taken from its folder')
    .action(async (file: string) => {
      const spec = loadPipelineFile(file);
      io.out(`pipeline ${spec.name} (${spec.kind})${spec.description !== '' ? `: ${spec.description}` : ''}\n`);
      const stop = stopOnSignals((sig) => io.err(`fasr: ${sig}: finishing the current source, then stopping (again to quit at once)\n`));
      try {
        const r = await runPipeline(spec, { log: (l) => io.out(`${l}\n`), signal: stop.signal, command: `fasr run ${file}` });
        if (r.kind === 'batch' && r.export !== null) io.out(`the export is in ${r.export.outDir}\n`);
        if (r.kind === 'export') io.out(`the export is in ${r.export.outDir}\n`);
        throwOnPipelineFailures(r);
      } finally {
        stop.dispose();
      }
    });
}
