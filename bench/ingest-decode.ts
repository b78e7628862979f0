/**
 * Decode throughput and memory of src/ingest.
 * Run: node -r ts-node/register/transpile-only bench/ingest-decode.ts
 *
 * Table 1: each shared clip decoded whole at the default 5 fps, full resolution, then again with
 * an analysis copy (analysisMaxWidth 640): the full-resolution frame as the default writes it
 * (`fullFrameFormat` 'yuv420p', where the source allows: "full" says which), then as rgb24 (the
 * behaviour before). "x realtime" = video seconds / wall seconds. Extra files (e.g. the synthetic
 * night of bench:night, out/bench-night/…) can be appended as arguments.
 * Table 2: what the yuv420p frames cost later, in JS: converting a 256x256 region (a face crop's
 * source) and the whole frame (only the small-face pass on the full frame reads it), median ms;
 * and how far the JS conversion of one frame is from ffmpeg's rgb24 output of the same frame.
 * Table 2: the 139 s clip at its full 10 fps (1394 frames of 1 MB), RSS sampled along the way:
 * with bounded buffering it stays flat whatever the length.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { openFrameDecoder, probeSource, resolveFfmpegBinaries, Yuv420Frame, type DecodedFrame, type DecodeOptions, type FfmpegBinaries } from '../src/ingest';
import { yuv420ToRgb } from '../src/image';

const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const CLIPS = [
  'face_recognition/short_hamilton_clip.mp4',
  'sadtalker-hdtf/WDA_KatieHill_000.mp4',
  'single-face-tracking-demo/my_video.mp4',
  'openpose/video.avi',
  'intel-sample-videos/one-by-one-person-detection.mp4',
];

/** The frame kept from each decode for table 2. */
const SAMPLE_INDEX = 5;

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const loadAvg = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function timeDecode(
  file: string,
  opts: DecodeOptions,
  bins: FfmpegBinaries,
): Promise<{ frames: number; ms: number; peak: number; rssPeak: number; full: string; sample: DecodedFrame | null }> {
  const t0 = performance.now();
  const decoder = openFrameDecoder(file, opts, bins);
  let frames = 0;
  let rssPeak = 0;
  let full = '-';
  let sample: DecodedFrame | null = null;
  for await (const f of decoder) {
    frames += 1;
    full = f.yuv === null ? 'rgb24' : `yuv420p ${f.yuv.matrix}`;
    if (f.index === SAMPLE_INDEX) sample = f;
    if (f.index % 10 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  return { frames, ms: performance.now() - t0, peak: decoder.stats.peakBufferedFrames, rssPeak, full, sample };
}

function medianMs(run: () => void, times: number): number {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const bins = await resolveFfmpegBinaries();
  console.log(`ffmpeg: ${bins.ffmpeg.origin} ${bins.ffmpeg.path} (${bins.ffmpeg.version})`);
  console.log(`load average at start ${loadAvg()}`);
  console.log('\nclip                                | size      | video s | mode                | full          | frames | wall ms | x realtime | peak buffered | peak RSS MB');
  console.log('------------------------------------|-----------|---------|---------------------|---------------|--------|---------|------------|---------------|------------');
  const files = [...CLIPS.map((c) => path.join(VIDEOS, c)), ...process.argv.slice(2).map((f) => path.resolve(f))];
  const samples: { name: string; frame: Yuv420Frame; ffmpegRgb: Uint8Array | null }[] = [];
  for (const file of files) {
    const probe = await probeSource(file, bins);
    const videoSec = (probe.durationMs ?? 0) / 1000;
    for (const [mode, opts] of [
      ['5 fps', { sourceId: 1 }],
      ['5 fps + 640w', { sourceId: 1, analysisMaxWidth: 640 }],
      ['5 fps + 640w, rgb24', { sourceId: 1, analysisMaxWidth: 640, fullFrameFormat: 'rgb24' }],
    ] as const) {
      const r = await timeDecode(file, opts, bins);
      if (r.sample instanceof Yuv420Frame) samples.push({ name: path.basename(file), frame: r.sample, ffmpegRgb: null });
      const last = samples[samples.length - 1];
      // The rgb24 decode of the same file right after: ffmpeg's own conversion of the same frame.
      if ('fullFrameFormat' in opts && last !== undefined && last.ffmpegRgb === null && r.sample !== null && r.sample.yuv === null && last.name === path.basename(file)) last.ffmpegRgb = r.sample.rgb;
      console.log(
        `${path.basename(file).padEnd(36)}| ${`${probe.width}x${probe.height}`.padEnd(10)}| ${videoSec.toFixed(1).padStart(7)} | ${mode.padEnd(19)} | ${r.full.padEnd(13)} | ${String(r.frames).padStart(6)} | ${r.ms.toFixed(0).padStart(7)} | ${(videoSec / (r.ms / 1000)).toFixed(1).padStart(10)} | ${String(r.peak).padStart(13)} | ${mb(r.rssPeak).padStart(11)}`,
      );
    }
  }
  console.log(`load average after table 1 ${loadAvg()}`);

  console.log(
    `\nyuv420p frames converted in JS (median of 20): a 256x256 region (a face crop reads about this much), the whole frame; frame ${SAMPLE_INDEX} against ffmpeg's rgb24 of the same frame`,
  );
  console.log('clip                                | size      | matrix | 256x256 ms | whole frame ms | max |JS - ffmpeg| | bytes differing');
  console.log('------------------------------------|-----------|--------|------------|----------------|-----------------|----------------');
  for (const { name, frame, ffmpegRgb } of samples) {
    const y = frame.yuv;
    const region = medianMs(() => yuv420ToRgb(y, Math.floor(y.width / 3), Math.floor(y.height / 3), Math.min(256, y.width), Math.min(256, y.height)), 20);
    const whole = medianMs(() => yuv420ToRgb(y, 0, 0, y.width, y.height), 20);
    const js = yuv420ToRgb(y, 0, 0, y.width, y.height);
    let maxDiff = 0;
    let differing = 0;
    if (ffmpegRgb !== null) {
      for (let i = 0; i < js.length; i++) {
        const d = Math.abs((js[i] ?? 0) - (ffmpegRgb[i] ?? 0));
        if (d > 0) differing += 1;
        maxDiff = Math.max(maxDiff, d);
      }
    }
    const exact = ffmpegRgb === null ? '-' : String(maxDiff);
    const diffCount = ffmpegRgb === null ? '-' : `${differing} of ${js.length}`;
    console.log(
      `${name.padEnd(36)}| ${`${y.width}x${y.height}`.padEnd(10)}| ${y.matrix.padEnd(6)} | ${region.toFixed(2).padStart(10)} | ${whole.toFixed(1).padStart(14)} | ${exact.padStart(15)} | ${diffCount}`,
    );
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
  console.log(`load average at end ${loadAvg()}`);
  console.log(`done: ${decoder.stats.framesEmitted} frames in ${ms.toFixed(0)} ms (${((decoder.stats.framesEmitted * 1000) / ms).toFixed(0)} frames/s), peak buffered ${decoder.stats.peakBufferedFrames}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
