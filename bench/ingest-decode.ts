/**
 * Decode throughput and memory of src/ingest.
 * Run: node -r ts-node/register/transpile-only bench/ingest-decode.ts
 *
 * Table 1: each shared clip decoded whole at the default 5 fps, full resolution, then again with
 * an analysis copy (analysisMaxWidth 640). "x realtime" = video seconds / wall seconds.
 * Table 2: the 139 s clip at its full 10 fps (1394 frames of 1 MB), RSS sampled along the way:
 * with bounded buffering it stays flat whatever the length.
 */
import * as path from 'node:path';
import { openFrameDecoder, probeSource, resolveFfmpegBinaries, type DecodeOptions, type FfmpegBinaries } from '../src/ingest';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const CLIPS = [
  'face_recognition/short_hamilton_clip.mp4',
  'sadtalker-hdtf/WDA_KatieHill_000.mp4',
  'single-face-tracking-demo/my_video.mp4',
  'openpose/video.avi',
  'intel-sample-videos/one-by-one-person-detection.mp4',
];

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

async function timeDecode(file: string, opts: DecodeOptions, bins: FfmpegBinaries): Promise<{ frames: number; ms: number; peak: number; rssPeak: number }> {
  const t0 = performance.now();
  const decoder = openFrameDecoder(file, opts, bins);
  let frames = 0;
  let rssPeak = 0;
  for await (const f of decoder) {
    frames += 1;
    if (f.index % 10 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  return { frames, ms: performance.now() - t0, peak: decoder.stats.peakBufferedFrames, rssPeak };
}

async function main(): Promise<void> {
  const bins = await resolveFfmpegBinaries();
  console.log(`ffmpeg: ${bins.ffmpeg.origin} ${bins.ffmpeg.path} (${bins.ffmpeg.version})`);
  console.log('\nclip                                | size      | video s | mode          | frames | wall ms | x realtime | peak buffered | peak RSS MB');
  console.log('------------------------------------|-----------|---------|---------------|--------|---------|------------|---------------|------------');
  for (const clip of CLIPS) {
    const file = path.join(VIDEOS, clip);
    const probe = await probeSource(file, bins);
    const videoSec = (probe.durationMs ?? 0) / 1000;
    for (const [mode, opts] of [
      ['5 fps', { sourceId: 1 }],
      ['5 fps + 640w', { sourceId: 1, analysisMaxWidth: 640 }],
    ] as const) {
      const r = await timeDecode(file, opts, bins);
      console.log(
        `${path.basename(clip).padEnd(36)}| ${`${probe.width}x${probe.height}`.padEnd(10)}| ${videoSec.toFixed(1).padStart(7)} | ${mode.padEnd(13)} | ${String(r.frames).padStart(6)} | ${r.ms.toFixed(0).padStart(7)} | ${(videoSec / (r.ms / 1000)).toFixed(1).padStart(10)} | ${String(r.peak).padStart(13)} | ${mb(r.rssPeak).padStart(11)}`,
      );
    }
  }

  const long = path.join(VIDEOS, CLIPS[4] ?? '');
  console.log('\nlong clip at source rate (10 fps, 768x432, 1394 frames), maxBufferedFrames 2, RSS along the decode:');
  console.log('frames | video s | RSS MB | heap used MB | external+arrayBuffers MB');
  console.log('-------|---------|--------|--------------|-------------------------');
  const decoder = openFrameDecoder(long, { sourceId: 1, fps: 'source' }, bins);
  const t0 = performance.now();
  for await (const f of decoder) {
    if (f.index % 200 === 0 || f.index === 1393) {
      const m = process.memoryUsage();
      console.log(
        `${String(f.index + 1).padStart(6)} | ${(f.ptsMs / 1000).toFixed(1).padStart(7)} | ${mb(m.rss).padStart(6)} | ${mb(m.heapUsed).padStart(12)} | ${mb(m.external + m.arrayBuffers).padStart(24)}`,
      );
    }
  }
  const ms = performance.now() - t0;
  console.log(`done: ${decoder.stats.framesEmitted} frames in ${ms.toFixed(0)} ms (${((decoder.stats.framesEmitted * 1000) / ms).toFixed(0)} frames/s), peak buffered ${decoder.stats.peakBufferedFrames}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
