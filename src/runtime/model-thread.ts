import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { BackendError, FasrError, InputError } from '../contracts';
import { initBackend } from './backend';
import { startModuleThread } from './module-thread';

/** What a model thread is started with (and `file`/`tsNode`, {@link startModuleThread}). */
interface ModelThreadData {
  /** Which module serves the thread ({@link serveModelThread}'s `kind`). */
  readonly modelThread: string;
  /** The model's name and config, as the module's `open` takes them. */
  readonly name: string;
  readonly config: unknown;
  /** tfjs backend for the thread (`initBackend` choice): the calling thread's, so the results are the same. */
  readonly backend: string;
}

/** The thread's first message: what its model is (`id` at least), or why it could not be made. */
interface ReadyReply {
  readonly kind: 'ready';
  readonly info?: Readonly<Record<string, unknown>> & { readonly id: string };
  readonly error?: string;
}

/** One request's answer and the thread's compute time. */
interface DoneReply<Res> {
  readonly kind: 'done';
  readonly seq: number;
  readonly result?: Res;
  readonly ms?: number;
  readonly error?: string;
}

/** The thread's side of a model: made by `open`, then run one request at a time. */
export interface ThreadModel<Req, Res> {
  /** Sent back once the model is made; `id` names it in errors. */
  readonly info: Readonly<Record<string, unknown>> & { readonly id: string };
  /** One request; `transfer` lists buffers of `result` the thread gives away (own buffers only). */
  run(request: Req): Promise<{ readonly result: Res; readonly transfer?: readonly ArrayBuffer[] }>;
  close(): Promise<void>;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The thread's side, called at the top level of the module that serves `kind`: when this thread
 * was started for `kind` ({@link ModelThread.start}), initialises the tfjs backend, makes the model
 * with `open(name, config)`, reports ready, and answers requests one at a time in arrival order.
 * Elsewhere (the main thread, another kind) it does nothing.
 */
export function serveModelThread<Req, Res>(kind: string, open: (name: string, config: unknown) => Promise<ThreadModel<Req, Res>>): void {
  const port = parentPort;
  if (isMainThread || port === null || (workerData as Partial<ModelThreadData> | null)?.modelThread !== kind) return;
  const wd = workerData as ModelThreadData;
  void (async () => {
    let model: ThreadModel<Req, Res>;
    try {
      await initBackend(wd.backend);
      model = await open(wd.name, wd.config);
    } catch (err) {
      port.postMessage({ kind: 'ready', error: messageOf(err) } satisfies ReadyReply);
      return;
    }
    port.postMessage({ kind: 'ready', info: model.info } satisfies ReadyReply);
    let chain = Promise.resolve();
    port.on('message', (msg: { readonly seq: number; readonly request: Req } | { readonly close: true }) => {
      chain = chain.then(async () => {
        if ('close' in msg) {
          await model.close();
          port.close();
          return;
        }
        const t0 = performance.now();
        try {
          const { result, transfer } = await model.run(msg.request);
          port.postMessage({ kind: 'done', seq: msg.seq, result, ms: performance.now() - t0 } satisfies DoneReply<Res>, [...(transfer ?? [])]);
        } catch (err) {
          port.postMessage({ kind: 'done', seq: msg.seq, error: messageOf(err) } satisfies DoneReply<Res>);
        }
      });
    });
  })();
}

/** How {@link ModelThread.start} names what it starts, in its errors. */
export interface ModelThreadLabels {
  /** What the model is, e.g. 'embedder' ("the embedder thread failed: …"). */
  readonly what: string;
  /** The name as errors show it, e.g. `"faceres"`. */
  readonly shownName: string;
  /** FasrError code of a request the thread could not answer, e.g. 'E_EMBED'. */
  readonly errorCode: string;
  /** Details of the BackendError when the model cannot be made. */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The calling thread's side of a model in its own worker thread: requests go out with a sequence
 * number and are answered in order; at most `maxPending` may wait (a bounded queue: `request`
 * rejects beyond it); a thread that fails or exits rejects everything pending and after.
 * The FaceEmbedder and FaceDetector of src/fuse and src/track wrap one each.
 */
export class ModelThread<Req, Res> {
  readonly info: Readonly<Record<string, unknown>> & { readonly id: string };
  readonly maxPending: number;
  readonly #worker: Worker;
  readonly #errorCode: string;
  readonly #pending = new Map<number, { resolve: (r: Res) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #computeMs = 0;
  #failure: string | null = null;
  #closed = false;

  private constructor(worker: Worker, info: ReadyReply['info'] & object, maxPending: number, labels: ModelThreadLabels) {
    this.#worker = worker;
    this.info = info;
    this.maxPending = maxPending;
    this.#errorCode = labels.errorCode;
    worker.on('message', (reply: DoneReply<Res> | ReadyReply) => {
      if (reply.kind !== 'done') return;
      const p = this.#pending.get(reply.seq);
      if (p === undefined) return;
      this.#pending.delete(reply.seq);
      if (reply.error === undefined && reply.result !== undefined) {
        this.#computeMs += reply.ms ?? 0;
        p.resolve(reply.result);
      } else {
        p.reject(new FasrError(this.#errorCode, `${this.info.id} (worker thread): ${reply.error ?? 'no result returned'}`));
      }
    });
    worker.on('error', (err) => this.#fail(`the ${labels.what} thread failed: ${err.message}`));
    worker.on('exit', (code) => this.#fail(`the ${labels.what} thread exited (code ${code})`));
  }

  /**
   * Starts a thread that requires `file` (the module that calls {@link serveModelThread} with
   * `kind`), makes the model `name` with `config` on the tfjs backend `backend`, and resolves once
   * it is ready.
   * @param where the caller's name, for the maxPending error
   * @throws InputError for a bad maxPending; BackendError (with the thread's reason) when the thread
   *   cannot make the model.
   */
  static async start<Req, Res>(
    where: string,
    file: string,
    kind: string,
    opts: { readonly name: string; readonly config: unknown; readonly backend: string; readonly maxPending: number },
    labels: ModelThreadLabels,
  ): Promise<ModelThread<Req, Res>> {
    const { name, config, backend, maxPending } = opts;
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new InputError(`${where}: maxPending must be an integer >= 1, received ${String(maxPending)}`, { option: 'maxPending' });
    const worker = startModuleThread(file, { modelThread: kind, name, config, backend } satisfies ModelThreadData);
    const what = `${labels.what} thread for ${labels.shownName}`;
    const ready = await new Promise<ReadyReply>((resolve, reject) => {
      const onExit = (code: number): void => reject(new BackendError(`${what} exited (code ${code}) before its model was loaded`));
      worker.once('error', (err) => reject(new BackendError(`${what} failed to start: ${err.message}`)));
      worker.once('exit', onExit);
      worker.once('message', (m: ReadyReply) => {
        worker.off('exit', onExit);
        resolve(m);
      });
    });
    if (ready.error !== undefined || ready.info === undefined) {
      await worker.terminate();
      throw new BackendError(`${labels.what} thread could not create ${labels.shownName} on backend ${backend}: ${ready.error ?? 'no reply'}`, { ...labels.details, backend });
    }
    return new ModelThread<Req, Res>(worker, ready.info, maxPending, labels);
  }

  /** Milliseconds the thread spent on requests so far (its own clock: the work the calling thread did not do). */
  get computeMs(): number {
    return this.#computeMs;
  }

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Why a call named `verb` cannot be made now (closed, or the thread failed), or null. */
  refusal(verb: string): Error | null {
    if (this.#closed) return new FasrError('E_CLOSED', `${this.info.id}: ${verb} called after close()`);
    if (this.#failure !== null) return new BackendError(`${this.info.id}: ${this.#failure}`);
    return null;
  }

  /**
   * Sends one request, giving away the buffers in `transfer`; `noun` names the requests in the
   * bounded-queue error ("2 frames are waiting, the most allowed is 2").
   */
  request(request: Req, transfer: readonly ArrayBuffer[], noun: string): Promise<Res> {
    if (this.#pending.size >= this.maxPending) {
      return Promise.reject(new InputError(`${this.info.id} (worker thread): ${this.#pending.size} ${noun} are waiting, the most allowed is ${this.maxPending}; await one before sending more`, { option: 'maxPending' }));
    }
    const seq = this.#seq++;
    return new Promise<Res>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#worker.postMessage({ seq, request }, [...transfer]);
    });
  }

  #fail(message: string): void {
    this.#failure ??= message;
    for (const [seq, p] of this.#pending) {
      p.reject(new BackendError(`${this.info.id}: ${message}`));
      this.#pending.delete(seq);
    }
  }

  /** Ends the thread after the requests sent before; later calls are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#failure !== null) {
      await this.#worker.terminate();
      return;
    }
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ close: true });
    // The thread closes its port after the requests before it; terminate if it does not end by itself.
    const timer = setTimeout(() => void this.#worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
    this.#fail('closed');
  }
}
