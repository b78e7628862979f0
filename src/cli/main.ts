import { Command, CommanderError } from 'commander';
import { FasrError } from '../contracts';
import { fasrVersion } from '../runtime';
import { registerInfoCommand } from './info-command';
import { registerProcessCommand } from './process-command';
import { registerSrCommand } from './sr-command';
import { registerBatchCommand } from './batch-command';
import { registerWatchCommand } from './watch-command';
import { registerRunCommand } from './run-command';
import { registerExportCommand } from './export-command';
import { registerServeCommand } from './serve-command';
import { registerTrainCommand } from './train-command';
import { registerEvalCommand } from './eval-command';
import { registerWorkerCommand } from './worker-command';
import { DEFAULT_IO, type CliIo } from './cli-io';

export type { CliIo };


/** Builds the `fasr` command tree. Each subcommand lives in its own file and calls library code. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('fasr')
    .description('Face-aware super-resolution of recorded CCTV footage (FASR): enhanced, identity-preserving faces per person track.')
    .version(fasrVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError();
  registerInfoCommand(program, io);
  registerProcessCommand(program, io);
  registerSrCommand(program, io);
  registerBatchCommand(program, io);
  registerWatchCommand(program, io);
  registerRunCommand(program, io);
  registerExportCommand(program, io);
  registerServeCommand(program, io);
  registerTrainCommand(program, io);
  registerEvalCommand(program, io);
  registerWorkerCommand(program, io);
  return program;
}

/**
 * Runs the CLI and resolves to the process exit code (0 ok, 1 failure, 2 usage error).
 * Errors the project throws on purpose are printed as one clear line; others with their stack.
 */
export async function main(argv: readonly string[], io: CliIo = DEFAULT_IO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof FasrError) {
      io.err(`fasr: ${err.message}\n`);
      return 1;
    }
    io.err(`fasr: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}
