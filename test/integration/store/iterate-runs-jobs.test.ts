import * as path from 'node:path';
import { openStore, type Store } from '../../../src/store';
import { makeTempDir } from './store-fixtures';

/** Every id of a paged list, read page by page as callers did by hand before iterateRuns/iterateJobs. */
function pagedIds(list: (afterId: number | undefined) => { items: readonly { id: number }[]; nextAfterId: number | null }): number[] {
  const ids: number[] = [];
  for (let after: number | undefined; ; ) {
    const page = list(after);
    ids.push(...page.items.map((r) => r.id));
    if (page.nextAfterId === null) return ids;
    after = page.nextAfterId;
  }
}

describe('iterateRuns and iterateJobs', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let store: Store;
  beforeEach(() => {
    tmp = makeTempDir();
    store = openStore(path.join(tmp.dir, 'store.db'));
    for (let i = 0; i < 25; i++) {
      const run = store.startRun({ command: `run ${i}`, config: {}, versions: {} });
      if (i % 3 === 0) store.finishRun(run.id, { status: 'done' });
      store.enqueueJob({ kind: i % 2 === 0 ? 'even' : 'odd', idempotencyKey: `k${i}`, payload: { i } });
    }
    store.claimJob({ kinds: ['odd'], workerId: 'w', leaseMs: 60_000 });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('give the same rows as paging the lists, with filters, a start and an odd page size', () => {
    const runIds = (q: { status?: 'running' | 'done'; afterId?: number }) => [...store.iterateRuns({ ...q, limit: 4 })].map((r) => r.id);
    expect(runIds({})).toEqual(pagedIds((after) => store.listRuns({ limit: 7, ...(after === undefined ? {} : { afterId: after }) })));
    expect(runIds({ status: 'running' })).toEqual(pagedIds((after) => store.listRuns({ status: 'running', limit: 5, ...(after === undefined ? {} : { afterId: after }) })));
    expect(runIds({ status: 'running' })).toHaveLength(16);
    expect(runIds({ afterId: 20 })).toEqual([21, 22, 23, 24, 25]);
    const jobIds = (q: { status?: 'queued' | 'running'; kind?: string }) => [...store.iterateJobs({ ...q, limit: 3 })].map((j) => j.id);
    expect(jobIds({ kind: 'even' })).toEqual(pagedIds((after) => store.listJobs({ kind: 'even', limit: 2, ...(after === undefined ? {} : { afterId: after }) })));
    expect(jobIds({ kind: 'even' })).toHaveLength(13);
    expect(jobIds({ status: 'running' })).toEqual([2]);
    expect(jobIds({ status: 'queued', kind: 'odd' })).toHaveLength(11);
  });

  it('check the query at the call, naming the iterator', () => {
    expect(() => store.iterateRuns({ status: 'paused' as 'done' })).toThrow(/^iterateRuns\.query\.status: /);
    expect(() => store.iterateJobs({ limit: 0 })).toThrow(/^iterateJobs\.query\.limit: expected .*received 0$/);
  });

  it('see rows changed while they walk, page by page (the drivers close runs and claim jobs as they go)', () => {
    const seen: number[] = [];
    for (const run of store.iterateRuns({ status: 'running', limit: 2 })) {
      seen.push(run.id);
      store.finishRun(run.id, { status: 'failed', error: 'interrupted' });
    }
    expect(seen).toHaveLength(16);
    expect([...store.iterateRuns({ status: 'running' })]).toEqual([]);
  });
});
