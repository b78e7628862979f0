import { Worker } from 'node:worker_threads';

// Under ts-node or jest the module is TypeScript: the thread registers ts-node before requiring it.
const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.file.endsWith('.ts')) require(workerData.tsNode).register({ transpileOnly: true, compilerOptions: { module: 'commonjs' } });
require(workerData.file);
`;

/**
 * Starts a worker thread that requires the module `file` (a `.js` file of dist, or a `.ts` file
 * under ts-node or jest, which the thread registers ts-node for) with `data` as its `workerData`
 * (plus `file` and `tsNode`). The module serves the thread when it sees its own marker in `data`.
 */
export function startModuleThread(file: string, data: Readonly<Record<string, unknown>>): Worker {
  return new Worker(BOOT, { eval: true, workerData: { ...data, file, tsNode: file.endsWith('.ts') ? require.resolve('ts-node') : '' }, execArgv: [] });
}
