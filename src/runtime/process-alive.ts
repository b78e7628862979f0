/**
 * Whether process `pid` of this host exists (signal 0 probes without signalling; EPERM: it exists
 * but belongs to someone else). A reused pid makes a dead process look alive, never the reverse.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
