import * as fs from 'node:fs';
import * as path from 'node:path';
import { FfmpegError, InputError } from '../../../src/contracts';
import { probeSource, resolveFfmpegBinaries, type FfmpegBinaries } from '../../../src/ingest';
import { HAMILTON, INTEL, makeTempDir, OPENPOSE, PORTRAIT, removeDir, runFfmpeg, SADTALKER } from './ingest-test-helpers';

describe('probeSource', () => {
  let bins: FfmpegBinaries;
  let dir = '';
  beforeAll(async () => {
    bins = await resolveFfmpegBinaries();
    dir = makeTempDir();
  });
  afterAll(() => removeDir(dir));

  it('reads the shared clips (values from the files as ffprobe reports them)', async () => {
    const h = await probeSource(HAMILTON, bins);
    expect(h).toMatchObject({ codecName: 'h264', width: 640, height: 360, rotationDeg: 0, frameCount: 275, hasAudio: true, sizeBytes: 613928 });
    expect(h.formatName).toContain('mp4');
    expect(h.avgFrameRate).toBeCloseTo(29.97, 2);
    // Container duration: ffprobe 5.1 says 10.008 s, the npm static ffprobe (2023) 10.020 s.
    expect(Math.abs((h.durationMs ?? 0) - 10008)).toBeLessThan(25);
    expect(h.timeBase).toEqual({ num: 1, den: 11988 });
    // The video starts 852 ms into the file's timeline (audio starts at 8 ms): frames report that timeline.
    expect(h.startTimeMs).toBeCloseTo(852.019, 3);
    expect(h.mtimeMs).toBeCloseTo(fs.statSync(HAMILTON).mtimeMs, 0);

    const s = await probeSource(SADTALKER, bins);
    expect(s).toMatchObject({ codecName: 'mpeg4', width: 512, height: 512, frameCount: 200, avgFrameRate: 25, realFrameRate: 25 });

    const p = await probeSource(PORTRAIT, bins);
    expect(p).toMatchObject({ width: 1080, height: 1920, codedWidth: 1080, codedHeight: 1920, rotationDeg: 0, frameCount: 138 });
    expect(p.avgFrameRate).toBeCloseTo(17.595, 2);
    expect(p.realFrameRate).toBeCloseTo(17.583, 2);

    // Named .avi, but an MP4 inside: the container comes from the content.
    const o = await probeSource(OPENPOSE, bins);
    expect(o).toMatchObject({ codecName: 'h264', width: 1280, height: 720, avgFrameRate: 50, frameCount: 205 });
    expect(o.formatName).toContain('mp4');

    const i = await probeSource(INTEL, bins);
    expect(i).toMatchObject({ width: 768, height: 432, avgFrameRate: 10, frameCount: 1394, hasAudio: false });
    expect(i.durationMs).toBeCloseTo(139400, 0);
  });

  it('reports rotation and the displayed (swapped) size of a rotated clip', async () => {
    const plain = path.join(dir, 'plain.mp4');
    const rotated = path.join(dir, 'rot90.mp4');
    runFfmpeg(bins, ['-f', 'lavfi', '-i', 'testsrc2=size=160x96:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', plain]);
    runFfmpeg(bins, ['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const r = await probeSource(rotated, bins);
    expect(r.codedWidth).toBe(160);
    expect(r.codedHeight).toBe(96);
    expect([90, 270]).toContain(r.rotationDeg);
    expect(r.width).toBe(96);
    expect(r.height).toBe(160);
    expect((await probeSource(plain, bins)).rotationDeg).toBe(0);
  });

  it('rejects a missing file, a directory, an empty file', async () => {
    const missing = path.join(dir, 'nope.mp4');
    await expect(probeSource(missing, bins)).rejects.toThrow(InputError);
    await expect(probeSource(missing, bins)).rejects.toMatchObject({ context: { path: missing, reason: 'not found' } });
    await expect(probeSource(dir, bins)).rejects.toMatchObject({ context: { reason: 'not a regular file' } });
    const empty = path.join(dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    await expect(probeSource(empty, bins)).rejects.toThrow(/empty\.mp4: empty file \(0 bytes\)/);
  });

  it('rejects a non-media file and an audio-only file with exit code and stderr', async () => {
    // Deterministic "random" bytes: no container signature ffmpeg recognises.
    const junk = path.join(dir, 'junk.bin');
    let seed = 12345;
    const bytes = Buffer.alloc(20000);
    for (let i = 0; i < bytes.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // LCG, seeded: same bytes every run
      bytes[i] = seed >>> 24;
    }
    fs.writeFileSync(junk, bytes);
    const err: unknown = await probeSource(junk, bins).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ context: { path: junk, reason: 'not a media file ffmpeg can read (invalid data)', exitCode: 1 } });
    expect((err as InputError).context['stderrTail']).toMatch(/Invalid data found when processing input/);

    // ffmpeg would happily decode a .txt file as "ANSI art" video; probeSource refuses it.
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'this is not a video\n'.repeat(100));
    await expect(probeSource(text, bins)).rejects.toMatchObject({ context: { reason: 'not a video (text file)' } });

    const audio = path.join(dir, 'tone.m4a');
    runFfmpeg(bins, ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', audio]);
    await expect(probeSource(audio, bins)).rejects.toThrow(/tone\.m4a: no video stream \(streams: audio\)/);
  });

  it('rejects a truncated MP4 whose index (moov) was at the end', async () => {
    // short_hamilton_clip.mp4 stores moov after mdat: without its end the file has no index.
    const cut = path.join(dir, 'hamilton-40pct.mp4');
    const bytes = fs.readFileSync(HAMILTON);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    await expect(probeSource(cut, bins)).rejects.toMatchObject({
      name: 'InputError',
      context: { reason: 'truncated or incomplete file (moov atom not found)', exitCode: 1 },
    });
  });

  it('rejects a video stream with an unknown codec', async () => {
    const plain = path.join(dir, 'plain.avi');
    runFfmpeg(bins, ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-t', '1', '-c:v', 'libx264', plain]);
    const bytes = fs.readFileSync(plain);
    // Overwrite the codec tags in the AVI header: no decoder knows "ZZZZ".
    let head = bytes.subarray(0, 4096).toString('latin1');
    for (const tag of ['H264', 'h264', 'avc1', 'AVC1']) head = head.split(tag).join('ZZZZ');
    const unknown = path.join(dir, 'unknown-codec.avi');
    fs.writeFileSync(unknown, Buffer.concat([Buffer.from(head, 'latin1'), bytes.subarray(4096)]));
    await expect(probeSource(unknown, bins)).rejects.toThrow(/unknown video codec \(codec tag "ZZZZ"\)/);
    await expect(probeSource(unknown, bins)).rejects.toMatchObject({ context: { reason: 'unknown codec' } });
  });

  it('handles a mode-000 file honestly: root still reads it, others get "not readable"', async () => {
    const locked = path.join(dir, 'locked.mp4');
    fs.copyFileSync(OPENPOSE, locked);
    fs.chmodSync(locked, 0o000);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot) {
      // Root bypasses file permissions (CAP_DAC_OVERRIDE): the file is readable, so it probes fine.
      await expect(probeSource(locked, bins)).resolves.toMatchObject({ width: 1280, height: 720 });
    } else {
      await expect(probeSource(locked, bins)).rejects.toMatchObject({ context: { reason: 'not readable' } });
    }
  });

  it('reports a failing ffprobe as FfmpegError', async () => {
    const fake = path.join(dir, 'ffprobe-dies');
    fs.writeFileSync(fake, '#!/bin/sh\nkill -9 $$\n', { mode: 0o755 });
    const broken: FfmpegBinaries = { ...bins, ffprobe: { ...bins.ffprobe, path: fake } };
    await expect(probeSource(HAMILTON, broken)).rejects.toThrow(FfmpegError);
    await expect(probeSource(HAMILTON, broken)).rejects.toThrow(/ffprobe was killed by SIGKILL/);
  });
});
