/**
 * Builds (with ffmpeg, cached) a synthetic CCTV night for `bench/night.ts`: a static camera view
 * (the empty room at 0 s of the intel one-by-one clip, with temporal sensor noise) with the
 * shared face clips overlaid as events at known times. The night is a concatenation of 10-s
 * segments encoded with one set of settings (H.264, keyframe every second): one static segment
 * repeated, and one segment per event (the clip overlaid from the segment's start, the room
 * again after the clip ends), so a 30-minute night costs a handful of 10-s encodes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const ROOM = path.join(VIDEOS, 'intel-sample-videos/one-by-one-person-detection.mp4');

/** Length of one segment of the night, s; events start on segment boundaries. */
export const SEGMENT_S = 10;

/** A shared clip inserted as an event, where it is drawn (night frame px) and at what size. */
export interface NightClip {
  readonly name: string;
  readonly file: string;
  /** Overlay rectangle in the night's frame, px. */
  readonly boxXYWH: readonly [number, number, number, number];
}

/** One inserted event: the clip and its start in the night's timeline. */
export interface NightEvent {
  readonly clip: NightClip;
  readonly startMs: number;
}

/** The built night: the file, its length and its events. */
export interface NightFootage {
  readonly file: string;
  readonly durationMs: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly events: readonly NightEvent[];
}

/**
 * The shared face clips as drawn in a 1280x720 night, sized so their faces stay detectable on
 * the 640-px analysis copy: Hamilton (640x360 stage, several people) at 960x540, the talking head
 * (512x512) as it is, the portrait clip (1080x1920) at 405x720.
 */
export const NIGHT_CLIPS: readonly NightClip[] = Object.freeze([
  { name: 'hamilton', file: path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'), boxXYWH: [160, 90, 960, 540] },
  { name: 'sadtalker', file: path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4'), boxXYWH: [700, 150, 512, 512] },
  { name: 'single-face', file: path.join(VIDEOS, 'single-face-tracking-demo/my_video.mp4'), boxXYWH: [200, 0, 405, 720] },
]);

/** Event schedule: max(3, round(minutes / 5)) events, the clips in turn, evenly spread (segment-aligned). */
export function nightEvents(minutes: number): NightEvent[] {
  const segments = Math.round((minutes * 60) / SEGMENT_S);
  const count = Math.max(3, Math.round(minutes / 5));
  const out: NightEvent[] = [];
  for (let j = 0; j < count; j++) {
    const clip = NIGHT_CLIPS[j % NIGHT_CLIPS.length];
    if (clip === undefined) throw new Error('no night clips');
    out.push({ clip, startMs: Math.floor(((j + 0.5) * segments) / count) * SEGMENT_S * 1000 });
  }
  return out;
}

/**
 * Builds the night under `cacheDir` unless it is already there (keyed by minutes), and returns it.
 * 1280x720, 10 fps (a common NVR recording rate), H.264 CRF 28 (CCTV bitrates).
 * @param ffmpegPath the ffmpeg binary.
 */
export function buildNightFootage(ffmpegPath: string, cacheDir: string, minutes: number): NightFootage {
  if (!Number.isFinite(minutes) || minutes < 0.5) throw new Error(`--minutes: expected a number >= 0.5, received ${minutes}`);
  const width = 1280;
  const height = 720;
  const fps = 10;
  const segments = Math.round((minutes * 60) / SEGMENT_S);
  const events = nightEvents(minutes);
  const dir = path.join(cacheDir, `night-${width}x${height}-${fps}fps`);
  const file = path.join(dir, `night-${segments * SEGMENT_S}s.mp4`);
  const night: NightFootage = { file, durationMs: segments * SEGMENT_S * 1000, width, height, fps, events };
  if (fs.existsSync(file)) return night;
  fs.mkdirSync(dir, { recursive: true });
  const run = (args: string[]): void => {
    execFileSync(ffmpegPath, ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  const room = path.join(dir, 'room.png');
  if (!fs.existsSync(room)) run(['-i', ROOM, '-frames:v', '1', '-vf', `scale=${width}:${height}`, room]);
  const encode = ['-an', '-r', String(fps), '-g', String(fps), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p'];
  const background = ['-loop', '1', '-framerate', String(fps), '-t', String(SEGMENT_S), '-i', room];
  const noise = 'noise=alls=3:allf=t';
  const staticSeg = path.join(dir, 'static.mp4');
  if (!fs.existsSync(staticSeg)) run([...background, '-vf', noise, ...encode, staticSeg]);
  const eventSeg = (clip: NightClip): string => {
    const out = path.join(dir, `event-${clip.name}.mp4`);
    if (fs.existsSync(out)) return out;
    const [x, y, w, h] = clip.boxXYWH;
    const graph = `[0:v]${noise}[bg];[1:v]scale=${w}:${h},setpts=PTS-STARTPTS[fg];[bg][fg]overlay=x=${x}:y=${y}:eof_action=pass[v]`;
    run([...background, '-i', clip.file, '-filter_complex', graph, '-map', '[v]', ...encode, out]);
    return out;
  };
  const list: string[] = [];
  for (let s = 0; s < segments; s++) {
    const ev = events.find((e) => e.startMs === s * SEGMENT_S * 1000);
    list.push(`file '${ev === undefined ? staticSeg : eventSeg(ev.clip)}'`);
  }
  const listFile = path.join(dir, `night-${segments * SEGMENT_S}s.txt`);
  fs.writeFileSync(listFile, `${list.join('\n')}\n`);
  const tmp = `${file}.part.mp4`;
  run(['-f', 'concat', '-safe', '0', '-i', listFile, '-c', 'copy', '-movflags', '+faststart', tmp]);
  fs.renameSync(tmp, file);
  return night;
}
