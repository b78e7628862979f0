/** Runs the fasr CLI from the TypeScript sources (the e2e test spawns it like a user would run `fasr`). */
import { main } from '../../../src/cli/main';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
