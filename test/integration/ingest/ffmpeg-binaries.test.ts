import * as fs from 'node:fs';
import * as path from 'node:path';
import { FfmpegError, InputError } from '../../../src/contracts';
import { resolveFfmpegBinaries } from '../../../src/ingest';
import { makeTempDir, removeDir } from './ingest-test-helpers';

describe('resolveFfmpegBinaries', () => {
  let dir = '';
  beforeAll(() => {
    dir = makeTempDir();
  });
  afterAll(() => removeDir(dir));

  it('prefers ffmpeg/ffprobe on PATH and reports their version line', async () => {
    // This machine has ffmpeg 5.1 in /usr/bin; a CI image without one must get the npm build.
    const onPath = (process.env['PATH'] ?? '').split(path.delimiter).some((d) => d !== '' && fs.existsSync(path.join(d, 'ffmpeg')));
    const b = await resolveFfmpegBinaries({ env: { PATH: process.env['PATH'] } });
    expect(b.ffmpeg.origin).toBe(onPath ? 'system' : 'npm');
    expect(path.basename(b.ffmpeg.path)).toBe('ffmpeg');
    expect(b.ffmpeg.version).toMatch(/^ffmpeg version \S+/);
    expect(b.ffprobe.version).toMatch(/^ffprobe version \S+/);
    expect(Object.isFrozen(b)).toBe(true);
  });

  it('falls back to the npm static builds when nothing is on PATH', async () => {
    const b = await resolveFfmpegBinaries({ env: { PATH: '' } });
    expect(b.ffmpeg.origin).toBe('npm');
    expect(b.ffmpeg.path).toContain(`${path.sep}@ffmpeg-installer${path.sep}`);
    expect(b.ffprobe.origin).toBe('npm');
    expect(b.ffprobe.version).toMatch(/^ffprobe version /);
  });

  it('uses FFMPEG_PATH / FFPROBE_PATH when set, and fails loudly when they do not work', async () => {
    const sys = await resolveFfmpegBinaries();
    const b = await resolveFfmpegBinaries({ env: { PATH: '', FFMPEG_PATH: sys.ffmpeg.path, FFPROBE_PATH: sys.ffprobe.path } });
    expect(b.ffmpeg).toMatchObject({ origin: 'env', path: sys.ffmpeg.path });
    expect(b.ffprobe).toMatchObject({ origin: 'env', path: sys.ffprobe.path });

    const broken = path.join(dir, 'ffmpeg-broken');
    fs.writeFileSync(broken, '#!/bin/sh\necho "simulated crash" >&2\nexit 3\n', { mode: 0o755 });
    const p = resolveFfmpegBinaries({ env: { PATH: process.env['PATH'], FFMPEG_PATH: broken } });
    await expect(p).rejects.toThrow(FfmpegError);
    await expect(p).rejects.toThrow(/FFMPEG_PATH is set to ".*ffmpeg-broken", but that ffmpeg does not work: -version exited with code 3: simulated crash/);
    await expect(resolveFfmpegBinaries({ env: { FFPROBE_PATH: path.join(dir, 'missing') } })).rejects.toThrow(/FFPROBE_PATH .* not an executable file/);
  });

  it('says what it tried when no binary works', async () => {
    const p = resolveFfmpegBinaries({ env: { PATH: dir }, allowNpm: false });
    await expect(p).rejects.toThrow(FfmpegError);
    await expect(p).rejects.toThrow(/No working ffmpeg found \(tried system ffmpeg on PATH: not found; npm @ffmpeg-installer\/ffmpeg: disabled/);
  });

  it('rejects unknown and invalid options', async () => {
    await expect(resolveFfmpegBinaries({ allowNPM: true } as never)).rejects.toThrow(InputError);
    await expect(resolveFfmpegBinaries({ allowNPM: true } as never)).rejects.toThrow(/unknown option "allowNPM"; valid options: env, allowNpm, timeoutMs/);
    await expect(resolveFfmpegBinaries({ timeoutMs: 0 })).rejects.toThrow(/resolveFfmpegBinaries\.timeoutMs: expected a finite number >= 1, received 0/);
  });
});
