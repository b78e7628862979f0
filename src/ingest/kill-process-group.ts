import type { ChildProcess } from 'node:child_process';

/**
 * Whether ffmpeg/ffprobe are spawned in a process group of their own (`detached: true`, which is
 * `setsid()` on POSIX). Then a terminal's Ctrl-C, which the kernel sends to the whole foreground
 * process group, reaches only fasr, which finishes or abandons the file on its own terms, instead
 * of also reaching ffmpeg, which would end the decode early. Not on Windows, where `detached`
 * gives the child a console of its own instead.
 */
export const SPAWN_IN_OWN_GROUP: boolean = process.platform !== 'win32';

/**
 * Sends `signal` to the process group of a child spawned with `detached: SPAWN_IN_OWN_GROUP`
 * (its group id is its pid), so that anything it started goes too; falls back to the child
 * alone where there is no group of its own or the group is gone. Does nothing once the child
 * has exited: its pid, and so its group id, may by then belong to another process.
 */
export function killProcessGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  if (pid === undefined) return; // it never started (ENOENT, EACCES): the 'error' event says so
  if (SPAWN_IN_OWN_GROUP) {
    try {
      process.kill(-pid, signal);
      return;
    } catch {
      // ESRCH (the group has just gone) or EPERM: try the child itself, which reports its own errors.
    }
  }
  child.kill(signal);
}
