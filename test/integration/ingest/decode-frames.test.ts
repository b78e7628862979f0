import { concatMap, firstValueFrom, lastValueFrom, Subject, take, tap, toArray } from 'rxjs';
import { InputError } from '../../../src/contracts';
import { decodeFrames, openFrameDecoder, resolveFfmpegBinaries, type FfmpegBinaries, type FrameDecoder } from '../../../src/ingest';
import { INTEL, processExists, sleep } from './ingest-test-helpers';

const FRAME_BYTES = 768 * 432 * 3; // one-by-one-person-detection.mp4

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (!processExists(pid)) return true;
    await sleep(20);
  }
  return !processExists(pid);
}

describe('decodeFrames (Observable)', () => {
  let bins: FfmpegBinaries;
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
  });

  it('kills ffmpeg when the subscriber unsubscribes (take) and when a for-await loop breaks', async () => {
    let decoder: FrameDecoder | null = null;
    let pidWhileRunning: number | null = null;
    const frames = await lastValueFrom(
      decodeFrames(INTEL, { sourceId: 1, fps: 'source' }, bins, { onDecoder: (d) => (decoder = d) }).pipe(
        tap(() => {
          pidWhileRunning ??= decoder?.stats.pid ?? null;
        }),
        take(3),
        toArray(),
      ),
    );
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(pidWhileRunning).not.toBeNull();
    const pid = pidWhileRunning ?? -1;
    // 139 s of video were not decoded: ffmpeg must be gone, not left running or blocked on a pipe.
    expect(await waitUntilGone(pid, 3000)).toBe(true);

    const it = openFrameDecoder(INTEL, { sourceId: 1 }, bins);
    for await (const f of it) {
      if (f.index === 1) break;
    }
    const pid2 = it.stats.lastPid;
    expect(pid2).not.toBeNull();
    expect(await waitUntilGone(pid2 ?? -1, 3000)).toBe(true);
    expect(it.end).toBe('closed');
  });

  it('pauses ffmpeg while no frame is requested: memory stays bounded', async () => {
    const demand$ = new Subject<number>();
    let decoder: FrameDecoder | null = null;
    const received: number[] = [];
    const sub = decodeFrames(INTEL, { sourceId: 1, fps: 'source', maxBufferedFrames: 3 }, bins, {
      demand$,
      initialDemand: 2,
      onDecoder: (d) => (decoder = d),
    }).subscribe((f) => received.push(f.index));
    await sleep(700);
    const d = decoder as FrameDecoder | null;
    if (d === null) throw new Error('no decoder');
    const early = d.stats;
    await sleep(700);
    const late = d.stats;
    expect(received).toEqual([0, 1]);
    // Two frames taken, three buffered, the rest waits inside ffmpeg (blocked on a full pipe).
    expect(late.bufferedFrames).toBe(3);
    expect(late.peakBufferedFrames).toBeLessThanOrEqual(3);
    expect(late.bytesRead).toBeLessThanOrEqual(5 * FRAME_BYTES);
    expect(late.bytesRead).toBe(early.bytesRead);
    const pid = late.pid;
    expect(pid).not.toBeNull();
    expect(processExists(pid ?? -1)).toBe(true); // paused, not dead

    demand$.next(4);
    await sleep(500);
    expect(received).toEqual([0, 1, 2, 3, 4, 5]);
    sub.unsubscribe();
    expect(await waitUntilGone(pid ?? -1, 3000)).toBe(true);
  });

  it('paces an async consumer with demand$; without it concatMap queues frames', async () => {
    const opts = { sourceId: 1, fps: 'source' as const, startMs: 30000, durationMs: 5000, maxBufferedFrames: 2 };
    const slowConsumer = async (pending: { now: number; max: number }, demand$?: Subject<number>): Promise<number> => {
      let decoder: FrameDecoder | null = null;
      const out = await lastValueFrom(
        decodeFrames(INTEL, opts, bins, demand$ === undefined ? { onDecoder: (d) => (decoder = d) } : { demand$, onDecoder: (d) => (decoder = d) }).pipe(
          tap(() => {
            pending.now += 1;
            pending.max = Math.max(pending.max, pending.now);
          }),
          concatMap(async (frame) => {
            try {
              await sleep(8); // a slow async stage (face detection)
              return frame.ptsMs;
            } finally {
              pending.now -= 1;
              demand$?.next(1);
            }
          }),
          toArray(),
        ),
      );
      const d = decoder as FrameDecoder | null;
      expect(d?.stats.peakBufferedFrames).toBeLessThanOrEqual(2);
      return out.length;
    };
    const paced = { now: 0, max: 0 };
    expect(await slowConsumer(paced, new Subject<number>())).toBe(50);
    expect(paced.max).toBe(1); // one frame in the async stage at a time, the decoder waits
    const unpaced = { now: 0, max: 0 };
    expect(await slowConsumer(unpaced)).toBe(50);
    expect(unpaced.max).toBeGreaterThan(5); // the pitfall demand$ exists for: frames pile up in concatMap
  });

  it('delivers decode errors to the subscriber and rejects bad arguments synchronously', async () => {
    const err: unknown = await firstValueFrom(decodeFrames('/nonexistent/clip.mp4', { sourceId: 1 }, bins)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ context: { reason: 'not found' } });
    expect(() => decodeFrames(INTEL, { sourceId: 1, fps: -1 }, bins)).toThrow(/DecodeOptions\.fps: expected a number in \(0, 240\]/);
    expect(() => decodeFrames(INTEL, { sourceId: 1 }, bins, { demand: new Subject<number>() } as never)).toThrow(
      /decodeFrames\.flow: unknown option "demand"; valid options: demand\$, initialDemand, onDecoder/,
    );
    expect(() => decodeFrames(INTEL, { sourceId: 1 }, {} as FfmpegBinaries)).toThrow(/expected binaries from resolveFfmpegBinaries/);
  });
});
