import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import type { FfmpegBinaries } from '../../../src/ingest';

/** A face moving on a straight line; `sharpFrame` is the one video frame where it is not blurred. */
export interface PlantedPath {
  /** Face image file (a real face crop). */
  readonly file: string;
  /** Top-left corner of the face at the first and at the last video frame, px. */
  readonly from: readonly [number, number];
  readonly to: readonly [number, number];
  /** Video frame index shown sharp; every other frame shows the face Gaussian-blurred. */
  readonly sharpFrame: number;
}

/** Geometry and timing of a synthetic clip. */
export interface SyntheticClipSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frameCount: number;
  /** Side of the square face patch, px. */
  readonly faceSizePx: number;
  /** Sigma of the blur of the non-sharp frames, px. */
  readonly blurSigma: number;
  /** Drawn in order: a later path is drawn over an earlier one where they overlap. */
  readonly paths: readonly PlantedPath[];
}

/** Where path `p`'s face patch is at video frame `i` (top-left corner, px, integers as drawn). */
export function plantedCorner(spec: SyntheticClipSpec, p: PlantedPath, i: number): [number, number] {
  const t = spec.frameCount > 1 ? i / (spec.frameCount - 1) : 0;
  return [Math.round(p.from[0] + (p.to[0] - p.from[0]) * t), Math.round(p.from[1] + (p.to[1] - p.from[1]) * t)];
}

async function facePatch(file: string, size: number, blurSigma: number | null): Promise<Buffer> {
  let img = sharp(file).resize(size, size, { fit: 'cover' }).removeAlpha();
  if (blurSigma !== null) img = img.blur(blurSigma);
  return img.raw().toBuffer();
}

/**
 * Builds an H.264 MP4 with ffmpeg from raw RGB frames drawn here: a smooth grey-blue gradient
 * background with each path's face patch pasted at its planted position.
 */
export async function writeSyntheticClip(bins: FfmpegBinaries, outFile: string, spec: SyntheticClipSpec): Promise<void> {
  const { width, height, faceSizePx: s } = spec;
  const patches = await Promise.all(
    spec.paths.map(async (p) => ({ sharp: await facePatch(p.file, s, null), blurred: await facePatch(p.file, s, spec.blurSigma) })),
  );
  const background = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      background[o] = 90 + Math.round((60 * x) / width);
      background[o + 1] = 100 + Math.round((40 * y) / height);
      background[o + 2] = 130;
    }
  }
  const frames: Buffer[] = [];
  for (let i = 0; i < spec.frameCount; i++) {
    const frame = Buffer.from(background);
    spec.paths.forEach((p, k) => {
      const patch = i === p.sharpFrame ? patches[k]?.sharp : patches[k]?.blurred;
      if (patch === undefined) throw new Error('unreachable: one patch per path');
      const [x0, y0] = plantedCorner(spec, p, i);
      for (let y = 0; y < s; y++) {
        const fy = y0 + y;
        if (fy < 0 || fy >= height) continue;
        for (let x = 0; x < s; x++) {
          const fx = x0 + x;
          if (fx < 0 || fx >= width) continue;
          patch.copy(frame, (fy * width + fx) * 3, (y * s + x) * 3, (y * s + x) * 3 + 3);
        }
      }
    });
    frames.push(frame);
  }
  const r = spawnSync(
    bins.ffmpeg.path,
    ['-hide_banner', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(spec.fps), '-i', '-', '-c:v', 'libx264', '-crf', '14', '-pix_fmt', 'yuv420p', outFile],
    { input: Buffer.concat(frames), maxBuffer: 16 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg failed to write ${outFile}: ${r.stderr.toString()}`);
}
