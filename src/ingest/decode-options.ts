import { InputError } from '../contracts';
import { checkChoice, checkOptionKeys, invalidValue } from '../validate';

/** What to do when ffmpeg reports damaged input (corrupt packets, a truncated file). */
export type DamagePolicy = 'stop' | 'continue';
export const DAMAGE_POLICIES: readonly DamagePolicy[] = ['stop', 'continue'];

/** How ffmpeg hands over the full-resolution frame (see `DecodeOptions.fullFrameFormat`). */
export type FullFrameFormat = 'yuv420p' | 'rgb24';
export const FULL_FRAME_FORMATS: readonly FullFrameFormat[] = ['yuv420p', 'rgb24'];

/** Options of `decodeFrames` / `openFrameDecoder`. */
export interface DecodeOptions {
  /** Store id of the source; copied into every Frame. Integer >= 0. Required. */
  readonly sourceId: number;
  /**
   * Analysis frame rate, frames per second of video time, in (0, 240], or 'source' for every
   * decoded frame. Default 5: CCTV is usually recorded at 10–30 fps; a person crossing the view
   * takes seconds, so 5 samples a second still give each face several sightings and keep the
   * box motion between samples small enough for IoU tracking, while face detection (the costly
   * step downstream) runs 2–6x less often than at the recording rate. Sampling keeps the FIRST
   * real frame in each 1/fps slot of video time (slots counted from `startMs`), so each Frame keeps
   * its true pts (variable frame rate stays right); no frame is duplicated or re-timed.
   */
  readonly fps?: number | 'source';
  /**
   * First presentation time to emit, ms, >= 0, in the stream's own timeline (the one `Frame.ptsMs`
   * and `SourceProbe.startTimeMs` use; a file whose first frame is at 852 ms emits nothing before
   * 852 ms whatever this says). Default 0.
   */
  readonly startMs?: number;
  /** Length of the range to emit, ms, > 0: frames with ptsMs < startMs + durationMs. Default: to the end. */
  readonly durationMs?: number;
  /**
   * When set (px, integer >= 16), each frame also carries `analysis`: a copy scaled (area filter)
   * to at most this width, aspect kept, for face detection; `rgb`/`width`/`height` stay full
   * resolution for cropping. When the frame is not wider, `analysis` shares the full frame's
   * buffer (scale 1). Default: unset (`analysis` is null).
   */
  readonly analysisMaxWidth?: number;
  /**
   * Most decoded frames held in memory ahead of the consumer (integer 1–64). ffmpeg is paused
   * (its stdout is no longer read) while this many frames wait. Default 2.
   */
  readonly maxBufferedFrames?: number;
  /**
   * Damaged input (ffmpeg logs a demux/decode error): 'stop' (default) emits only the frames that
   * left the decoder before the first error, then ends the stream with an InputError
   * (reason 'damaged'); 'continue' emits everything ffmpeg still decodes (possibly with
   * concealment artefacts) and ends with the same error. Either way the error comes last and the
   * frames already emitted stay valid.
   */
  readonly onDamage?: DamagePolicy;
  /**
   * Watchdog, ms, integer in [100, 3600000]: when ffprobe does not finish, or ffmpeg produces
   * nothing (no frame bytes, no log line) for this long while the consumer is waiting for frames,
   * its process group is SIGKILLed and the stream ends with an InputError (reason 'stalled')
   * after the frames already decoded: a stalled network mount, a FIFO, a live playlist that
   * never ends. Time the decoder spends paused because the consumer has not taken its frames
   * does not count. Default 60000: far above any pause of a healthy decode of a local or LAN
   * file (ffmpeg prints a line per sampled frame), short enough that a stuck input costs a
   * minute of the night, not the night.
   */
  readonly stallTimeoutMs?: number;
  /**
   * How the full-resolution frame leaves ffmpeg when there is an analysis copy (`analysisMaxWidth`
   * set and the frame wider). 'yuv420p' (default): as the decoder made it, 1.5 bytes/px and no
   * conversion of the whole frame in ffmpeg; `DecodedFrame.yuv` holds it, `readRgbRegion` converts
   * just the rectangle a face crop reads, and `rgb` converts the whole frame on first read, all
   * exactly as ffmpeg's rgb24 conversion would (src/image `yuv420ToRgb`). Most frames of a gated
   * night are never cropped, so most frames are never converted (docs/pipeline.md, "Full-resolution
   * frames as yuv420p"). Used only where that conversion is ffmpeg's unscaled yuv2rgb path with a
   * known matrix: a yuv420p source, limited range, BT.709 or BT.601 (or untagged), even height,
   * width a multiple of 8; other sources, and frames with no analysis copy (the frame itself is
   * what the detector sees), decode as 'rgb24' whatever this says. 'rgb24': ffmpeg converts every
   * frame (the behaviour before; 3 bytes/px).
   */
  readonly fullFrameFormat?: FullFrameFormat;
}

/** {@link DecodeOptions} with defaults applied. */
export interface ResolvedDecodeOptions {
  readonly sourceId: number;
  readonly fps: number | 'source';
  readonly startMs: number;
  /** null: to the end of the file. */
  readonly durationMs: number | null;
  /** null: no analysis copy. */
  readonly analysisMaxWidth: number | null;
  readonly maxBufferedFrames: number;
  readonly onDamage: DamagePolicy;
  readonly stallTimeoutMs: number;
  readonly fullFrameFormat: FullFrameFormat;
}

/** Defaults of the optional {@link DecodeOptions} fields. */
export const DEFAULT_DECODE_OPTIONS = Object.freeze({
  fps: 5,
  startMs: 0,
  durationMs: null,
  analysisMaxWidth: null,
  maxBufferedFrames: 2,
  onDamage: 'stop',
  stallTimeoutMs: 60000,
  fullFrameFormat: 'yuv420p',
} as const);

const KEYS: readonly string[] = ['sourceId', 'fps', 'startMs', 'durationMs', 'analysisMaxWidth', 'maxBufferedFrames', 'onDamage', 'stallTimeoutMs', 'fullFrameFormat'];

const WHERE = 'DecodeOptions';

function fail(name: string, expected: string, received: unknown): never {
  return invalidValue(WHERE, name, expected, received, InputError);
}

/**
 * Validates decode options and applies defaults. Rejects unknown keys.
 * @throws InputError naming the option, what was expected and what was received.
 */
export function resolveDecodeOptions(opts: DecodeOptions): ResolvedDecodeOptions {
  if (opts === undefined) fail('sourceId', 'an integer >= 0', undefined);
  checkOptionKeys(WHERE, opts, KEYS, { error: InputError });
  const { sourceId } = opts;
  if (typeof sourceId !== 'number' || !Number.isInteger(sourceId) || sourceId < 0) fail('sourceId', 'an integer >= 0', sourceId);
  const fps = opts.fps ?? DEFAULT_DECODE_OPTIONS.fps;
  if (fps !== 'source' && (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > 240)) {
    fail('fps', 'a number in (0, 240] or "source"', fps);
  }
  const startMs = opts.startMs ?? DEFAULT_DECODE_OPTIONS.startMs;
  if (typeof startMs !== 'number' || !Number.isFinite(startMs) || startMs < 0) fail('startMs', 'a finite number >= 0 (ms)', startMs);
  const durationMs = opts.durationMs ?? null;
  if (durationMs !== null && (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0)) {
    fail('durationMs', 'a finite number > 0 (ms)', durationMs);
  }
  const analysisMaxWidth = opts.analysisMaxWidth ?? null;
  if (analysisMaxWidth !== null && (typeof analysisMaxWidth !== 'number' || !Number.isInteger(analysisMaxWidth) || analysisMaxWidth < 16)) {
    fail('analysisMaxWidth', 'an integer >= 16 (px)', analysisMaxWidth);
  }
  const maxBufferedFrames = opts.maxBufferedFrames ?? DEFAULT_DECODE_OPTIONS.maxBufferedFrames;
  if (typeof maxBufferedFrames !== 'number' || !Number.isInteger(maxBufferedFrames) || maxBufferedFrames < 1 || maxBufferedFrames > 64) {
    fail('maxBufferedFrames', 'an integer in [1, 64]', maxBufferedFrames);
  }
  const onDamage = opts.onDamage ?? DEFAULT_DECODE_OPTIONS.onDamage;
  checkChoice(WHERE, 'onDamage', onDamage, DAMAGE_POLICIES, InputError);
  const stallTimeoutMs = opts.stallTimeoutMs ?? DEFAULT_DECODE_OPTIONS.stallTimeoutMs;
  if (typeof stallTimeoutMs !== 'number' || !Number.isInteger(stallTimeoutMs) || stallTimeoutMs < 100 || stallTimeoutMs > 3_600_000) {
    fail('stallTimeoutMs', 'an integer in [100, 3600000] (ms)', stallTimeoutMs);
  }
  const fullFrameFormat = opts.fullFrameFormat ?? DEFAULT_DECODE_OPTIONS.fullFrameFormat;
  checkChoice(WHERE, 'fullFrameFormat', fullFrameFormat, FULL_FRAME_FORMATS, InputError);
  return Object.freeze({ sourceId, fps, startMs, durationMs, analysisMaxWidth, maxBufferedFrames, onDamage, stallTimeoutMs, fullFrameFormat });
}
