/**
 * A decoding Node process for the process-group tests (`frame-decoder-process-group.test.ts`),
 * run with `node -r ts-node/register/transpile-only decode-child.ts <mode> <video>`. Prints one
 * JSON line per event on stdout (`{"event":"started","ffmpegPid":N}`, …). Modes:
 * - `hold`: takes one frame, then takes no more and stays alive: ffmpeg ends up blocked writing
 *   into a full pipe (the test SIGKILLs this process and watches ffmpeg);
 * - `close`: takes three frames, closes the decoder and returns without `process.exit`: the
 *   process must end on its own (nothing left keeping the event loop alive);
 * - `sigint`: decodes the whole file slowly (5 ms per frame), counting SIGINTs instead of dying of
 *   them (as `fasr batch` does); prints the frame count at the end.
 */
import { openFrameDecoder, resolveFfmpegBinaries } from '../../../src/ingest';

function say(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function main(mode: string, file: string): Promise<void> {
  const bins = await resolveFfmpegBinaries();
  const decoder = openFrameDecoder(file, { sourceId: 1, fps: 'source', maxBufferedFrames: 2 }, bins);
  let frames = 0;
  let framesAtSigint: number | null = null;
  let sigints = 0;
  if (mode === 'sigint') {
    process.on('SIGINT', () => {
      sigints += 1;
      framesAtSigint ??= frames;
    });
  }
  if (mode === 'hold') {
    // One frame, then no more (no `break`, which would close the decoder); the timer keeps this
    // process alive until the test kills it.
    const first = await decoder.next();
    say({ event: 'started', ffmpegPid: decoder.stats.pid, index: first.done === true ? null : first.value.index });
    setTimeout(() => undefined, 120_000);
    return;
  }
  for await (const frame of decoder) {
    frames += 1;
    if (frames === 1) say({ event: 'started', ffmpegPid: decoder.stats.pid, index: frame.index });
    if (mode === 'close' && frames === 3) {
      await decoder.close();
      say({ event: 'closed', frames, ffmpegPid: decoder.stats.lastPid });
      return;
    }
    if (mode === 'sigint') await new Promise((resolve) => setTimeout(resolve, 5));
  }
  say({ event: 'end', frames, framesAtSigint, sigints, end: decoder.end });
}

const [mode = '', file = ''] = process.argv.slice(2);
if (!['hold', 'close', 'sigint'].includes(mode) || file === '') {
  process.stderr.write(`usage: decode-child.ts hold|close|sigint <video>, received ${JSON.stringify(process.argv.slice(2))}\n`);
  process.exitCode = 2;
} else {
  main(mode, file).catch((err: unknown) => {
    say({ event: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exitCode = 1;
  });
}
