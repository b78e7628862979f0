import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { isStoreUnwritable, type JobRow, type JsonValue, type Store } from '../store';

export type TaskKind = 'enhance' | 'export';
export const TASK_KINDS: readonly TaskKind[] = Object.freeze(['enhance', 'export']);
/** 'interrupted': the server that ran or queued it stopped (crash, kill, restart) before it finished. */
export type TaskStatus = 'queued' | 'running' | 'done' | 'failed' | 'interrupted';

/** An action the server runs in the background, as pages and the API show it. */
export interface TaskView {
  readonly id: number;
  readonly kind: TaskKind;
  /** What it does, e.g. 'enhance track 12 (seed 3, sampler pc)'. */
  readonly description: string;
  readonly status: TaskStatus;
  /** Units done / total (tracks enhanced, ...). Live while this server runs it; total once done. */
  readonly done: number;
  readonly total: number;
  /** Set when done. */
  readonly result: JsonValue | null;
  /** The failure (or interruption) reason; set exactly when failed or interrupted. */
  readonly error: string | null;
  /** What was asked (route and its validated parameters): what a re-run submits again. */
  readonly request: JsonValue;
  readonly createdAtMs: number;
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
}

/** Reports progress from inside a task. */
export type TaskProgress = (done: number) => void;

/** The reason recorded on a task whose server stopped before it finished; also how the status is told apart. */
export const INTERRUPTED_REASON = 'interrupted: the server stopped before the task finished (re-run it)';

/** A running task's claim: renewed by nobody, so long enough for any SR run (the store's maximum). */
const LEASE_MS = 86_400_000;
const KIND_RE = /^serve-(enhance|export):([0-9a-f]{12})$/;
/** Newest tasks listed. */
const LIST_LIMIT = 500;

interface TaskPayload {
  readonly server: { readonly id: string; readonly pid: number; readonly host: string };
  readonly description: string;
  readonly total: number;
  readonly request: JsonValue;
}

interface LiveState {
  done: number;
  /** Set only when the store could not record the end (it is then shown from here). */
  failure: string | null;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function payloadOf(job: JobRow): TaskPayload | null {
  const p = job.payload as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return null;
  const server = p['server'] as Record<string, unknown> | null;
  if (typeof server !== 'object' || server === null || typeof server['id'] !== 'string' || typeof server['pid'] !== 'number' || typeof server['host'] !== 'string') return null;
  if (typeof p['description'] !== 'string' || typeof p['total'] !== 'number') return null;
  return p as unknown as TaskPayload;
}

/** Whether process `pid` on this host has ended (signal 0 probes without signalling). */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as { code?: unknown }).code === 'ESRCH';
  }
}

/**
 * Runs the server's actions one at a time in submission order (SR saturates the CPU; two at once
 * only slow each other), each persisted as a row of the store's `jobs` table (kind
 * `serve-<kind>:<server id>`, attempts 1): queued → running → done (result) or failed (reason).
 * The list survives a restart. A task queued or running under a server process that is gone
 * (same host, pid ended) is marked interrupted when the next server starts on the store, and can
 * be re-run (a new task with the same request). A read-only store lists tasks and runs none.
 */
export class TaskRunner {
  /** This server instance: a part of its tasks' job kind. */
  readonly instanceId: string;
  /** Ids of the tasks this runner found interrupted when it started. */
  readonly interruptedAtStart: readonly number[];
  private readonly workerId: string;
  private readonly live = new Map<number, LiveState>();
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;

  constructor(private readonly store: Store) {
    this.instanceId = randomBytes(6).toString('hex');
    this.workerId = `serve:${os.hostname()}:${process.pid}:${this.instanceId}`;
    this.interruptedAtStart = Object.freeze(store.info().readonly ? [] : this.interruptOrphansIfWritable());
  }

  /**
   * Queues `work`; it resolves to the task's JSON result or rejects with the failure reason.
   * `request` is what a re-run submits again.
   * @throws StoreError when the store cannot record the task (nothing is queued then).
   */
  submit(kind: TaskKind, description: string, total: number, request: JsonValue, work: (progress: TaskProgress) => Promise<JsonValue>): TaskView {
    const payload: TaskPayload = { server: { id: this.instanceId, pid: process.pid, host: os.hostname() }, description, total, request };
    const { job } = this.store.enqueueJob({
      kind: `serve-${kind}:${this.instanceId}`,
      idempotencyKey: `${this.workerId}:${++this.seq}`,
      payload: payload as unknown as JsonValue,
      maxAttempts: 1,
    });
    const state: LiveState = { done: 0, failure: null };
    this.live.set(job.id, state);
    this.chain = this.chain.then(async () => {
      let claimed: JobRow | null;
      try {
        // Only this instance queues jobs of this kind, one at a time: the oldest queued one is this one.
        claimed = this.store.claimJob({ kinds: [job.kind], workerId: this.workerId, leaseMs: LEASE_MS });
      } catch (err) {
        state.failure = `could not start: ${messageOf(err)}`;
        return;
      }
      if (claimed?.id !== job.id) {
        state.failure = `could not start: the store handed out job ${String(claimed?.id ?? 'none')} instead`;
        return;
      }
      let result: JsonValue;
      try {
        result = await work((done) => {
          state.done = done;
        });
      } catch (err) {
        // Recorded as data with its reason; the task list shows it.
        const reason = messageOf(err);
        try {
          this.store.failJob(job.id, this.workerId, reason, { retry: false });
        } catch (storeErr) {
          state.failure = `${reason} (and the store could not record it: ${messageOf(storeErr)})`;
        }
        return;
      }
      try {
        this.store.completeJob(job.id, this.workerId, result);
      } catch (storeErr) {
        state.failure = `finished, but the store could not record the result: ${messageOf(storeErr)}`;
      }
    });
    const view = this.get(job.id);
    if (view === undefined) throw new Error(`TaskRunner: job ${job.id} vanished right after it was queued`);
    return view;
  }

  /** The task with this id, or undefined when there is none (or the job is not a serve task). */
  get(id: number): TaskView | undefined {
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    let job: JobRow;
    try {
      job = this.store.getJob(id);
    } catch {
      return undefined; // no such job
    }
    return this.view(job);
  }

  /** Newest first (the newest 500), this server's and earlier ones'. */
  list(): readonly TaskView[] {
    const views: TaskView[] = [];
    for (const job of this.store.iterateJobs({ limit: 1000 })) {
      const v = this.view(job);
      if (v !== undefined) views.push(v);
    }
    return views.reverse().slice(0, LIST_LIMIT);
  }

  /** Resolves when every task submitted so far has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  private view(job: JobRow): TaskView | undefined {
    const m = KIND_RE.exec(job.kind);
    const p = payloadOf(job);
    if (m === null || p === null) return undefined;
    const live = this.live.get(job.id);
    let status: TaskStatus = job.status === 'failed' && job.error === INTERRUPTED_REASON ? 'interrupted' : job.status;
    let error = job.error;
    if (live?.failure != null && (job.status === 'running' || job.status === 'queued')) {
      status = 'failed';
      error = live.failure;
    }
    return Object.freeze({
      id: job.id,
      kind: m[1] as TaskKind,
      description: p.description,
      status,
      done: live !== undefined ? live.done : job.status === 'done' ? p.total : 0,
      total: p.total,
      result: job.status === 'done' ? job.result : null,
      error: status === 'done' || status === 'queued' || status === 'running' ? null : error,
      request: p.request,
      createdAtMs: job.createdAtMs,
      startedAtMs: job.startedAtMs,
      finishedAtMs: job.finishedAtMs,
    });
  }

  /** As interruptOrphans; on a store that cannot be written (disk full) the pages still serve and the rows stay as they are. */
  private interruptOrphansIfWritable(): number[] {
    try {
      return this.interruptOrphans();
    } catch (err) {
      if (isStoreUnwritable(err)) return [];
      throw err;
    }
  }

  /** Marks interrupted the queued and running tasks of server processes on this host that are gone. */
  private interruptOrphans(): number[] {
    const found: number[] = [];
    for (const status of ['running', 'queued'] as const) {
      for (const job of this.store.iterateJobs({ status, limit: 1000 })) {
        const p = payloadOf(job);
        if (!KIND_RE.test(job.kind) || p === null || p.server.id === this.instanceId) continue;
        // Another host's server cannot be checked from here: its tasks are left as they are.
        if (p.server.host !== os.hostname() || !processGone(p.server.pid)) continue;
        const owner = `serve:${p.server.host}:${p.server.pid}:${p.server.id}`;
        // A queued one is claimed in its dead owner's name first (the store fails running jobs only).
        const running = job.status === 'running' ? job : this.store.claimJob({ kinds: [job.kind], workerId: owner, leaseMs: 60_000 });
        if (running === null || running.workerId === null) continue;
        this.store.failJob(running.id, running.workerId, INTERRUPTED_REASON, { retry: false });
        found.push(running.id);
      }
    }
    return found.sort((a, b) => a - b);
  }
}
