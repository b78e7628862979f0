/**
 * Runs the fasr CLI from the TypeScript sources in a child process (spawned with
 * `node -r ts-node/register/transpile-only`): the scale-out test needs worker processes it can kill.
 */
import { main } from '../../../src/cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`cli-entry: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
