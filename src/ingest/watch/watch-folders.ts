import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { FasrError, InputError } from '../../contracts';
import { invalidValue } from '../../validate';
import { parseSourceLayout, type SourceLayout } from '../discover/source-layout';
import { extensionOf } from '../discover/video-extensions';
import { isTemporaryName } from './is-temporary-name';
import { loadChokidar } from './load-chokidar';
import { ReadyQueue } from './ready-queue';
import { resolveWatchOptions, type ReadyCheckResult, type ResolvedWatchOptions, type WatchFoldersOptions } from './watch-options';

/** A file that has finished being written, handed to the consumer. */
export interface ReadyFile {
  /** Absolute path under its watched folder (links inside the folder are not resolved). */
  readonly path: string;
  /** The watched folder it is under (absolute). */
  readonly root: string;
  /** Path relative to `root`, "/" separators. */
  readonly relativePath: string;
  /** Size when it settled, bytes. */
  readonly sizeBytes: number;
  /** Modification time when it settled, ms since the Unix epoch; the queue's order. */
  readonly mtimeMs: number;
  /** Camera and start time from the path's layout (`path`, read from its end), null when no pattern matches. */
  readonly layout: SourceLayout | null;
  /** `layout.camera`, or null. Untrusted text from the path. */
  readonly camera: string | null;
  /**
   * 'existing': there when the watch started; 'added': appeared later; 'changed': written again
   * after the consumer took it (its content, hence its sha256, is new).
   */
  readonly event: 'existing' | 'added' | 'changed';
  /** The ready check's answer; null without a ready check. `ready: false` only after `readyCheckMaxWaitMs`. */
  readonly readyCheck: ReadyCheckResult | null;
  /** When it settled (became ready), ms since the Unix epoch. */
  readonly settledAtMs: number;
}

/** Counters of a {@link FolderWatch}. */
export interface WatchStats {
  /** Files waiting for their size to settle. */
  readonly settling: number;
  /** Settled files waiting for the ready check to pass. */
  readonly checking: number;
  /** Ready files waiting for the consumer. */
  readonly pending: number;
  /** Files handed to the consumer. */
  readonly emitted: number;
  /** Files deleted before the consumer took them. */
  readonly vanished: number;
  /** Files the watcher never reported, found by the reconciliation scan (`rescanIntervalMs`). */
  readonly reconciled: number;
  /** Reconciliation scans completed. */
  readonly rescans: number;
}

interface Settling {
  readonly path: string;
  readonly root: string;
  readonly rel: string;
  event: ReadyFile['event'];
  sizeBytes: number;
  mtimeMs: number;
  lastChangeMs: number;
  /** Changes seen while settling (the first stat counts as one): more means it is being written. */
  observedChanges: number;
}

interface Checking extends Settling {
  settledAtMs: number;
  dueMs: number;
  running: boolean;
}

interface Waiter {
  readonly resolve: (r: IteratorResult<ReadyFile>) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Most taken files remembered (to label a rewrite 'changed' and to drop metadata-only events
 * about them): a week of Frigate segments from a dozen cameras; the oldest are forgotten first.
 */
const MAX_REMEMBERED = 100_000;

function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

/**
 * A running watch over folders: an `AsyncIterable<ReadyFile>` for one consumer, which pulls
 * the next file when it is free. Files that become ready meanwhile wait in a queue, oldest
 * mtime first; none is dropped. Iteration ends (`done`) after `close()`; it throws when the
 * watcher itself fails (FasrError code 'E_WATCH').
 */
export class FolderWatch implements AsyncIterable<ReadyFile> {
  /** The watched folders, absolute. */
  readonly roots: readonly string[];
  /** Resolves when the initial scan of the folders is done (or the watch is closed). */
  readonly ready: Promise<void>;

  private readonly opts: ResolvedWatchOptions;
  private readonly watcher: FSWatcher;
  private readonly rootsLongestFirst: readonly string[];
  private readonly settling = new Map<string, Settling>();
  private readonly checking = new Map<string, Checking>();
  private readonly queue = new ReadyQueue<ReadyFile>();
  private readonly taken = new Map<string, { sizeBytes: number; mtimeMs: number }>();
  /**
   * Every wanted path the watcher (or a rescan) has reported and not seen deleted: what the
   * reconciliation scan compares a listing with. Of the order of chokidar's own map of watched paths.
   */
  private readonly known = new Set<string>();
  private readonly waiters: Waiter[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly onAbort = (): void => void this.close();
  private tickTimer: NodeJS.Timeout | null = null;
  private rescanTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private scanning = true;
  private runningChecks = 0;
  private failure: FasrError | null = null;
  private closePromise: Promise<readonly ReadyFile[]> | null = null;
  private resolveReady: () => void = () => undefined;
  private readonly counts = { emitted: 0, vanished: 0, reconciled: 0, rescans: 0 };

  /** Use {@link watchFolders}. */
  constructor(roots: readonly string[], opts: ResolvedWatchOptions) {
    this.roots = Object.freeze([...roots]);
    this.rootsLongestFirst = [...roots].sort((a, b) => b.length - a.length);
    this.opts = opts;
    this.ready = new Promise<void>((resolve) => {
      this.resolveReady = resolve;
    });
    const chokidar = loadChokidar();
    this.watcher = chokidar.watch([...roots], {
      persistent: true,
      ignoreInitial: !opts.includeExisting,
      followSymlinks: opts.followSymlinks,
      usePolling: opts.usePolling,
      interval: opts.pollIntervalMs,
      binaryInterval: opts.pollIntervalMs,
      // Write-finish detection is ours (settle below): chokidar's awaitWriteFinish skips the files
      // found by the initial scan and leaves its timers running after close().
      awaitWriteFinish: false,
      ...(opts.depth === null ? {} : { depth: opts.depth }),
      ignored: (p: string, stats?: fs.Stats) => this.isIgnoredPath(p, stats),
    });
    this.watcher.on('add', (p: string) => this.onWrite(p, 'add'));
    this.watcher.on('change', (p: string) => this.onWrite(p, 'change'));
    this.watcher.on('unlink', (p: string) => this.onUnlink(p));
    this.watcher.on('error', (err: unknown) => this.fail(err));
    this.watcher.on('ready', () => {
      this.scanning = false;
      this.resolveReady();
      this.wakeConsumers();
      this.scheduleRescan();
    });
    if (opts.signal !== null) {
      if (opts.signal.aborted) queueMicrotask(this.onAbort);
      else opts.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** Current counters. */
  get stats(): WatchStats {
    return Object.freeze({
      settling: this.settling.size,
      checking: this.checking.size,
      pending: this.queue.size,
      emitted: this.counts.emitted,
      vanished: this.counts.vanished,
      reconciled: this.counts.reconciled,
      rescans: this.counts.rescans,
    });
  }

  /** Whether `close()` was called (or the signal aborted, or the watcher failed). */
  get closed(): boolean {
    return this.closePromise !== null;
  }

  /**
   * Stops watching: closes the file watchers, clears the timers, waits for ready checks in
   * flight, and ends the iteration (a pending `next()` resolves `done`). Files not yet taken are
   * returned (oldest first) and not emitted; with `includeExisting` the next watch emits them
   * again. The file the consumer is working on is the consumer's: finish it, or leave it
   * not done in the store. Idempotent.
   */
  close(): Promise<readonly ReadyFile[]> {
    if (this.closePromise !== null) return this.closePromise;
    const left = this.queue.clear();
    this.settling.clear();
    this.checking.clear();
    if (this.tickTimer !== null) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    if (this.rescanTimer !== null) clearTimeout(this.rescanTimer);
    this.rescanTimer = null;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    for (const w of this.waiters.splice(0)) {
      if (this.failure !== null) w.reject(this.failure);
      else w.resolve({ value: undefined, done: true });
    }
    this.resolveReady();
    this.closePromise = (async () => {
      await this.watcher.close();
      await Promise.allSettled([...this.inFlight]);
      return left;
    })();
    return this.closePromise;
  }

  [Symbol.asyncIterator](): AsyncIterator<ReadyFile> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<ReadyFile>> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const item = this.holdingInitialFiles() ? undefined : this.takeNext();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private takeNext(): ReadyFile | undefined {
    const item = this.queue.take();
    if (item !== undefined) {
      this.taken.delete(item.path);
      this.taken.set(item.path, { sizeBytes: item.sizeBytes, mtimeMs: item.mtimeMs });
      if (this.taken.size > MAX_REMEMBERED) {
        const oldest = this.taken.keys().next();
        if (oldest.done !== true) this.taken.delete(oldest.value);
      }
      this.counts.emitted++;
    }
    return item;
  }

  /**
   * True while the initial scan runs, or a file it found is still in its first stability window:
   * the files there at the start are then handed on oldest mtime first as a whole, not in the
   * order they happened to settle. A file seen changing again (still being written, e.g. an NVR's
   * current segment) no longer holds the others back, so the hold lasts about one window.
   */
  private holdingInitialFiles(): boolean {
    if (this.scanning) return true;
    for (const e of this.settling.values()) if (e.event === 'existing' && e.observedChanges <= 1) return true;
    return false;
  }

  private wakeConsumers(): void {
    if (this.holdingInitialFiles()) return;
    while (this.waiters.length > 0 && this.queue.size > 0) {
      const w = this.waiters.shift();
      const item = this.takeNext();
      if (w !== undefined && item !== undefined) w.resolve({ value: item, done: false });
    }
  }

  private rootOf(p: string): string | null {
    for (const r of this.rootsLongestFirst) if (p === r || p.startsWith(r + path.sep)) return r;
    return null;
  }

  /** chokidar's filter: hidden segments below a root always; temporary and non-video names for files. */
  private isIgnoredPath(p: string, stats?: fs.Stats): boolean {
    const root = this.rootOf(p);
    if (root === null || p === root) return false;
    const rel = path.relative(root, p);
    if (rel.split(path.sep).some((seg) => seg.startsWith('.'))) return true;
    if (stats?.isFile() === true) return !this.isWantedName(path.basename(p));
    return false;
  }

  private isWantedName(name: string): boolean {
    return !isTemporaryName(name, this.opts.ignoreNames) && this.opts.videoExtensions.has(extensionOf(name));
  }

  private onWrite(p: string, kind: 'add' | 'change'): void {
    if (this.closed) return;
    const root = this.rootOf(p);
    // chokidar's filter sees some paths before it has their stats: check the name again here.
    if (root === null || !this.isWantedName(path.basename(p)) || this.isIgnoredPath(p)) return;
    this.known.add(p);
    const now = Date.now();
    const current = this.settling.get(p);
    if (current !== undefined) {
      current.lastChangeMs = now;
      current.observedChanges++;
      return;
    }
    let event: ReadyFile['event'];
    const checking = this.checking.get(p);
    if (checking !== undefined) {
      // Written again while waiting for the ready check: settle again.
      this.checking.delete(p);
      event = checking.event;
    } else {
      const queued = this.queue.snapshot().find((f) => f.path === p);
      if (queued !== undefined) {
        // Written again before the consumer took it: it never saw it, so keep its event.
        this.queue.remove(p);
        event = queued.event;
      } else if (this.taken.has(p)) event = 'changed';
      else if (kind === 'change') event = 'changed';
      else event = this.scanning ? 'existing' : 'added';
    }
    this.settling.set(p, { path: p, root, rel: path.relative(root, p).split(path.sep).join('/'), event, sizeBytes: -1, mtimeMs: -1, lastChangeMs: now,
      // An initial file entering settling again after the scan is being rewritten: it holds nothing back.
      observedChanges: event === 'existing' && !this.scanning ? 2 : 0 });
    this.scheduleTick();
  }

  private onUnlink(p: string): void {
    const removed = this.settling.delete(p) || this.checking.delete(p) || this.queue.remove(p);
    if (removed) this.counts.vanished++;
    this.taken.delete(p);
    this.known.delete(p);
    this.wakeConsumers();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const why = err instanceof Error ? err.message : String(err);
    const code = errnoCode(err);
    // inotify limits: a large NVR tree can exhaust fs.inotify.max_user_watches (ENOSPC) or file descriptors.
    const hint =
      code === 'ENOSPC' || code === 'EMFILE'
        ? ' (out of inotify watches or file descriptors: raise fs.inotify.max_user_watches / ulimit -n, or use usePolling)'
        : '';
    this.failure = new FasrError('E_WATCH', `watchFolders: watching ${this.roots.join(', ')} failed: ${why}${hint}`, {
      roots: this.roots,
      errno: code,
    });
    void this.close();
  }

  private scheduleRescan(): void {
    const every = this.opts.rescanIntervalMs;
    if (every === 0 || this.closed || this.rescanTimer !== null) return;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = null;
      this.track(
        this.rescan().finally(() => {
          this.counts.rescans++;
          this.scheduleRescan();
        }),
      );
    }, every);
  }

  /**
   * Reconciliation: lists every watched folder (same depth, hidden, symlink and name rules as
   * the watcher) and hands each wanted file the watcher never reported to the settle path as
   * 'added'. A file found this way is taken once: from then on it is known like any other.
   */
  private async rescan(): Promise<void> {
    for (const root of this.roots) {
      if (this.closed) return;
      await this.rescanDir(root, 0, new Set<string>());
    }
  }

  private async rescanDir(dir: string, depth: number, visited: Set<string>): Promise<void> {
    let entries: fs.Dirent[];
    try {
      // A folder can vanish or be unreadable between listings: the watcher reports what matters.
      visited.add(await fs.promises.realpath(dir));
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const ent of entries) {
      if (this.closed) return;
      if (ent.name.startsWith('.')) continue;
      const p = path.join(dir, ent.name);
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        if (!this.opts.followSymlinks) continue;
        try {
          const st = await fs.promises.stat(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // a broken link
        }
      }
      if (isDir) {
        if (this.opts.depth !== null && depth >= this.opts.depth) continue;
        let real: string;
        try {
          real = await fs.promises.realpath(p);
        } catch {
          continue;
        }
        if (!visited.has(real)) await this.rescanDir(p, depth + 1, visited);
      } else if (isFile && !this.known.has(p) && this.isWantedName(ent.name)) {
        this.counts.reconciled++;
        this.onWrite(p, 'add');
      }
    }
  }

  private scheduleTick(): void {
    if (this.closed || this.tickTimer !== null || this.ticking) return;
    if (this.settling.size === 0 && this.checking.size === 0) return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.track(this.tick());
    }, this.opts.pollIntervalMs);
  }

  private track(p: Promise<void>): void {
    const guarded = p.catch((err: unknown) => this.fail(err));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }

  /** One polling round: stat each settling file; the ones unchanged for stabilityMs are settled. */
  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      const entries = [...this.settling.values()];
      for (let i = 0; i < entries.length && !this.closed; i += 64) {
        await Promise.all(entries.slice(i, i + 64).map((e) => this.pollOne(e)));
      }
      this.pumpChecks();
    } finally {
      this.ticking = false;
    }
    this.scheduleTick();
  }

  private async pollOne(e: Settling): Promise<void> {
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(e.path);
    } catch (err) {
      if (this.settling.get(e.path) !== e) return;
      if (errnoCode(err) === 'ENOENT') {
        this.settling.delete(e.path);
        this.known.delete(e.path);
        this.counts.vanished++;
        this.wakeConsumers();
        return;
      }
      // Unreadable metadata: hand it on once the window has passed, with the reason, so the
      // consumer records a failed source instead of the file waiting for ever.
      if (Date.now() - e.lastChangeMs >= this.opts.stabilityMs) {
        this.settling.delete(e.path);
        this.enqueue(e, { ready: false, reason: `cannot stat (${errnoCode(err) || String(err)})` });
      }
      return;
    }
    if (this.closed || this.settling.get(e.path) !== e) return;
    const now = Date.now();
    if (st.size !== e.sizeBytes || st.mtimeMs !== e.mtimeMs) {
      e.sizeBytes = st.size;
      e.mtimeMs = st.mtimeMs;
      // The window restarts at each observed change (the first stat counts as one).
      e.lastChangeMs = now;
      e.observedChanges++;
      if (e.observedChanges === 2) this.wakeConsumers(); // no longer holds the initial files back
      return;
    }
    if (now - e.lastChangeMs < this.opts.stabilityMs) return;
    this.settling.delete(e.path);
    if (this.opts.readyCheck === null) this.enqueue(e, null);
    else {
      this.checking.set(e.path, { ...e, settledAtMs: now, dueMs: now, running: false });
      this.wakeConsumers();
    }
  }

  /** Starts due ready checks, at most `readyCheckConcurrency` at once. */
  private pumpChecks(): void {
    const check = this.opts.readyCheck;
    if (check === null || this.closed) return;
    const now = Date.now();
    for (const c of this.checking.values()) {
      if (this.runningChecks >= this.opts.readyCheckConcurrency) break;
      if (c.running || c.dueMs > now) continue;
      c.running = true;
      this.runningChecks++;
      this.track(this.runCheck(c, check));
    }
  }

  private async runCheck(c: Checking, check: (p: string) => Promise<ReadyCheckResult>): Promise<void> {
    let res: ReadyCheckResult;
    try {
      res = await check(c.path);
      if (typeof res !== 'object' || res === null || typeof res.ready !== 'boolean') {
        res = { ready: false, reason: `ready check returned ${JSON.stringify(res)}, expected {ready: boolean}` };
      }
    } catch (err) {
      res = { ready: false, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      this.runningChecks--;
    }
    if (this.closed || this.checking.get(c.path) !== c) return;
    const now = Date.now();
    c.running = false;
    if (res.ready || now - c.settledAtMs >= this.opts.readyCheckMaxWaitMs) {
      this.checking.delete(c.path);
      this.enqueue(c, res);
    } else {
      c.dueMs = now + this.opts.readyCheckRetryMs;
    }
    this.pumpChecks();
    this.scheduleTick();
  }

  private enqueue(e: Settling, readyCheck: ReadyCheckResult | null): void {
    const prev = this.taken.get(e.path);
    // An event that changed nothing (metadata only) after the consumer took the file.
    if (prev !== undefined && prev.sizeBytes === e.sizeBytes && prev.mtimeMs === e.mtimeMs) return;
    const layout = parseSourceLayout(e.path, this.opts.layoutPatterns);
    const file: ReadyFile = Object.freeze({
      path: e.path,
      root: e.root,
      relativePath: e.rel,
      sizeBytes: Math.max(e.sizeBytes, 0),
      mtimeMs: Math.max(e.mtimeMs, 0),
      layout,
      camera: layout?.camera ?? null,
      event: e.event,
      readyCheck,
      settledAtMs: Date.now(),
    });
    this.queue.push(file);
    this.wakeConsumers();
  }
}

/**
 * Watches folders (recursively, nested layouts such as Frigate's included) and yields each video
 * file once it has finished being written: its size and mtime unchanged for `stabilityMs`
 * (polled every `pollIntervalMs`), then, optionally, `readyCheck` passing (e.g. ffprobe can
 * read it). Files already there are yielded too (`includeExisting`), after the same wait.
 * Hidden names, temporary/partial names (`TEMPORARY_NAME_PATTERNS`) and non-video extensions are
 * ignored.
 *
 * ```ts
 * const watch = watchFolders(['/media/frigate/recordings'], { stabilityMs: 5000 });
 * process.once('SIGTERM', () => void watch.close());   // and SIGINT
 * for await (const file of watch) {
 *   await processOne(file);      // files arriving meanwhile are queued, oldest mtime first
 * }                              // ends after close(): the current file was finished
 * ```
 *
 * @param dirs existing directories (relative ones from the current directory).
 * @throws InputError before anything starts: not a non-empty array, a folder that does not exist
 * or is not a directory, a bad option; FasrError 'E_WATCH' when chokidar cannot be loaded.
 */
export function watchFolders(dirs: readonly string[], opts: WatchFoldersOptions = {}): FolderWatch {
  if (!Array.isArray(dirs) || dirs.length === 0) invalidValue('watchFolders', 'dirs', 'a non-empty array of directories', dirs, InputError);
  const resolved = resolveWatchOptions(opts);
  const roots: string[] = [];
  for (const dir of dirs) {
    if (typeof dir !== 'string' || dir === '') invalidValue('watchFolders', 'dirs', 'non-empty directory paths', dir, InputError);
    const abs = path.resolve(dir);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (err) {
      const reason = errnoCode(err) === 'ENOENT' ? 'not found' : `cannot stat (${errnoCode(err) || String(err)})`;
      throw new InputError(`watchFolders: ${abs}: ${reason}`, { path: abs, reason });
    }
    if (!st.isDirectory()) throw new InputError(`watchFolders: ${abs}: not a directory`, { path: abs, reason: 'not a directory' });
    if (!roots.includes(abs)) roots.push(abs);
  }
  return new FolderWatch(roots, resolved);
}
