/** Store methods of the `runs` table: one invocation of the pipeline (its command, config and versions). */
import { StoreError } from '../../contracts';
import { toRunRow, type RunRaw } from '../row-mappers';
import { RUN_STATUSES, type FinishRunInput, type ListRunsQuery, type Page, type RunRow, type StartRunInput } from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { iteratePages, pageCursor, readPage, type PageCursor, type PagedQuery } from './list-page';

const START_RUN_KEYS = ['command', 'config', 'versions'] as const;
const FINISH_RUN_KEYS = ['status', 'error'] as const;
const LIST_RUNS_KEYS = ['status', 'afterId', 'limit'] as const;

function runRow(core: StoreCore, where: string, id: number): RunRow {
  return toRunRow(core.rowById<RunRaw>(where, 'SELECT * FROM runs WHERE id = ?', id, 'run', 'runId'));
}

/** @throws StoreError "no run with id" unless `runId` is null or names a run. */
export function requireRun(core: StoreCore, where: string, runId: number | null): void {
  if (runId !== null) core.rowById<{ id: number }>(where, 'SELECT id FROM runs WHERE id = ?', runId, 'run', 'runId');
}

export function startRun(core: StoreCore, input: StartRunInput): RunRow {
  const where = 'startRun';
  const a: ArgCheck = new ArgCheck(where);
  const o = a.object('input', input, START_RUN_KEYS);
  const command = a.string('input.command', o.command, 16384);
  const config = a.json('input.config', o.config);
  const versions = a.record('input.versions', o.versions);
  for (const [k, v] of Object.entries(versions)) a.string(`input.versions.${k}`, v, 1024);
  const versionsJson = a.json('input.versions', versions);
  return core.guard(where, () => {
    const id = core.db
      .prepare("INSERT INTO runs (command, config_json, versions_json, status, started_at_ms) VALUES (?, ?, ?, 'running', ?)")
      .run(command, config, versionsJson, core.clock()).lastInsertRowid;
    return runRow(core, where, Number(id));
  });
}

export function finishRun(core: StoreCore, runId: number, input: FinishRunInput): RunRow {
  const where = 'finishRun';
  const a: ArgCheck = new ArgCheck(where);
  const id = a.id('runId', runId);
  const o = a.object('input', input, FINISH_RUN_KEYS);
  const status = a.oneOf('input.status', o.status, ['done', 'failed'] as const);
  let error: string | null = null;
  if (status === 'failed') error = a.string('input.error', o.error, 16384);
  else if (o.error !== undefined && o.error !== null) a.fail('input.error', "null or absent when status is 'done'", o.error);
  return core.guard(where, () =>
    core.write(() => {
      const old = runRow(core, where, id);
      if (old.status !== 'running') {
        throw new StoreError(`${where}: run ${id} is '${old.status}', expected 'running'`, { method: where, runId: id });
      }
      core.db.prepare('UPDATE runs SET status = ?, error = ?, finished_at_ms = ? WHERE id = ?').run(status, error, core.clock(), id);
      return runRow(core, where, id);
    }),
  );
}

export function getRun(core: StoreCore, runId: number): RunRow {
  const id = new ArgCheck('getRun').id('runId', runId);
  return core.guard('getRun', () => runRow(core, 'getRun', id));
}

function runQuery(where: string, query: ListRunsQuery | undefined): { readonly paged: PagedQuery; readonly cursor: PageCursor } {
  const a: ArgCheck = new ArgCheck(where);
  const q = a.optionalObject('query', query, LIST_RUNS_KEYS);
  const status = q.status === undefined ? undefined : a.oneOf('query.status', q.status, RUN_STATUSES);
  const cursor = pageCursor(a, q);
  return { paged: { select: 'SELECT * FROM runs', idColumn: 'id', filters: { status: ['status = @status', status] } }, cursor };
}

export function listRuns(core: StoreCore, query?: ListRunsQuery): Page<RunRow> {
  const { paged, cursor } = runQuery('listRuns', query);
  return readPage(core, 'listRuns', paged, cursor, toRunRow);
}

/** Every run `query` selects after `query.afterId`, in id order, read `query.limit` at a time (the query is checked now). */
export function iterateRuns(core: StoreCore, query?: ListRunsQuery): IterableIterator<RunRow> {
  const { paged, cursor } = runQuery('iterateRuns', query);
  return iteratePages(core, 'iterateRuns', paged, cursor, toRunRow);
}
