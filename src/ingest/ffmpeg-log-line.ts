/** ffmpeg log levels, as printed with `-loglevel level+...`. */
export type FfmpegLogLevel = 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'verbose' | 'debug' | 'trace' | 'none';

/** One classified line of ffmpeg's stderr (run with `-loglevel level+info` and a `showinfo` filter). */
export type FfmpegLogLine =
  /** showinfo's line for one frame leaving the filter: its sequence number and pts (null for NOPTS). */
  | { readonly kind: 'frame'; readonly n: number; readonly pts: number | null }
  /** showinfo's link configuration: the time base its pts are in. */
  | { readonly kind: 'timeBase'; readonly num: number; readonly den: number }
  /** Anything else, with its level ('none' when the line carries no level tag). */
  | { readonly kind: 'log'; readonly level: FfmpegLogLevel; readonly text: string };

const LEVELS: readonly FfmpegLogLevel[] = ['panic', 'fatal', 'error', 'warning', 'info', 'verbose', 'debug', 'trace'];
// "[Parsed_showinfo_1 @ 0x55c8] [info] n:   9 pts:     90 pts_time:1.8 ..."
const SHOWINFO_FRAME = /^\[Parsed_showinfo_\d+ @ [^\]]*\] (?:\[info\] )?n:\s*(\d+) pts:\s*(-?\d+|NOPTS)\b/;
// "[Parsed_showinfo_1 @ 0x55c8] [info] config in time_base: 1/11988, frame_rate: 2997/100"
const SHOWINFO_TIMEBASE = /^\[Parsed_showinfo_\d+ @ [^\]]*\] (?:\[info\] )?config in time_base: (\d+)\/(\d+)/;
// "[h264 @ 0x55c8] [error] Invalid NAL unit size" or "[error] Error while decoding stream #0:0"
const LEVELLED = /^(?:\[[^\]]* @ [^\]]*\] )?\[(panic|fatal|error|warning|info|verbose|debug|trace)\] ?(.*)$/;

/** Classifies one stderr line of an ffmpeg run with `-loglevel level+info`. */
export function parseFfmpegLogLine(line: string): FfmpegLogLine {
  const frame = SHOWINFO_FRAME.exec(line);
  if (frame) {
    const ptsText = frame[2] ?? 'NOPTS';
    return { kind: 'frame', n: Number(frame[1]), pts: ptsText === 'NOPTS' ? null : Number(ptsText) };
  }
  const tb = SHOWINFO_TIMEBASE.exec(line);
  if (tb) return { kind: 'timeBase', num: Number(tb[1]), den: Number(tb[2]) };
  const lev = LEVELLED.exec(line);
  if (lev) {
    const level = LEVELS.find((l) => l === lev[1]) ?? 'none';
    return { kind: 'log', level, text: line };
  }
  return { kind: 'log', level: 'none', text: line };
}

/** Whether a log line reports damaged input (a demuxing or decoding error) rather than normal progress. */
export function isDamageLine(line: FfmpegLogLine): boolean {
  return line.kind === 'log' && (line.level === 'error' || line.level === 'fatal' || line.level === 'panic');
}

/** Classifies the damage from its first error line: a file that ends early, or corrupt data inside. */
export function damageKindOf(text: string): 'truncated' | 'corrupt' {
  return /partial file|truncat|end of file|unexpected eof/i.test(text) ? 'truncated' : 'corrupt';
}
