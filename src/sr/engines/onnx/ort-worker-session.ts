import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { BackendError } from '../../../contracts';

/**
 * The worker's code, plain CommonJS (no transpiler needed in any runner). It owns one
 * onnxruntime-node InferenceSession; every request gets exactly one reply on the reply port,
 * after which the shared counter is incremented and notified.
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortEntry);
const signal = new Int32Array(workerData.signal);
const reply = workerData.replyPort;
let session = null;
function send(msg, transfer) {
  reply.postMessage(msg, transfer || []);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}
parentPort.on('message', async (req) => {
  try {
    if (req.kind === 'load') {
      session = await ort.InferenceSession.create(req.model, req.options);
      send({ id: req.id, ok: true, inputs: session.inputMetadata, outputs: session.outputMetadata });
    } else if (req.kind === 'run') {
      if (session === null) throw new Error('no session loaded');
      const feeds = {};
      for (const f of req.feeds) feeds[f.name] = new ort.Tensor('float32', f.data, f.dims);
      const t0 = performance.now();
      const out = await session.run(feeds);
      const runMs = performance.now() - t0;
      const t = out[req.output];
      const data = new Float32Array(t.data);
      send({ id: req.id, ok: true, data, dims: Array.from(t.dims), runMs }, [data.buffer]);
    } else if (req.kind === 'runMany') {
      if (session === null) throw new Error('no session loaded');
      const feeds = {};
      for (const f of req.feeds) feeds[f.name] = new ort.Tensor('float32', f.data, f.dims);
      const t0 = performance.now();
      const out = await session.run(feeds, req.outputs);
      const runMs = performance.now() - t0;
      const results = req.outputs.map((name) => ({ name, data: new Float32Array(out[name].data), dims: Array.from(out[name].dims) }));
      send({ id: req.id, ok: true, results, runMs }, results.map((r) => r.data.buffer));
    } else if (req.kind === 'release') {
      if (session !== null) await session.release();
      session = null;
      send({ id: req.id, ok: true });
    } else {
      throw new Error('unknown request ' + String(req.kind));
    }
  } catch (e) {
    send({ id: req.id, ok: false, message: e && e.message ? String(e.message) : String(e) });
  }
});
`;

/** Metadata of a graph input/output as onnxruntime reports it. */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/** One float32 input. */
export interface OrtFeed {
  readonly name: string;
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export interface OrtRunResult {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** Duration of `session.run` inside the worker, ms. */
  readonly runMs: number;
}

type Reply =
  | { readonly id: number; readonly ok: false; readonly message: string }
  | {
      readonly id: number;
      readonly ok: true;
      readonly inputs?: OrtValueMetadata[];
      readonly outputs?: OrtValueMetadata[];
      readonly data?: Float32Array;
      readonly dims?: number[];
      readonly runMs?: number;
      readonly results?: { name: string; data: Float32Array; dims: number[] }[];
    };

/** Session options passed to onnxruntime-node unchanged (structured-cloneable). */
export type OrtSessionOptions = Readonly<Record<string, unknown>>;

/**
 * An onnxruntime-node InferenceSession living in a worker thread, callable synchronously:
 * onnxruntime-node's `run` is asynchronous, while the samplers' score functions are synchronous.
 * The calling thread posts the request and blocks on `Atomics.wait` until the worker has replied,
 * then takes the reply with `receiveMessageOnPort` (no event-loop turn needed). Loading and
 * release are asynchronous (polling the reply port). One request at a time.
 */
export class OrtWorkerSession {
  private readonly worker: Worker;
  private readonly replyPort: MessagePort;
  private readonly signal: Int32Array;
  private nextId = 1;
  private closed = false;
  /** Why the worker is gone, once it is (seen by the asynchronous paths). */
  private failure: string | undefined;
  /** A request is waiting for its reply (one at a time). */
  private pending = false;
  /** Graph inputs/outputs as loaded. */
  inputs: readonly OrtValueMetadata[] = [];
  outputs: readonly OrtValueMetadata[] = [];

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    const sab = new SharedArrayBuffer(4);
    this.signal = new Int32Array(sab);
    this.replyPort = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ortEntry: require.resolve('onnxruntime-node'), signal: sab, replyPort: port2 },
      transferList: [port2],
    });
    this.worker.on('error', (err) => {
      this.failure = `the onnxruntime worker thread failed: ${err.message}`;
    });
    this.worker.on('exit', (code) => {
      this.failure ??= `the onnxruntime worker thread exited (code ${code})`;
    });
    this.worker.unref();
  }

  /**
   * Starts a worker and creates the session in it.
   * @param model the .onnx bytes (copied to the worker) or a file path
   * @throws BackendError with onnxruntime's message when the session cannot be created.
   */
  static async create(model: Uint8Array | string, options: OrtSessionOptions): Promise<OrtWorkerSession> {
    const s = new OrtWorkerSession();
    try {
      const reply = await s.requestAsync({ kind: 'load', model, options });
      s.inputs = reply.inputs ?? [];
      s.outputs = reply.outputs ?? [];
      return s;
    } catch (err) {
      await s.terminate();
      throw err;
    }
  }

  private post(req: Record<string, unknown>, transfer: readonly ArrayBuffer[] = []): { id: number; seq: number } {
    if (this.closed) throw new BackendError('onnxruntime session used after release()');
    if (this.pending) throw new BackendError('onnxruntime session: a call is already in progress (one request at a time; await the previous one)');
    this.pending = true;
    const id = this.nextId++;
    const seq = Atomics.load(this.signal, 0);
    this.worker.postMessage({ ...req, id }, [...transfer]);
    return { id, seq };
  }

  private take(id: number): Reply | undefined {
    const got = receiveMessageOnPort(this.replyPort);
    if (got === undefined) return undefined;
    this.pending = false;
    const reply = got.message as Reply;
    if (reply.id !== id) throw new BackendError(`onnxruntime worker: reply ${reply.id} to request ${id} (protocol error)`);
    if (!reply.ok) throw new BackendError(`onnxruntime: ${reply.message}`, { reason: reply.message });
    return reply;
  }

  private async requestAsync(req: Record<string, unknown>): Promise<Extract<Reply, { ok: true }>> {
    const { id } = this.post(req);
    // Polls with a short back-off (only loading and release are asynchronous; they take seconds).
    // Atomics.waitAsync would be neater but neither keeps the event loop alive nor resolves inside
    // jest's vm contexts; the worker is held (ref) meanwhile so that Node does not exit.
    this.worker.ref();
    try {
      for (let delayMs = 1; ; delayMs = Math.min(2 * delayMs, 20)) {
        const r = this.take(id);
        if (r !== undefined) return r as Extract<Reply, { ok: true }>;
        if (this.failure !== undefined) {
          this.pending = false;
          throw new BackendError(`onnxruntime: ${this.failure}`, { reason: this.failure });
        }
        await new Promise<void>((resolve) => setTimeout(resolve, delayMs));
      }
    } finally {
      if (!this.closed) this.worker.unref();
    }
  }

  private requestSync(req: Record<string, unknown>, transfer: readonly ArrayBuffer[] = []): Extract<Reply, { ok: true }> {
    const { id, seq } = this.post(req, transfer);
    for (;;) {
      const r = this.take(id);
      if (r !== undefined) return r as Extract<Reply, { ok: true }>;
      Atomics.wait(this.signal, 0, seq);
    }
  }

  /**
   * Runs the session on float32 feeds and returns output `outputName` (blocks this thread). The
   * feeds' buffers are transferred to the worker (detached here): pass arrays you own.
   * @throws BackendError with onnxruntime's message on failure.
   */
  runSync(feeds: readonly OrtFeed[], outputName: string): OrtRunResult {
    // The feeds' buffers are moved to the worker: the caller must not use them afterwards.
    const reply = this.requestSync({ kind: 'run', feeds, output: outputName }, feeds.map((f) => f.data.buffer as ArrayBuffer));
    if (reply.data === undefined || reply.dims === undefined || reply.runMs === undefined) throw new BackendError('onnxruntime worker: run reply without data');
    return { data: reply.data, dims: reply.dims, runMs: reply.runMs };
  }

  /**
   * Runs the session and returns the named outputs (blocks this thread), like {@link runSync}
   * (the feeds' buffers are transferred to the worker: pass arrays you own).
   * @throws BackendError with onnxruntime's message on failure.
   */
  runManySync(feeds: readonly OrtFeed[], outputNames: readonly string[]): { readonly outputs: Map<string, { data: Float32Array; dims: readonly number[] }>; readonly runMs: number } {
    const reply = this.requestSync({ kind: 'runMany', feeds, outputs: [...outputNames] }, feeds.map((f) => f.data.buffer as ArrayBuffer));
    if (reply.results === undefined || reply.runMs === undefined) throw new BackendError('onnxruntime worker: run reply without results');
    const outputs = new Map<string, { data: Float32Array; dims: readonly number[] }>();
    for (const r of reply.results) outputs.set(r.name, { data: r.data, dims: r.dims });
    return { outputs, runMs: reply.runMs };
  }

  /** Releases the session and stops the worker. Idempotent. */
  async release(): Promise<void> {
    if (this.closed) return;
    try {
      await this.requestAsync({ kind: 'release' });
    } finally {
      await this.terminate();
    }
  }

  private async terminate(): Promise<void> {
    this.closed = true;
    this.replyPort.close();
    await this.worker.terminate();
  }
}
