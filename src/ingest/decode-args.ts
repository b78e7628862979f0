import * as path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { yuv420FrameBytes, type YuvMatrix } from '../image';
import type { FullFrameFormat, ResolvedDecodeOptions } from './decode-options';
import type { SourceProbe } from './probe-source';

/** The ffmpeg command line of one decode and the frame sizes it produces. */
export interface DecodePlan {
  /** Arguments after the ffmpeg binary. */
  readonly args: readonly string[];
  /** Full-resolution (displayed, rotation applied) frame size, px. Written to stdout as rgb24, or yuv420p when `fullYuvMatrix` is set. */
  readonly width: number;
  readonly height: number;
  /** Set when the full-resolution frame is written as yuv420p: the matrix ffmpeg's rgb24 conversion would use; null: rgb24. */
  readonly fullYuvMatrix: YuvMatrix | null;
  /** Bytes of one full-resolution frame on stdout. */
  readonly fullFrameBytes: number;
  /**
   * Size of the scaled analysis copy written to fd 3 as rgb24; null when no copy is written (no
   * analysis requested, or the frame is not wider than analysisMaxWidth).
   */
  readonly analysis: { readonly width: number; readonly height: number } | null;
}

function num(x: number): string {
  // Plain decimal text for ffmpeg's expression parser (String() is exact for these magnitudes).
  return String(x);
}

/**
 * The `select` expression that keeps the first frame in each 1/fps slot of video time, slots
 * counted from `startSec`, and nothing before `startSec`. `t` is the frame's real pts in seconds
 * (with -copyts, the stream's own timeline). The 1e-6 slot guard absorbs the rounding of
 * pts*time_base so a frame exactly on a slot boundary (e.g. t=0.2 at 5 fps) opens the new slot.
 */
export function frameSelectExpr(fps: number | 'source', startSec: number): string {
  const inRange = `gte(t,${num(startSec)})`;
  if (fps === 'source') return inRange;
  const slot = (tExpr: string): string => `floor((${tExpr}-${num(startSec)})*${num(fps)}+1e-6)`;
  return `${inRange}*(isnan(prev_selected_t)+gt(${slot('t')},${slot('prev_selected_t')}))`;
}

/** Size of the analysis copy for a frame of `width`x`height` at most `maxWidth` wide; null when no downscale is needed. */
export function analysisSize(width: number, height: number, maxWidth: number | null): { width: number; height: number } | null {
  if (maxWidth === null || width <= maxWidth) return null;
  return { width: maxWidth, height: Math.max(1, Math.round((height * maxWidth) / width)) };
}

/**
 * The matrix to convert the full-resolution frame with when it is written as yuv420p, or null to
 * write it as rgb24 (see `DecodeOptions.fullFrameFormat`). yuv420p only where the JS conversion
 * reproduces ffmpeg's: libswscale converts a yuv420p frame of even height with its unscaled
 * yuv2rgb path (not yuvj420p, not full range), with the matrix the scale filter picks from the
 * frame's colorspace tag (BT.601 when untagged; other matrices are left to ffmpeg); widths that are
 * multiples of 8 keep to the converters' whole blocks. With no analysis copy the detector reads
 * the whole frame anyway: rgb24.
 */
export function fullYuvMatrixFor(probe: SourceProbe, analysis: { width: number; height: number } | null, format: FullFrameFormat): YuvMatrix | null {
  if (format !== 'yuv420p' || analysis === null) return null;
  if (probe.pixFormat !== 'yuv420p' || (probe.colorRange !== null && probe.colorRange !== 'tv')) return null;
  if (probe.height % 2 !== 0 || probe.width % 8 !== 0) return null;
  const cs = probe.colorSpace;
  if (cs === 'bt709') return 'bt709';
  if (cs === null || cs === 'bt470bg' || cs === 'smpte170m') return 'bt601';
  return null;
}

/**
 * Builds the ffmpeg command (with fluent-ffmpeg's builder; the process itself is spawned by the
 * decoder, which needs its own pipes) that decodes `filePath` to raw rgb24 frames:
 * - `-copyts`: pts stay in the stream's timeline; `showinfo` prints each kept frame's pts on
 *   stderr (`-loglevel level+info` tags every line with its level, used to detect damage);
 * - `select` samples frames at the analysis rate (no `fps` filter: it would re-time frames);
 * - `-vsync passthrough`: one raw frame out per selected frame, none duplicated or dropped;
 * - ffmpeg's default autorotation applies the display matrix, so frames have the displayed size;
 * - with a start: `-seek_timestamp 1 -ss` (seek to the keyframe before startMs in the stream
 *   timeline) and `-noaccurate_seek`, the exact cut being done by `select`.
 */
export function buildDecodePlan(filePath: string, probe: SourceProbe, opts: ResolvedDecodeOptions): DecodePlan {
  const startSec = opts.startMs / 1000;
  const inputOptions = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', '-copyts'];
  if (opts.startMs > 0) inputOptions.push('-seek_timestamp', '1', '-ss', num(startSec), '-noaccurate_seek');
  const { width, height } = probe;
  const analysis = analysisSize(width, height, opts.analysisMaxWidth);
  const head = `[0:${probe.videoStreamIndex}]select='${frameSelectExpr(opts.fps, startSec)}',showinfo`;
  const fullYuvMatrix = fullYuvMatrixFor(probe, analysis, opts.fullFrameFormat);
  const fullPixFmt = fullYuvMatrix === null ? 'rgb24' : 'yuv420p';
  // For a yuv420p source at its own size this scale is a pass-through (no swscale at all).
  const fullScale = `scale=${width}:${height},format=${fullPixFmt}`;
  const graph =
    analysis === null
      ? `${head},${fullScale}[full]`
      : `${head},split=2[f0][a0];[f0]${fullScale}[full];[a0]scale=${analysis.width}:${analysis.height}:flags=area,format=rgb24[ana]`;
  const raw = ['-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  // The file: protocol prefix stops a name like "http:x" from being read as a URL.
  const cmd = ffmpeg(`file:${path.resolve(filePath)}`)
    .inputOptions(inputOptions)
    .complexFilter(graph)
    .output('pipe:1')
    .outputOptions(['-map', '[full]', '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', fullPixFmt]);
  if (analysis !== null) cmd.output('pipe:3').outputOptions(['-map', '[ana]', ...raw]);
  const fullFrameBytes = fullYuvMatrix === null ? width * height * 3 : yuv420FrameBytes(width, height);
  return Object.freeze({ args: Object.freeze(cmd._getArguments()), width, height, fullYuvMatrix, fullFrameBytes, analysis });
}
