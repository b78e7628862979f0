/**
 * Runs the fasr CLI from the TypeScript sources in a child process (the tests spawn it with
 * `node -r ts-node/register/transpile-only`): watchers need plain Node (chokidar is an ES module
 * jest cannot load), and the crash test needs a process it can kill.
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
