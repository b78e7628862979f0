/**
 * Store methods of the `jobs` table: the durable task queue the review server's task runner
 * (src/serve/task-runner.ts) enqueues into and claims from, with leases, retries and idempotency keys.
 */
import { StoreError } from '../../contracts';
import { toJobRow, type JobRaw } from '../row-mappers';
import {
  JOB_STATUSES,
  type ClaimJobInput,
  type EnqueueJobInput,
  type EnqueueJobResult,
  type FailJobOptions,
  type JobRow,
  type JobStatus,
  type JsonValue,
  type ListJobsQuery,
  type Page,
} from '../store';
import type { StoreCore } from '../store-core';
import { ArgCheck } from '../validate';
import { countByStatus, iteratePages, pageCursor, readPage, type PageCursor, type PagedQuery } from './list-page';

const ENQUEUE_KEYS = ['kind', 'idempotencyKey', 'payload', 'maxAttempts'] as const;
const CLAIM_KEYS = ['kinds', 'workerId', 'leaseMs'] as const;
const FAIL_JOB_KEYS = ['retry'] as const;
const LIST_JOBS_KEYS = ['status', 'kind', 'afterId', 'limit'] as const;

function jobRaw(core: StoreCore, where: string, id: number): JobRaw {
  return core.rowById<JobRaw>(where, 'SELECT * FROM jobs WHERE id = ?', id, 'job', 'jobId');
}

/** The job, checked to be running and held by `workerId`. */
function heldJob(core: StoreCore, where: string, jobId: number, workerId: string): JobRaw {
  const job = jobRaw(core, where, jobId);
  if (job.status !== 'running' || job.worker_id !== workerId) {
    throw new StoreError(
      `${where}: job ${jobId} is not held by worker ${JSON.stringify(workerId)} (status '${job.status}', worker ${JSON.stringify(job.worker_id)})`,
      { method: where, jobId, status: job.status, workerId: job.worker_id },
    );
  }
  return job;
}

function jobQuery(where: string, query: ListJobsQuery | undefined): { readonly paged: PagedQuery; readonly cursor: PageCursor } {
  const a: ArgCheck = new ArgCheck(where);
  const q = a.optionalObject('query', query, LIST_JOBS_KEYS);
  const status = q.status === undefined ? undefined : a.oneOf('query.status', q.status, JOB_STATUSES);
  const kind = q.kind === undefined ? undefined : a.string('query.kind', q.kind, 256);
  const cursor = pageCursor(a, q);
  const filters = { status: ['status = @status', status], kind: ['kind = @kind', kind] } as const;
  return { paged: { select: 'SELECT * FROM jobs', idColumn: 'id', filters }, cursor };
}

export function listJobs(core: StoreCore, query?: ListJobsQuery): Page<JobRow> {
  const { paged, cursor } = jobQuery('listJobs', query);
  return readPage(core, 'listJobs', paged, cursor, toJobRow);
}

/** Every job `query` selects after `query.afterId`, in id order, read `query.limit` at a time (the query is checked now). */
export function iterateJobs(core: StoreCore, query?: ListJobsQuery): IterableIterator<JobRow> {
  const { paged, cursor } = jobQuery('iterateJobs', query);
  return iteratePages(core, 'iterateJobs', paged, cursor, toJobRow);
}

export function countJobsByStatus(core: StoreCore): Readonly<Record<JobStatus, number>> {
  return countByStatus(core, 'countJobsByStatus', 'jobs', JOB_STATUSES);
}

export function enqueueJob(core: StoreCore, input: EnqueueJobInput): EnqueueJobResult {
  const where = 'enqueueJob';
  const a: ArgCheck = new ArgCheck(where);
  const o = a.object('input', input, ENQUEUE_KEYS);
  const kind = a.string('input.kind', o.kind, 64);
  const key = a.string('input.idempotencyKey', o.idempotencyKey, 1024);
  const payload = a.json('input.payload', o.payload);
  const maxAttempts = o.maxAttempts === undefined ? 3 : a.int('input.maxAttempts', o.maxAttempts, 1, 100);
  return core.guard(where, () =>
    core.write(() => {
      const old = core.db.prepare<[string], JobRaw>('SELECT * FROM jobs WHERE idempotency_key = ?').get(key);
      if (old !== undefined) {
        if (old.kind !== kind || old.payload_json !== payload) {
          throw new StoreError(
            `${where}: idempotency key ${JSON.stringify(key)} already names job ${old.id} of kind '${old.kind}' with a different ${old.kind !== kind ? 'kind' : 'payload'}`,
            { method: where, jobId: old.id },
          );
        }
        return Object.freeze({ job: toJobRow(old), created: false });
      }
      const now = core.clock();
      const id = core.db
        .prepare(
          `INSERT INTO jobs (kind, idempotency_key, status, max_attempts, payload_json, created_at_ms, updated_at_ms)
           VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
        )
        .run(kind, key, maxAttempts, payload, now, now).lastInsertRowid;
      return Object.freeze({ job: toJobRow(jobRaw(core, where, Number(id))), created: true });
    }),
  );
}

export function claimJob(core: StoreCore, input: ClaimJobInput): JobRow | null {
  const where = 'claimJob';
  const a: ArgCheck = new ArgCheck(where);
  const o = a.object('input', input, CLAIM_KEYS);
  const kindsIn = a.array('input.kinds', o.kinds);
  if (kindsIn.length === 0) a.fail('input.kinds', 'a non-empty array of job kinds', kindsIn);
  const kinds = kindsIn.map((k, i) => a.string(`input.kinds[${i}]`, k, 64));
  const workerId = a.string('input.workerId', o.workerId, 256);
  const leaseMs = a.int('input.leaseMs', o.leaseMs, 1, 86_400_000);
  return core.guard(where, () =>
    core.write(() => {
      const now = core.clock();
      const kindsJson = JSON.stringify(kinds);
      // A job whose worker vanished with its last attempt used up fails for good.
      core.db
        .prepare(
          `UPDATE jobs SET status = 'failed', error = 'lease expired on the last attempt (worker ' || worker_id || ')',
             lease_expires_at_ms = NULL, finished_at_ms = @now, updated_at_ms = @now
           WHERE status = 'running' AND lease_expires_at_ms <= @now AND attempts >= max_attempts
             AND kind IN (SELECT value FROM json_each(@kinds))`,
        )
        .run({ now, kinds: kindsJson });
      const row = core.db
        .prepare<[Record<string, unknown>], JobRaw>(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = @workerId,
             lease_expires_at_ms = @now + @leaseMs, started_at_ms = @now, updated_at_ms = @now
           WHERE id = (
             SELECT id FROM jobs
             WHERE kind IN (SELECT value FROM json_each(@kinds))
               AND (status = 'queued' OR (status = 'running' AND lease_expires_at_ms <= @now))
             ORDER BY id LIMIT 1)
           RETURNING *`,
        )
        .get({ now, kinds: kindsJson, workerId, leaseMs });
      return row === undefined ? null : toJobRow(row);
    }),
  );
}

export function completeJob(core: StoreCore, jobId: number, workerId: string, result: JsonValue): JobRow {
  const where = 'completeJob';
  const a: ArgCheck = new ArgCheck(where);
  const id = a.id('jobId', jobId);
  const worker = a.string('workerId', workerId, 256);
  const resultJson = a.json('result', result);
  return core.guard(where, () =>
    core.write(() => {
      heldJob(core, where, id, worker);
      const now = core.clock();
      core.db
        .prepare(
          `UPDATE jobs SET status = 'done', result_json = ?, error = NULL, lease_expires_at_ms = NULL,
             finished_at_ms = ?, updated_at_ms = ? WHERE id = ?`,
        )
        .run(resultJson, now, now, id);
      return toJobRow(jobRaw(core, where, id));
    }),
  );
}

export function failJob(core: StoreCore, jobId: number, workerId: string, reason: string, opts?: FailJobOptions): JobRow {
  const where = 'failJob';
  const a: ArgCheck = new ArgCheck(where);
  const id = a.id('jobId', jobId);
  const worker = a.string('workerId', workerId, 256);
  const why = a.string('reason', reason, 16384);
  const o = a.optionalObject('opts', opts, FAIL_JOB_KEYS);
  const retry = o.retry === undefined ? true : o.retry;
  if (typeof retry !== 'boolean') a.fail('opts.retry', 'a boolean', retry);
  return core.guard(where, () =>
    core.write(() => {
      const job = heldJob(core, where, id, worker);
      const now = core.clock();
      const requeue = retry && job.attempts < job.max_attempts;
      core.db
        .prepare(
          `UPDATE jobs SET status = @status, error = @error, lease_expires_at_ms = NULL,
             worker_id = CASE WHEN @requeue THEN NULL ELSE worker_id END,
             finished_at_ms = CASE WHEN @requeue THEN NULL ELSE @now END, updated_at_ms = @now WHERE id = @id`,
        )
        .run({ status: requeue ? 'queued' : 'failed', error: why, requeue: requeue ? 1 : 0, now, id });
      return toJobRow(jobRaw(core, where, id));
    }),
  );
}

export function getJob(core: StoreCore, jobId: number): JobRow {
  const id = new ArgCheck('getJob').id('jobId', jobId);
  return core.guard('getJob', () => toJobRow(jobRaw(core, 'getJob', id)));
}
