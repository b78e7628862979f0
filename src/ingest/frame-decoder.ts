import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { FfmpegError, InputError, type Frame } from '../contracts';
import { yuv420Planes } from '../image';
import type { AnalysisImage, DecodedFrame } from './decoded-frame';
import { buildDecodePlan, type DecodePlan } from './decode-args';
import { resolveDecodeOptions, type DecodeOptions, type ResolvedDecodeOptions } from './decode-options';
import { assertFfmpegBinaries, type FfmpegBinaries } from './ffmpeg-binaries';
import { damageKindOf, isDamageLine, parseFfmpegLogLine } from './ffmpeg-log-line';
import { killProcessGroup, SPAWN_IN_OWN_GROUP } from './kill-process-group';
import { probeSource, type SourceProbe } from './probe-source';
import { StderrTail } from './stderr-tail';
import { Yuv420Frame } from './yuv420-frame';

export type { AnalysisImage, DecodedFrame } from './decoded-frame';

/** Live counters of a decoder, for tests, benchmarks and progress display. */
export interface DecoderStats {
  /** Pid of the running ffmpeg; null before it started and after it exited. */
  readonly pid: number | null;
  /** Pid of the last ffmpeg started (kept after exit, to check that it is gone). */
  readonly lastPid: number | null;
  readonly framesEmitted: number;
  /** Frames decoded and held in memory, not yet taken by the consumer (complete frames only). */
  readonly bufferedFrames: number;
  /** Highest `bufferedFrames` seen so far: stays <= maxBufferedFrames whatever the video length. */
  readonly peakBufferedFrames: number;
  /** Bytes of raw frames read from ffmpeg so far. */
  readonly bytesRead: number;
}

/** Why the decode stopped, once it has. */
export type DecodeEnd = 'eof' | 'range-end' | 'closed' | 'damaged' | 'failed';

/** How a finished (or damaged) decode went; reported in the error context as well. */
export interface DamageReport {
  /** 'truncated': the file ends early; 'corrupt': bad data inside. */
  readonly kind: 'truncated' | 'corrupt';
  /** First error line ffmpeg printed. */
  readonly firstError: string;
  /** Frames that had left the decoder (sampled ones) when the first error was printed: frames with a lower index are from before the damage. */
  readonly framesBeforeDamage: number;
  /** Error lines printed in all. */
  readonly errorLines: number;
}

/**
 * Pull-based decoder of one video file into {@link DecodedFrame}s: an AsyncIterable whose
 * `next()` hands out one frame at a time. ffmpeg runs as a child process writing raw rgb24 frames
 * to a pipe; the decoder reads a frame from the pipe only while fewer than `maxBufferedFrames`
 * complete frames wait for the consumer. When the consumer is slow, the pipe fills and ffmpeg
 * blocks in write(): memory stays bounded (about maxBufferedFrames + 2 frames) whatever the
 * video's length. `return()` (a `break` out of `for await`) or `close()` kills ffmpeg.
 *
 * Single use: iterate once. Create with {@link openFrameDecoder}.
 *
 * Stream end: completes after the last frame (or at the end of the requested range); on damaged
 * input throws an InputError with `context.reason === 'damaged'` (see `DecodeOptions.onDamage`)
 * after the frames from before the damage; a failing ffmpeg throws an FfmpegError with its exit
 * code and the end of stderr.
 */
export class FrameDecoder implements AsyncIterableIterator<DecodedFrame> {
  private readonly ready: DecodedFrame[] = [];
  private readonly fullQueue: Buffer[] = [];
  private readonly analysisQueue: Buffer[] = [];
  private readonly ptsQueue: (number | null)[] = [];
  private readonly tail = new StderrTail(20);
  private stderrPartial = '';
  private started = false;
  private child: ChildProcess | null = null;
  private plan: DecodePlan | null = null;
  private probeResult: SourceProbe | null = null;
  private timeBase: { num: number; den: number } | null = null;
  private frameLinesSeen = 0;
  private assembled = 0;
  private emitted = 0;
  private peakBuffered = 0;
  private bytesRead = 0;
  private lastPid: number | null = null;
  private exitCode: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private exited = false;
  private fullEnded = false;
  private analysisEnded = false;
  private stderrEnded = false;
  private partialFrameBytes = 0;
  private damage: DamageReport | null = null;
  /** Set when we decided to stop (range end, damage, close, failure): ffmpeg gets killed, no more frames are assembled. */
  private stopReason: DecodeEnd | null = null;
  private failure: Error | null = null;
  private finished = false;
  private lastPtsMs: number | null = null;
  private wake: (() => void) | null = null;
  private exitWaiters: (() => void)[] = [];
  /** Last sign of life from ffmpeg (bytes on a pipe, a log line) or of a consumer-side pause, ms since the epoch. */
  private lastProgressMs = 0;
  private watchdog: NodeJS.Timeout | null = null;

  /** Use {@link openFrameDecoder}, which validates its arguments. */
  constructor(
    private readonly filePath: string,
    private readonly opts: ResolvedDecodeOptions,
    private readonly binaries: FfmpegBinaries,
  ) {}

  /** The probe of the source, once the decode has started (null before). */
  get probe(): SourceProbe | null {
    return this.probeResult;
  }

  /** Why the decode ended; null while it runs. */
  get end(): DecodeEnd | null {
    return this.finished ? this.stopReason ?? 'eof' : null;
  }

  get stats(): DecoderStats {
    return {
      pid: this.child !== null && !this.exited ? this.child.pid ?? null : null,
      lastPid: this.lastPid,
      framesEmitted: this.emitted,
      bufferedFrames: this.buffered(),
      peakBufferedFrames: this.peakBuffered,
      bytesRead: this.bytesRead,
    };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next frame; `done` at the end of the video or range. @throws InputError (damaged input, see class doc), FfmpegError. */
  async next(): Promise<IteratorResult<DecodedFrame, undefined>> {
    if (this.finished && this.ready.length === 0) return { value: undefined, done: true };
    if (!this.started) {
      this.started = true;
      try {
        await this.start();
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.stopReason = 'failed';
      }
    }
    for (;;) {
      const frame = this.ready.shift();
      if (frame !== undefined) {
        this.emitted += 1;
        this.lastPtsMs = frame.ptsMs;
        this.pump();
        return { value: frame, done: false };
      }
      if (this.finished) return { value: undefined, done: true };
      const err = this.failure;
      if (err !== null) {
        this.finish();
        throw err;
      }
      if (this.stopReason === 'range-end' || this.stopReason === 'closed') {
        this.finish();
        return { value: undefined, done: true };
      }
      if (this.stopReason === 'damaged') {
        this.finish();
        throw this.damageError();
      }
      if (this.processDone()) {
        const outcome = this.outcomeAtExit();
        this.finish();
        if (outcome !== null) throw outcome;
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Ends the iteration early: kills ffmpeg and drops buffered frames. */
  async return(): Promise<IteratorResult<DecodedFrame, undefined>> {
    await this.close();
    return { value: undefined, done: true };
  }

  /** Kills ffmpeg (if running), drops buffered frames and resolves once the process has exited. Idempotent. */
  async close(): Promise<void> {
    if (this.stopReason === null) this.stopReason = 'closed';
    this.ready.length = 0;
    this.finish();
    const child = this.child;
    if (child === null || this.exited) return;
    await new Promise<void>((resolve) => this.exitWaiters.push(resolve));
  }

  private buffered(): number {
    return this.ready.length + Math.max(this.fullQueue.length, this.analysisQueue.length);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    if (w !== null) w();
  }

  private async start(): Promise<void> {
    // ffprobe prints nothing before it is done: no answer within the stall window is no progress.
    const probe = await probeSource(this.filePath, this.binaries, { timeoutMs: this.opts.stallTimeoutMs });
    this.probeResult = probe;
    if (this.stopReason !== null) return; // closed while probing
    const plan = buildDecodePlan(this.filePath, probe, this.opts);
    this.plan = plan;
    // A process group of its own: a terminal's Ctrl-C (SIGINT to the foreground group) reaches
    // fasr only, which decides whether this file is finished. Not unref'd: we read its pipes, and
    // they keep the event loop alive exactly as long as the decode runs. If fasr dies (kill -9),
    // ffmpeg's next write into the reader-less pipe fails with EPIPE and ffmpeg exits.
    const child = spawn(this.binaries.ffmpeg.path, [...plan.args], {
      stdio: ['ignore', 'pipe', 'pipe', plan.analysis !== null ? 'pipe' : 'ignore'],
      detached: SPAWN_IN_OWN_GROUP,
    });
    this.child = child;
    this.lastPid = child.pid ?? null;
    const full = child.stdout;
    const stderr = child.stderr;
    const ana = plan.analysis !== null ? child.stdio[3] : null;
    if (full === null || stderr === null || (plan.analysis !== null && (ana === null || ana === undefined || !('read' in ana)))) {
      killProcessGroup(child, 'SIGKILL');
      throw new FfmpegError('decodeFrames: ffmpeg was started without the expected pipes', null, '', { path: this.filePath });
    }
    this.lastProgressMs = Date.now();
    this.watchdog = setInterval(() => this.checkStall(), Math.max(50, Math.min(1000, Math.floor(this.opts.stallTimeoutMs / 4))));
    full.on('readable', () => {
      this.lastProgressMs = Date.now();
      this.pump();
    });
    full.on('end', () => {
      this.fullEnded = true;
      this.notify();
    });
    if (ana !== null && ana !== undefined && 'read' in ana) {
      ana.on('readable', () => {
        this.lastProgressMs = Date.now();
        this.pump();
      });
      ana.on('end', () => {
        this.analysisEnded = true;
        this.notify();
      });
    } else {
      this.analysisEnded = true;
    }
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      this.lastProgressMs = Date.now();
      this.onStderr(chunk);
    });
    stderr.on('end', () => {
      this.onStderr('\n');
      this.stderrEnded = true;
      this.notify();
    });
    for (const s of [full, stderr, ana]) {
      // A destroyed pipe after kill() reports EPIPE/ECONNRESET; the exit status tells the story.
      if (s !== null && s !== undefined) s.on('error', () => undefined);
    }
    child.on('error', (err) => {
      if (this.stopReason === null) {
        this.failure = new FfmpegError(`decodeFrames: cannot run ffmpeg at ${this.binaries.ffmpeg.path}: ${err.message}`, null, this.tail.text(), {
          path: this.filePath,
        });
        this.stopReason = 'failed';
      }
      this.onExit(null, null);
    });
    child.on('exit', (code, signal) => this.onExit(code, signal));
  }

  /**
   * The watchdog: ffmpeg has printed nothing and written nothing for `stallTimeoutMs` although
   * the buffer has room (the consumer is not what holds it back): stop with reason 'stalled'.
   */
  private checkStall(): void {
    if (this.exited || this.stopReason !== null) {
      this.stopWatchdog();
      return;
    }
    const now = Date.now();
    // Paused by back-pressure (the consumer has not taken the frames): not ffmpeg's stall.
    if (this.buffered() >= this.opts.maxBufferedFrames) {
      this.lastProgressMs = now;
      return;
    }
    const idleMs = now - this.lastProgressMs;
    if (idleMs < this.opts.stallTimeoutMs) return;
    this.failure = new InputError(
      `decodeFrames: ${this.filePath}: no progress (no frame, no output from ffmpeg) for ${idleMs} ms after ${this.emitted + this.ready.length} frames ` +
        `(stallTimeoutMs ${this.opts.stallTimeoutMs}: a stalled mount, a FIFO or an input that never ends); ffmpeg's process group was killed`,
      { path: this.filePath, reason: 'stalled', stallTimeoutMs: this.opts.stallTimeoutMs, framesEmitted: this.emitted, lastPtsMs: this.lastPtsMs, stderrTail: this.tail.text() },
    );
    this.stopWatchdog();
    this.beginStop('failed');
  }

  private stopWatchdog(): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.stopWatchdog();
    this.exitCode = code;
    this.exitSignal = signal;
    for (const w of this.exitWaiters.splice(0)) w();
    if (this.stopReason !== null) {
      // We are not going to read what is left in the pipes.
      this.child?.stdout?.destroy();
      this.child?.stderr?.destroy();
      this.fullEnded = true;
      this.analysisEnded = true;
      this.stderrEnded = true;
    }
    this.notify();
  }

  private onStderr(chunk: string): void {
    const text = this.stderrPartial + chunk;
    const lines = text.split(/\r\n|\r|\n/);
    this.stderrPartial = lines.pop() ?? '';
    for (const raw of lines) {
      if (raw === '') continue;
      const line = parseFfmpegLogLine(raw);
      if (line.kind === 'frame') {
        this.frameLinesSeen += 1;
        this.ptsQueue.push(line.pts);
        continue;
      }
      if (line.kind === 'timeBase') {
        this.timeBase = { num: line.num, den: line.den };
        continue;
      }
      if (raw.startsWith('[Parsed_showinfo_')) continue; // showinfo's per-frame detail lines
      this.tail.add(raw);
      if (isDamageLine(line) && this.stopReason === null) {
        if (this.damage === null) {
          this.damage = { kind: damageKindOf(raw), firstError: raw, framesBeforeDamage: this.frameLinesSeen, errorLines: 1 };
        } else {
          this.damage = { ...this.damage, errorLines: this.damage.errorLines + 1, kind: this.damage.kind === 'truncated' ? 'truncated' : damageKindOf(raw) };
        }
      }
    }
    this.pump();
  }

  /** Reads complete frames from the pipes while the buffer has room, pairs them with their pts. */
  private pump(): void {
    const child = this.child;
    const plan = this.plan;
    if (child === null || plan === null || this.stopReason !== null) {
      this.notify();
      return;
    }
    const max = this.opts.maxBufferedFrames;
    this.readFrames(child.stdout, plan.fullFrameBytes, this.fullQueue, max);
    if (plan.analysis !== null) {
      const ana = child.stdio[3];
      if (ana !== null && ana !== undefined && 'read' in ana) {
        this.readFrames(ana, plan.analysis.width * plan.analysis.height * 3, this.analysisQueue, max);
      }
    }
    this.peakBuffered = Math.max(this.peakBuffered, this.buffered());
    this.assemble();
    this.notify();
  }

  private readFrames(stream: Readable | null, frameBytes: number, queue: Buffer[], max: number): void {
    if (stream === null) return;
    while (this.ready.length + queue.length < max) {
      // read(n) returns exactly n bytes or null (it raises the stream's highWaterMark to n, so
      // Node buffers at most about one frame); at EOF it returns a shorter remainder.
      const chunk: unknown = stream.read(frameBytes);
      if (!Buffer.isBuffer(chunk)) break;
      this.bytesRead += chunk.length;
      if (chunk.length < frameBytes) {
        this.partialFrameBytes = chunk.length;
        break;
      }
      queue.push(chunk);
    }
  }

  private assemble(): void {
    const plan = this.plan;
    if (plan === null) return;
    const analysisSize = plan.analysis;
    const needAnalysis = analysisSize !== null;
    const policyStop = this.opts.onDamage === 'stop';
    while (this.stopReason === null && this.fullQueue.length > 0 && this.ptsQueue.length > 0 && (!needAnalysis || this.analysisQueue.length > 0)) {
      const index = this.assembled;
      if (policyStop && this.damage !== null && index >= this.damage.framesBeforeDamage) {
        this.beginStop('damaged');
        return;
      }
      const pts = this.ptsQueue.shift() ?? null;
      const rgbBuf = this.fullQueue.shift();
      const anaBuf = needAnalysis ? this.analysisQueue.shift() : undefined;
      if (rgbBuf === undefined) return; // unreachable: guarded by the loop condition
      if (pts === null) {
        this.failure = new FfmpegError(`decodeFrames: ${this.filePath}: frame ${index} has no presentation timestamp`, null, this.tail.text(), {
          path: this.filePath,
        });
        this.beginStop('failed');
        return;
      }
      const tb = this.timeBase ?? this.probeResult?.timeBase ?? { num: 1, den: 1000 };
      const ptsMs = (pts * tb.num * 1000) / tb.den;
      const endMs = this.opts.durationMs === null ? null : this.opts.startMs + this.opts.durationMs;
      if (endMs !== null && ptsMs >= endMs) {
        this.beginStop('range-end');
        return;
      }
      const full = new Uint8Array(rgbBuf.buffer, rgbBuf.byteOffset, rgbBuf.byteLength);
      const copy: AnalysisImage | null =
        analysisSize !== null && anaBuf !== undefined
          ? {
              width: analysisSize.width,
              height: analysisSize.height,
              rgb: new Uint8Array(anaBuf.buffer, anaBuf.byteOffset, anaBuf.byteLength),
              scaleX: plan.width / analysisSize.width,
              scaleY: plan.height / analysisSize.height,
            }
          : null;
      if (plan.fullYuvMatrix !== null) {
        // yuv420p is chosen only with an analysis copy (decode-args fullYuvMatrixFor).
        this.ready.push(new Yuv420Frame(this.opts.sourceId, index, ptsMs, yuv420Planes(full, plan.width, plan.height, plan.fullYuvMatrix), copy));
      } else {
        const analysis: AnalysisImage | null =
          this.opts.analysisMaxWidth === null ? null : (copy ?? { width: plan.width, height: plan.height, rgb: full, scaleX: 1, scaleY: 1 });
        this.ready.push({ sourceId: this.opts.sourceId, index, ptsMs, width: plan.width, height: plan.height, rgb: full, analysis, yuv: null });
      }
      this.assembled += 1;
    }
    if (policyStop && this.damage !== null && this.stopReason === null && this.assembled >= this.damage.framesBeforeDamage) {
      this.beginStop('damaged');
    }
  }

  /** Stops taking frames: keeps the ready ones for the consumer, kills ffmpeg. */
  private beginStop(reason: DecodeEnd): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.fullQueue.length = 0;
    this.analysisQueue.length = 0;
    this.kill();
    this.notify();
  }

  private kill(): void {
    const child = this.child;
    if (child !== null && !this.exited) {
      // SIGKILL: ffmpeg may be blocked writing to a pipe nobody reads; SIGTERM would not end it.
      // To its group: ffmpeg runs in a group of its own (see start()).
      killProcessGroup(child, 'SIGKILL');
    }
  }

  private finish(): void {
    this.finished = true;
    this.stopWatchdog();
    this.fullQueue.length = 0;
    this.analysisQueue.length = 0;
    this.kill();
    this.notify();
  }

  private processDone(): boolean {
    if (!this.exited || !this.stderrEnded) return false;
    // Every timestamp has been paired but frames are left over: more output than timestamps.
    // The pipes cannot progress (the buffer is full of unpaired frames), so do not wait for them.
    const stuck = this.ptsQueue.length === 0 && (this.fullQueue.length > 0 || this.analysisQueue.length > 0);
    return stuck || (this.fullEnded && this.analysisEnded);
  }

  /** The error to end with once ffmpeg exited on its own, or null for a clean end of file. */
  private outcomeAtExit(): Error | null {
    const ctx = { path: this.filePath, framesEmitted: this.emitted, lastPtsMs: this.lastPtsMs, damage: this.damage };
    if (this.exitCode !== 0) {
      const how = this.exitCode === null ? `was killed by ${String(this.exitSignal)}` : `exited with code ${this.exitCode}`;
      return new FfmpegError(
        `decodeFrames: ffmpeg ${how} while decoding ${this.filePath} after ${this.emitted} frames: ${this.tail.last()}`,
        this.exitCode,
        this.tail.text(),
        ctx,
      );
    }
    if (this.damage !== null) return this.damageError();
    const leftover = this.fullQueue.length + this.analysisQueue.length + this.ptsQueue.length;
    if (this.partialFrameBytes > 0 || leftover > 0) {
      return new FfmpegError(
        `decodeFrames: ffmpeg output for ${this.filePath} ended out of step (a ${this.partialFrameBytes}-byte partial frame, ${this.ptsQueue.length} timestamps and ${this.fullQueue.length} frames unpaired)`,
        this.exitCode,
        this.tail.text(),
        ctx,
      );
    }
    return null;
  }

  private damageError(): InputError {
    const d = this.damage;
    const kind = d?.kind ?? 'corrupt';
    return new InputError(
      `decodeFrames: ${this.filePath}: damaged input (${kind}); ${this.emitted} frames were emitted before the stream ended` +
        (d !== null ? `; first error after ${d.framesBeforeDamage} frames: ${d.firstError}` : ''),
      {
        path: this.filePath,
        reason: 'damaged',
        damageKind: kind,
        damage: d,
        framesEmitted: this.emitted,
        lastPtsMs: this.lastPtsMs,
        exitCode: this.exitCode,
        stderrTail: this.tail.text(),
      },
    );
  }
}

/**
 * Opens a pull-based decoder (see {@link FrameDecoder}). Validates the arguments now (before any
 * side effect); ffprobe and ffmpeg start on the first `next()`.
 *
 * @example
 * const decoder = openFrameDecoder(file, { sourceId, fps: 5 }, binaries);
 * for await (const frame of decoder) {
 *   await detectFaces(frame); // the next frame is decoded only as the buffer drains
 * }                           // `break` here kills ffmpeg
 *
 * @throws InputError for invalid options, binaries or path argument. File problems (missing,
 *   empty, unreadable, not a video) surface from the first `next()`, as InputError.
 */
export function openFrameDecoder(filePath: string, opts: DecodeOptions, binaries: FfmpegBinaries): FrameDecoder {
  assertFfmpegBinaries(binaries, 'decodeFrames');
  if (typeof filePath !== 'string' || filePath === '') {
    throw new InputError(`decodeFrames: expected a non-empty file path string, received ${JSON.stringify(filePath)}`, { option: 'path' });
  }
  const resolved = resolveDecodeOptions(opts);
  return new FrameDecoder(filePath, resolved, binaries);
}
