/**
 * Child process for jobs-concurrency.test.ts: claims and completes 'work' jobs until none is
 * left, then prints the claimed job ids as JSON.
 * Usage: node -r ts-node/register/transpile-only job-worker.ts <db file> <worker id> <go file>
 * It prints "ready" once the store is open and starts when <go file> exists (a start barrier, so
 * the workers really compete).
 */
import * as fs from 'node:fs';
import { openStore } from '../../../src/store';

if (require.main === module) {
  const [file, workerId, goFile] = process.argv.slice(2) as [string, string, string];
  const store = openStore(file, { busyTimeoutMs: 30_000 });
  process.stdout.write('ready\n');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (!fs.existsSync(goFile)) Atomics.wait(nap, 0, 0, 5);
  const claimed: number[] = [];
  for (;;) {
    const job = store.claimJob({ kinds: ['work'], workerId, leaseMs: 600_000 });
    if (job === null) break;
    claimed.push(job.id);
    Atomics.wait(nap, 0, 0, 3); // the "work": real jobs take time between store calls
    store.completeJob(job.id, workerId, { by: workerId });
  }
  store.close();
  process.stdout.write(`claimed ${JSON.stringify(claimed)}\n`);
}
