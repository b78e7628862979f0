import * as fs from 'node:fs';
import * as path from 'node:path';
import { FfmpegError, InputError } from '../../../src/contracts';
import { openFrameDecoder, resolveFfmpegBinaries, type DecodedFrame, type FfmpegBinaries, type FrameDecoder } from '../../../src/ingest';
import { expectedSamplePts, ffprobeFramePtsMs, makeTempDir, OPENPOSE, removeDir, SADTALKER, HAMILTON } from './ingest-test-helpers';

/** Drains a decoder; returns the frames and the error it ended with (null for a clean end). */
async function drain(decoder: FrameDecoder): Promise<{ frames: DecodedFrame[]; error: unknown }> {
  const frames: DecodedFrame[] = [];
  try {
    for await (const f of decoder) frames.push(f);
    return { frames, error: null };
  } catch (error) {
    return { frames, error };
  }
}

describe('decoding damaged and failing input', () => {
  let bins: FfmpegBinaries;
  let dir = '';
  let intact: DecodedFrame[] = [];
  let bytes: Buffer = Buffer.alloc(0);
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
    dir = makeTempDir();
    // openpose/video.avi (an MP4 with its index first): 1280x720, 50 fps, 4.1 s. The reference decode.
    bytes = fs.readFileSync(OPENPOSE);
    const r = await drain(openFrameDecoder(OPENPOSE, { sourceId: 1 }, bins));
    expect(r.error).toBeNull();
    intact = r.frames;
  });
  afterAll(() => removeDir(dir));

  it('decodes the intact clip cleanly: 5 fps of a 50 fps clip, no damage', () => {
    const expected = expectedSamplePts(ffprobeFramePtsMs(bins, OPENPOSE), 5, 0);
    expect(intact.map((f) => f.ptsMs)).toEqual(expected.map((t) => expect.closeTo(t, 6)));
    expect(intact).toHaveLength(21);
  });

  function expectSameAsIntact(frames: readonly DecodedFrame[]): void {
    frames.forEach((f, i) => {
      const ref = intact[i];
      expect(f.ptsMs).toBe(ref?.ptsMs);
      expect(Buffer.from(f.rgb).equals(Buffer.from(ref?.rgb ?? []))).toBe(true);
    });
  }

  it('keeps the frames before the end of a truncated copy (first 40%) and ends with a "damaged" InputError', async () => {
    const cut = path.join(dir, 'truncated.mp4');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    const { frames, error } = await drain(openFrameDecoder(cut, { sourceId: 1 }, bins));
    expect(error).toBeInstanceOf(InputError);
    const ctx = (error as InputError).context;
    expect(ctx).toMatchObject({ path: cut, reason: 'damaged', damageKind: 'truncated', framesEmitted: frames.length });
    expect((error as Error).message).toMatch(/damaged input \(truncated\)/);
    // 40% of the bytes hold roughly the first 1.6-1.8 s: several frames, all identical to the intact decode.
    expect(frames.length).toBeGreaterThanOrEqual(5);
    expect(frames.length).toBeLessThan(intact.length);
    expectSameAsIntact(frames);
    expect(ctx['lastPtsMs']).toBe(frames[frames.length - 1]?.ptsMs);
  });

  it('stops at corrupt bytes in the middle (onDamage "stop") with only valid frames before it', async () => {
    const bad = Buffer.from(bytes);
    // Overwrite 20 kB at the middle of the file with a fixed pattern.
    for (let i = 0; i < 20000; i++) bad[Math.floor(bad.length / 2) + i] = (i * 31 + 7) & 0xff;
    const corrupt = path.join(dir, 'corrupt.mp4');
    fs.writeFileSync(corrupt, bad);

    const stop = await drain(openFrameDecoder(corrupt, { sourceId: 1 }, bins));
    expect(stop.error).toBeInstanceOf(InputError);
    expect(stop.error).toMatchObject({ context: { reason: 'damaged', damageKind: 'corrupt' } });
    expect(stop.frames.length).toBeGreaterThanOrEqual(3);
    expect(stop.frames.length).toBeLessThan(intact.length);
    expectSameAsIntact(stop.frames);
    const damage = (stop.error as InputError).context['damage'] as { framesBeforeDamage: number; firstError: string };
    expect(stop.frames.length).toBe(damage.framesBeforeDamage);
    expect(damage.firstError).toMatch(/\[error\]/);

    // onDamage "continue": everything ffmpeg still decodes, then the same error.
    const cont = await drain(openFrameDecoder(corrupt, { sourceId: 1, onDamage: 'continue' }, bins));
    expect(cont.error).toMatchObject({ context: { reason: 'damaged', damageKind: 'corrupt' } });
    expect(cont.frames.length).toBeGreaterThan(stop.frames.length);
    expectSameAsIntact(cont.frames.slice(0, stop.frames.length));
  });

  it('reports a missing file, an empty file and a truncated file without its index', async () => {
    const missing = path.join(dir, 'missing.mp4');
    await expect(drain(openFrameDecoder(missing, { sourceId: 1 }, bins))).resolves.toMatchObject({
      frames: [],
      error: expect.objectContaining({ name: 'InputError', context: expect.objectContaining({ reason: 'not found' }) }),
    });
    const empty = path.join(dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    const e = await drain(openFrameDecoder(empty, { sourceId: 1 }, bins));
    expect(e.error).toMatchObject({ context: { reason: 'empty file' } });
    // The Hamilton clip keeps its index (moov) at the end: its first 40% cannot be decoded at all.
    const headless = path.join(dir, 'hamilton-40pct.mp4');
    const h = fs.readFileSync(HAMILTON);
    fs.writeFileSync(headless, h.subarray(0, Math.floor(h.length * 0.4)));
    const hl = await drain(openFrameDecoder(headless, { sourceId: 1 }, bins));
    expect(hl.frames).toHaveLength(0);
    expect(hl.error).toMatchObject({ context: { reason: 'truncated or incomplete file (moov atom not found)' } });
  });

  it('finishes a file deleted while being read (POSIX keeps the open inode alive)', async () => {
    const copy = path.join(dir, 'to-delete.mp4');
    fs.copyFileSync(SADTALKER, copy);
    const decoder = openFrameDecoder(copy, { sourceId: 1, maxBufferedFrames: 1 }, bins);
    const frames: DecodedFrame[] = [];
    for await (const f of decoder) {
      if (frames.length === 0) fs.unlinkSync(copy); // ffmpeg has the file open by now
      frames.push(f);
    }
    expect(fs.existsSync(copy)).toBe(false);
    // 8.06 s at 5 fps: all 41 frames, the same as from the original.
    expect(frames).toHaveLength(expectedSamplePts(ffprobeFramePtsMs(bins, SADTALKER), 5, 0).length);
  });

  it('reports a failing ffmpeg with its exit code and the end of its stderr', async () => {
    const fake = path.join(dir, 'ffmpeg-fails');
    fs.writeFileSync(fake, '#!/bin/sh\necho "line one" >&2\necho "fatal: simulated encoder failure" >&2\nexit 3\n', { mode: 0o755 });
    const broken: FfmpegBinaries = { ...bins, ffmpeg: { ...bins.ffmpeg, path: fake } };
    const { frames, error } = await drain(openFrameDecoder(SADTALKER, { sourceId: 1 }, broken));
    expect(frames).toHaveLength(0);
    expect(error).toBeInstanceOf(FfmpegError);
    expect(error).toMatchObject({ exitCode: 3, stderrTail: 'line one\nfatal: simulated encoder failure' });
    expect((error as Error).message).toMatch(/ffmpeg exited with code 3 .* after 0 frames: fatal: simulated encoder failure/);
  });
});
