import * as fs from 'node:fs';
import * as path from 'node:path';
import { FfmpegError, InputError } from '../contracts';
import { checkNumber, checkOptionKeys } from '../validate';
import { assertFfmpegBinaries, type FfmpegBinaries } from './ffmpeg-binaries';
import { runProcess } from './run-process';

/** A rational number as ffprobe prints it ("30000/1001"). */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

/** What ffprobe says about a video file, reduced to what the pipeline needs. */
export interface SourceProbe {
  readonly path: string;
  readonly sizeBytes: number;
  /** Last modification time of the file, ms since the Unix epoch. */
  readonly mtimeMs: number;
  /** Container format as ffprobe names it, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  readonly formatName: string;
  /** Duration of the file (container), ms; null when unknown (e.g. some raw streams). */
  readonly durationMs: number | null;
  /** Index of the video stream used (the first video stream that is not cover art). */
  readonly videoStreamIndex: number;
  /** Decoder name, e.g. "h264", "mpeg4", "hevc". */
  readonly codecName: string;
  /** Stream time base (the unit of its pts). */
  readonly timeBase: Rational;
  /** Presentation time of the first video frame, ms, in the same timeline as `Frame.ptsMs`; null when unknown. */
  readonly startTimeMs: number | null;
  /** Average frame rate (frames / duration), fps; null when ffprobe reports 0/0. */
  readonly avgFrameRate: number | null;
  /** "Real" base frame rate (r_frame_rate: the lowest rate that represents all timestamps), fps; null when 0/0. */
  readonly realFrameRate: number | null;
  /** Width and height of the coded pictures, px (before rotation). */
  readonly codedWidth: number;
  readonly codedHeight: number;
  /**
   * Display rotation from the stream's display matrix (or the legacy `rotate` tag), degrees
   * counter-clockwise as ffprobe reports it, normalised to 0, 90, 180 or 270.
   */
  readonly rotationDeg: 0 | 90 | 180 | 270;
  /** Displayed size, px: coded size with width and height swapped for 90/270 rotations. Decoded frames have this size. */
  readonly width: number;
  readonly height: number;
  /** Number of video frames from the container index; null when the container does not say. */
  readonly frameCount: number | null;
  readonly hasAudio: boolean;
  /** Decoded pixel format as ffprobe names it ("yuv420p", "yuvj420p", …); null when it does not say. */
  readonly pixFormat: string | null;
  /** YCbCr matrix tag ("bt709", "smpte170m", "bt470bg", …); null when untagged ("unknown"). */
  readonly colorSpace: string | null;
  /** Sample range tag: "tv" (limited) or "pc" (full); null when untagged ("unknown"). */
  readonly colorRange: string | null;
}

/** Options of {@link probeSource}. */
export interface ProbeOptions {
  /** Time allowed for ffprobe, ms, >= 1. Default 30000. */
  readonly timeoutMs?: number;
}

type Json = Record<string, unknown>;

/** A string field of ffprobe's JSON; null when absent or "unknown". */
function tagOf(o: Json, key: string): string | null {
  const v = o[key];
  return typeof v === 'string' && v !== '' && v !== 'unknown' ? v : null;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberField(obj: Json, key: string): number | null {
  const v = obj[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function parseRational(v: unknown): Rational | null {
  if (typeof v !== 'string') return null;
  const m = /^(-?\d+)\/(\d+)$/.exec(v.trim());
  if (!m) return null;
  return { num: Number(m[1]), den: Number(m[2]) };
}

function rateOf(v: unknown): number | null {
  const r = parseRational(v);
  return r !== null && r.num > 0 && r.den > 0 ? r.num / r.den : null;
}

function normaliseRotation(deg: number): 0 | 90 | 180 | 270 {
  const q = ((Math.round(deg / 90) * 90) % 360 + 360) % 360;
  return q === 90 ? 90 : q === 180 ? 180 : q === 270 ? 270 : 0;
}

/** Rotation of a stream, degrees counter-clockwise (display-matrix convention). */
function rotationOf(stream: Json): 0 | 90 | 180 | 270 {
  const sideData = stream['side_data_list'];
  if (Array.isArray(sideData)) {
    for (const sd of sideData) {
      if (isRecord(sd)) {
        const r = numberField(sd, 'rotation');
        if (r !== null) return normaliseRotation(r);
      }
    }
  }
  const tags = stream['tags'];
  if (isRecord(tags)) {
    // The legacy tag is clockwise; the display matrix is counter-clockwise.
    const r = numberField(tags, 'rotate');
    if (r !== null) return normaliseRotation(-r);
  }
  return 0;
}

/** Turns ffprobe's complaint into a short reason a user can act on. */
function reasonFromStderr(stderr: string): string {
  if (/moov atom not found/i.test(stderr)) return 'truncated or incomplete file (moov atom not found)';
  if (/Invalid data found when processing input/i.test(stderr)) return 'not a media file ffmpeg can read (invalid data)';
  if (/Permission denied/i.test(stderr)) return 'not readable (permission denied)';
  if (/No such file or directory/i.test(stderr)) return 'not found';
  if (/End of file/i.test(stderr)) return 'truncated file (unexpected end of file)';
  return 'ffprobe could not read the file';
}

/**
 * Checks that `filePath` names a non-empty regular file we can read, before any ffmpeg runs.
 * @throws InputError with `reason` 'not found' | 'not a regular file' | 'empty file' | 'not readable'.
 */
export function assertReadableFile(filePath: unknown, where: string): fs.Stats {
  if (typeof filePath !== 'string' || filePath === '') {
    throw new InputError(`${where}: expected a non-empty file path string, received ${JSON.stringify(filePath)}`, { option: 'path' });
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(filePath);
  } catch (err) {
    const code = isRecord(err) && typeof err['code'] === 'string' ? err['code'] : '';
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'not found' : code === 'EACCES' ? 'not readable' : `cannot stat (${code || String(err)})`;
    throw new InputError(`${where}: ${filePath}: ${reason}`, { path: filePath, reason });
  }
  if (!st.isFile()) throw new InputError(`${where}: ${filePath}: not a regular file`, { path: filePath, reason: 'not a regular file' });
  if (st.size === 0) throw new InputError(`${where}: ${filePath}: empty file (0 bytes)`, { path: filePath, reason: 'empty file' });
  try {
    // Note: for root, access() succeeds even on a mode-000 file, and so do the reads that follow.
    fs.accessSync(filePath, fs.constants.R_OK);
  } catch {
    throw new InputError(`${where}: ${filePath}: not readable (permission denied)`, { path: filePath, reason: 'not readable' });
  }
  return st;
}

/**
 * Reads a video file's metadata with ffprobe (`-show_format -show_streams`, JSON).
 *
 * @param filePath the video file.
 * @param binaries from `resolveFfmpegBinaries()`.
 * @throws InputError (context: path, reason, and for ffprobe failures exitCode and stderrTail) for a
 *   missing, unreadable, empty, non-media or truncated file, a file without a video stream, or a video
 *   stream with an unknown codec, or (reason 'stalled') an input ffprobe does not finish within
 *   `timeoutMs` (its process group is then SIGKILLed); FfmpegError when ffprobe itself misbehaves
 *   (cannot start, killed, prints invalid JSON).
 */
export async function probeSource(filePath: string, binaries: FfmpegBinaries, opts: ProbeOptions = {}): Promise<SourceProbe> {
  assertFfmpegBinaries(binaries, 'probeSource');
  checkOptionKeys('probeSource', opts, ['timeoutMs'], { error: InputError });
  const timeoutMs = checkNumber('probeSource', 'timeoutMs', opts.timeoutMs ?? 30000, { min: 1 }, InputError);
  const st = assertReadableFile(filePath, 'probeSource');

  // The file: protocol prefix stops a name like "http:x" or "-x" from being read as a URL or an option.
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', `file:${path.resolve(filePath)}`];
  const r = await runProcess(binaries.ffprobe.path, args, timeoutMs);
  if (r.startError) {
    throw new FfmpegError(`probeSource: cannot run ffprobe at ${binaries.ffprobe.path}: ${r.startError.message}`, null, r.stderrTail, { path: filePath });
  }
  if (r.timedOut) {
    // ffprobe prints its answer only at the end: no answer in time is no progress. A FIFO or a
    // stalled mount blocks it in open()/read(); a live playlist never ends.
    throw new InputError(
      `probeSource: ${filePath}: no progress: ffprobe did not finish within ${timeoutMs} ms (a stalled mount, a FIFO or an input that never ends); its process group was killed`,
      { path: filePath, reason: 'stalled', timeoutMs, stderrTail: r.stderrTail },
    );
  }
  if (r.exitCode !== 0) {
    if (r.exitCode === null) {
      throw new FfmpegError(`probeSource: ffprobe was killed by ${String(r.signal)} on ${filePath}`, null, r.stderrTail, { path: filePath });
    }
    const reason = reasonFromStderr(r.stderrTail);
    throw new InputError(`probeSource: ${filePath}: ${reason} (ffprobe exit code ${r.exitCode}: ${r.stderrTail.split('\n').pop() ?? ''})`, {
      path: filePath,
      reason,
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch (err) {
    throw new FfmpegError(`probeSource: ffprobe printed invalid JSON for ${filePath}: ${String(err)}`, r.exitCode, r.stderrTail, { path: filePath });
  }
  if (!isRecord(parsed) || !isRecord(parsed['format']) || !Array.isArray(parsed['streams'])) {
    throw new FfmpegError(`probeSource: ffprobe output for ${filePath} lacks "format" or "streams"`, r.exitCode, r.stderrTail, { path: filePath });
  }
  const format = parsed['format'];
  const formatName = typeof format['format_name'] === 'string' ? format['format_name'] : '';
  if (formatName === 'tty') {
    // ffmpeg renders any .txt/.ans file as "ANSI art" video; a text file is not footage.
    throw new InputError(`probeSource: ${filePath}: not a video (ffmpeg reads it as a text file, format "tty")`, {
      path: filePath,
      reason: 'not a video (text file)',
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  }
  const streams = parsed['streams'].filter(isRecord);
  const video = streams.find((s) => {
    const disp = s['disposition'];
    const coverArt = isRecord(disp) && numberField(disp, 'attached_pic') === 1;
    return s['codec_type'] === 'video' && !coverArt;
  });
  if (video === undefined) {
    const kinds = streams.map((s) => String(s['codec_type'])).join(', ') || 'none';
    throw new InputError(`probeSource: ${filePath}: no video stream (streams: ${kinds})`, {
      path: filePath,
      reason: 'no video stream',
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  }
  const codecName = typeof video['codec_name'] === 'string' ? video['codec_name'] : '';
  const tag = typeof video['codec_tag_string'] === 'string' ? video['codec_tag_string'] : '?';
  if (codecName === '' || codecName === 'none' || codecName === 'unknown') {
    throw new InputError(`probeSource: ${filePath}: unknown video codec (codec tag "${tag}"); ffmpeg cannot decode it`, {
      path: filePath,
      reason: 'unknown codec',
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  }
  const codedWidth = numberField(video, 'width');
  const codedHeight = numberField(video, 'height');
  if (codedWidth === null || codedHeight === null || codedWidth < 1 || codedHeight < 1) {
    throw new InputError(`probeSource: ${filePath}: video stream ${String(video['index'])} has no picture size (codec ${codecName})`, {
      path: filePath,
      reason: 'no picture size',
      exitCode: r.exitCode,
      stderrTail: r.stderrTail,
    });
  }
  const timeBase = parseRational(video['time_base']);
  if (timeBase === null || timeBase.num <= 0 || timeBase.den <= 0) {
    throw new FfmpegError(`probeSource: ${filePath}: video stream has no valid time_base (${String(video['time_base'])})`, r.exitCode, r.stderrTail, {
      path: filePath,
    });
  }
  const rotationDeg = rotationOf(video);
  const swap = rotationDeg === 90 || rotationDeg === 270;
  const durationSec = numberField(format, 'duration') ?? numberField(video, 'duration');
  const startSec = numberField(video, 'start_time');
  const nbFrames = numberField(video, 'nb_frames');
  return Object.freeze({
    path: filePath,
    sizeBytes: st.size,
    mtimeMs: st.mtimeMs,
    formatName,
    durationMs: durationSec === null ? null : durationSec * 1000,
    videoStreamIndex: numberField(video, 'index') ?? 0,
    codecName,
    timeBase: Object.freeze(timeBase),
    startTimeMs: startSec === null ? null : startSec * 1000,
    avgFrameRate: rateOf(video['avg_frame_rate']),
    realFrameRate: rateOf(video['r_frame_rate']),
    codedWidth,
    codedHeight,
    rotationDeg,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    frameCount: nbFrames !== null && nbFrames > 0 ? nbFrames : null,
    hasAudio: streams.some((s) => s['codec_type'] === 'audio'),
    pixFormat: tagOf(video, 'pix_fmt'),
    colorSpace: tagOf(video, 'color_space'),
    colorRange: tagOf(video, 'color_range'),
  });
}
