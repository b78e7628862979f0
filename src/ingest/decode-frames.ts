import { Observable } from 'rxjs';
import { InputError } from '../contracts';
import { checkNumber, checkOptionKeys } from '../validate';
import type { DecodeOptions } from './decode-options';
import type { FfmpegBinaries } from './ffmpeg-binaries';
import { openFrameDecoder, type DecodedFrame, type FrameDecoder } from './frame-decoder';

/** Flow control of {@link decodeFrames}. */
export interface FrameFlowControl {
  /**
   * Demand signal from the consumer (Reactive Streams style `request(n)`): each value n >= 1
   * allows n more frames to be emitted. When given, the observable emits at most
   * `initialDemand` frames plus the sum of the requests so far, and ffmpeg stays paused while
   * no frame is requested (beyond `maxBufferedFrames` decoded ahead). Use a plain `Subject`.
   * When absent, the next frame is pulled as soon as `subscriber.next()` returns: bounded only
   * if everything downstream is synchronous.
   */
  readonly demand$?: Observable<number>;
  /** Frames allowed before the first request when `demand$` is given; integer >= 0. Default 1. */
  readonly initialDemand?: number;
  /** Receives the decoder at each subscription (for `stats`: pid, buffered frames). */
  readonly onDecoder?: (decoder: FrameDecoder) => void;
}

const FLOW_KEYS: readonly string[] = ['demand$', 'initialDemand', 'onDecoder'];

/**
 * Decodes a video file into an `Observable` of full-resolution frames (plus an optional
 * analysis copy) sampled at `opts.fps`, each with its real pts. Cold: every subscription runs
 * its own ffmpeg; unsubscribing kills it.
 *
 * RxJS has no back-pressure, so an async consumer must say when it wants the next frame.
 * The pattern for an async stage (face detection):
 *
 * @example
 * const demand$ = new Subject<number>();
 * decodeFrames(file, { sourceId, fps: 5, analysisMaxWidth: 640 }, binaries, { demand$ }).pipe(
 *   concatMap(async (frame) => {
 *     try {
 *       return await detector.detect(frame);   // slow, async
 *     } finally {
 *       demand$.next(1);                       // only now ask for the next frame
 *     }
 *   }),
 * );
 * // At most initialDemand (1) frame is in concatMap's hands, plus maxBufferedFrames decoded
 * // ahead; ffmpeg waits for the rest. Without demand$, concatMap would queue the whole video.
 *
 * Damaged input ends the stream with an InputError (context.reason 'damaged') after the good
 * frames; to keep the frames and record the damage instead of failing the pipeline:
 * `catchError((e) => { markSource(e); return EMPTY; })` right after decodeFrames.
 *
 * @throws (synchronously) InputError for invalid options/binaries/flow. Errors of the decode
 *   itself (missing or non-video file, ffmpeg failure, damage) are delivered as `error`.
 */
export function decodeFrames(
  filePath: string,
  opts: DecodeOptions,
  binaries: FfmpegBinaries,
  flow: FrameFlowControl = {},
): Observable<DecodedFrame> {
  checkOptionKeys('decodeFrames.flow', flow, FLOW_KEYS, { error: InputError });
  const initialDemand = checkNumber('decodeFrames.flow', 'initialDemand', flow.initialDemand ?? 1, { integer: true, min: 0 }, InputError);
  // Validate now, synchronously, before anything runs; each subscription opens its own decoder.
  openFrameDecoder(filePath, opts, binaries);
  const { demand$, onDecoder } = flow;

  return new Observable<DecodedFrame>((subscriber) => {
    const decoder = openFrameDecoder(filePath, opts, binaries);
    onDecoder?.(decoder);
    let credit = demand$ === undefined ? Number.POSITIVE_INFINITY : initialDemand;
    let stopped = false;
    let wake: (() => void) | null = null;
    const wakeUp = (): void => {
      const w = wake;
      wake = null;
      if (w !== null) w();
    };
    const demandSub = demand$?.subscribe({
      next: (n) => {
        if (!Number.isInteger(n) || n < 1) {
          subscriber.error(new InputError(`decodeFrames: demand$ must emit integers >= 1, received ${String(n)}`, { option: 'demand$' }));
          return;
        }
        credit += n;
        wakeUp();
      },
      error: (err: unknown) => subscriber.error(err),
    });

    const run = async (): Promise<void> => {
      try {
        for (;;) {
          while (credit <= 0 && !stopped) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
          if (stopped) return;
          const r = await decoder.next();
          if (stopped) return;
          if (r.done === true) {
            subscriber.complete();
            return;
          }
          credit -= 1;
          subscriber.next(r.value);
        }
      } catch (err) {
        if (!stopped) subscriber.error(err);
      }
    };
    void run();

    return () => {
      stopped = true;
      wakeUp();
      demandSub?.unsubscribe();
      void decoder.close();
    };
  });
}
