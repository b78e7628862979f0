import { spawn } from 'node:child_process';
import { killProcessGroup, SPAWN_IN_OWN_GROUP } from './kill-process-group';
import { StderrTail } from './stderr-tail';

/** What a short-lived child process produced. */
export interface ProcessResult {
  /** Exit code, or null when the process was killed by a signal or could not start. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The last stderr lines. */
  readonly stderrTail: string;
  /** Set when the process could not be started (ENOENT, EACCES) or timed out. */
  readonly startError: Error | null;
  readonly timedOut: boolean;
}

/**
 * Runs a binary to completion and collects stdout (whole) and the end of stderr. Never rejects:
 * callers turn the result into the error that fits their context. The binary runs in a process
 * group of its own (POSIX), so a terminal's SIGINT to fasr's group does not reach it; on timeout
 * the group is SIGKILLed.
 */
export function runProcess(file: string, args: readonly string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const stdoutChunks: Buffer[] = [];
    const tail = new StderrTail(20);
    let startError: Error | null = null;
    let timedOut = false;
    let settled = false;
    // Own process group: a terminal Ctrl-C meant for fasr does not kill it (see SPAWN_IN_OWN_GROUP).
    // Not unref'd: we wait for its output.
    const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: SPAWN_IN_OWN_GROUP });
    const timer = setTimeout(() => {
      timedOut = true;
      killProcessGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => stdoutChunks.push(b));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => tail.push(s));
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tail.flush();
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        stderrTail: tail.text(),
        startError,
        timedOut,
      });
    };
    child.on('error', (err) => {
      startError = err;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}
