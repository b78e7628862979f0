/**
 * SIGINT/SIGTERM → an AbortSignal for a clean stop (the current source is finished, its results
 * and status written in one transaction); a second signal exits at once (exit code 130), which is
 * safe too: an unfinished source stays `running`/`pending` without results and is redone next time.
 * Call `dispose()` when the command ends.
 */
export function stopOnSignals(onFirst: (signal: NodeJS.Signals) => void): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    onFirst(sig);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
