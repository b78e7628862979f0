import type { JsonValue } from '../store';

export type TaskKind = 'enhance' | 'export';
export type TaskStatus = 'queued' | 'running' | 'done' | 'failed';

/** An action the server runs in the background, as pages and the API show it. */
export interface TaskView {
  readonly id: number;
  readonly kind: TaskKind;
  /** What it does, e.g. 'enhance track 12 (seed 3, sampler pc)'. */
  readonly description: string;
  readonly status: TaskStatus;
  /** Units done / total (tracks enhanced, ...). */
  readonly done: number;
  readonly total: number;
  /** Set when done. */
  readonly result: JsonValue | null;
  /** The failure reason; set exactly when failed. */
  readonly error: string | null;
  readonly createdAtMs: number;
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
}

/** Reports progress from inside a task. */
export type TaskProgress = (done: number) => void;

interface TaskState {
  id: number;
  kind: TaskKind;
  description: string;
  status: TaskStatus;
  done: number;
  total: number;
  result: JsonValue | null;
  error: string | null;
  createdAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

/**
 * Runs the server's actions one at a time in submission order (SR saturates the CPU; two at once
 * only slow each other). One runner per server instance; tasks live as long as the server.
 */
export class TaskRunner {
  private readonly tasks = new Map<number, TaskState>();
  private nextId = 1;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly now: () => number = Date.now) {}

  /** Queues `work`; it resolves to the task's JSON result or rejects with the failure reason. */
  submit(kind: TaskKind, description: string, total: number, work: (progress: TaskProgress) => Promise<JsonValue>): TaskView {
    const state: TaskState = {
      id: this.nextId++,
      kind,
      description,
      status: 'queued',
      done: 0,
      total,
      result: null,
      error: null,
      createdAtMs: this.now(),
      startedAtMs: null,
      finishedAtMs: null,
    };
    this.tasks.set(state.id, state);
    this.chain = this.chain.then(async () => {
      state.status = 'running';
      state.startedAtMs = this.now();
      try {
        state.result = await work((done) => {
          state.done = done;
        });
        state.status = 'done';
      } catch (err) {
        // Recorded as data with its reason; the task list shows it.
        state.status = 'failed';
        state.error = err instanceof Error ? err.message : String(err);
      }
      state.finishedAtMs = this.now();
    });
    return view(state);
  }

  get(id: number): TaskView | undefined {
    const s = this.tasks.get(id);
    return s === undefined ? undefined : view(s);
  }

  /** Newest first. */
  list(): readonly TaskView[] {
    return [...this.tasks.values()].reverse().map(view);
  }

  /** Resolves when every task submitted so far has finished. */
  idle(): Promise<void> {
    return this.chain;
  }
}

function view(s: TaskState): TaskView {
  return Object.freeze({ ...s });
}
