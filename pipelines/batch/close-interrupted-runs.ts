import * as os from 'node:os';
import { processAlive } from '../../src/runtime';
import type { Store } from '../../src/store';

/**
 * Marks as failed ("interrupted") the runs left `running` by a batch or watch process of this
 * host that no longer exists (killed, crashed, power loss): their config records
 * `runner: {pid, host}`. Runs of other hosts, of live processes, or without that record are left
 * alone (a reused pid only makes a dead run look alive, never the reverse).
 * @returns the ids of the runs closed.
 */
export function closeInterruptedRuns(store: Store): number[] {
  const host = os.hostname();
  const closed: number[] = [];
  for (const run of store.iterateRuns({ status: 'running', limit: 1000 })) {
    const cfg = run.config;
    const runner = typeof cfg === 'object' && cfg !== null && !Array.isArray(cfg) ? (cfg as { readonly runner?: unknown }).runner : undefined;
    if (typeof runner !== 'object' || runner === null) continue;
    const { pid, host: runHost } = runner as { pid?: unknown; host?: unknown };
    if (runHost !== host || typeof pid !== 'number' || pid === process.pid || processAlive(pid)) continue;
    store.finishRun(run.id, { status: 'failed', error: `interrupted: process ${pid} on ${host} ended without finishing the run` });
    closed.push(run.id);
  }
  return closed;
}
