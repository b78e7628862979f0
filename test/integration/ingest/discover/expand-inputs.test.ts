import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../../../src/contracts';
import { expandInputs, type ExpandInputsOptions } from '../../../../src/ingest';

/** Real filesystem in a temp dir per test (realpath: /tmp may itself be a link). */
let dir: string;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-discover-')));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function touch(rel: string, content = 'x'): string {
  const p = path.join(dir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

function reasons(errors: readonly InputError[]): string[] {
  return errors.map((e) => String(e.context.reason));
}

describe('expandInputs', () => {
  test('a directory is walked recursively, keeping video extensions (any case), sorted', async () => {
    touch('b.mp4');
    touch('a/deep/er/c.MKV');
    touch('a/x.avi');
    touch('a/notes.txt');
    touch('a/deep/thumb.jpg');
    const r = await expandInputs([dir]);
    expect(r.files.map((f) => f.path)).toEqual([path.join(dir, 'a/deep/er/c.MKV'), path.join(dir, 'a/x.avi'), path.join(dir, 'b.mp4')]);
    expect(r.files.map((f) => f.relativePath)).toEqual(['a/deep/er/c.MKV', 'a/x.avi', 'b.mp4']);
    expect(r.files.map((f) => f.layout)).toEqual([null, null, null]);
    expect(r.files.every((f) => f.root === dir && f.input === dir)).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.inputs).toHaveLength(1);
    expect(r.inputs[0]).toMatchObject({ kind: 'directory', fileCount: 3, skippedNonVideo: 2 });
    expect(r.inputs[0]?.message).toBe(`${dir}: 3 video files; skipped 2 non-video files in ${dir} (e.g. a/notes.txt, a/deep/thumb.jpg)`);
  });

  test('an explicitly named file is taken whatever its extension; relative inputs from cwd', async () => {
    touch('readme.txt');
    touch('clip.mp4');
    const r = await expandInputs(['readme.txt', './clip.mp4'], { cwd: dir });
    expect(r.files.map((f) => [f.path, f.relativePath, f.root])).toEqual([
      [path.join(dir, 'clip.mp4'), 'clip.mp4', dir],
      [path.join(dir, 'readme.txt'), 'readme.txt', dir],
    ]);
    expect(r.errors).toEqual([]);
  });

  test('globs: files only, extension filter, static base as root; ** takes a tree', async () => {
    touch('2024-01-15/08/front/30.05.mp4');
    touch('2024-01-15/09/back/00.00.mp4');
    touch('2024-01-16/08/front/10.00.mp4');
    touch('2024-01-15/08/front/30.05.json');
    const r = await expandInputs([`${dir}/2024-01-15/**`]);
    // The root is the glob's static base; the layout is read from the whole path, so it is still seen.
    expect(r.files.map((f) => f.relativePath)).toEqual(['08/front/30.05.mp4', '09/back/00.00.mp4']);
    expect(r.files[0]?.root).toBe(path.join(dir, '2024-01-15'));
    expect(r.files.map((f) => [f.layout?.camera, f.layout?.startWallClock])).toEqual([
      ['front', '2024-01-15T08:30:05'],
      ['back', '2024-01-15T09:00:00'],
    ]);
    expect(r.inputs[0]).toMatchObject({ kind: 'glob', fileCount: 2, skippedNonVideo: 1 });
    const rel = await expandInputs(['2024-01-1?/08/*/*.mp4'], { cwd: dir });
    expect(rel.files.map((f) => f.relativePath)).toEqual(['2024-01-15/08/front/30.05.mp4', '2024-01-16/08/front/10.00.mp4']);
    const braces = await expandInputs([`${dir}/2024-01-{15,16}/08/front/*.mp4`]);
    expect(braces.files).toHaveLength(2);
  });

  test('one file through several spellings and inputs is listed once', async () => {
    const p = touch('cams/front/clip.mp4');
    fs.symlinkSync(p, path.join(dir, 'link.mp4'));
    fs.symlinkSync(path.join(dir, 'cams'), path.join(dir, 'cams-link'));
    const r = await expandInputs([p, 'cams/front/../front/clip.mp4', dir, `${dir}/cams/**/*.mp4`, path.join(dir, 'link.mp4'), path.join(dir, 'cams-link')], { cwd: dir });
    expect(r.files.map((f) => f.path)).toEqual([p]);
    // The first input that gave it wins the attribution.
    expect(r.files[0]?.input).toBe(p);
    expect(r.errors).toEqual([]);
  });

  test('symlinks are resolved once; a loop does not hang and the looping tree is walked once', async () => {
    touch('cams/front/clip.mp4');
    fs.symlinkSync(path.join(dir, 'cams'), path.join(dir, 'cams/front/loop'));
    fs.symlinkSync(dir, path.join(dir, 'cams/up'));
    const r = await expandInputs([dir]);
    expect(r.files.map((f) => f.path)).toEqual([path.join(dir, 'cams/front/clip.mp4')]);
    expect(r.errors).toEqual([]);
    const noFollow = await expandInputs([dir], { followSymlinks: false });
    expect(noFollow.files).toHaveLength(1);
    expect(noFollow.inputs[0]?.skippedOther).toBe(2);
  });

  test('a glob through a symlink loop ends, and lists the file once under its shortest spelling', async () => {
    touch('a/b/c.mp4');
    fs.symlinkSync(path.join(dir, 'a'), path.join(dir, 'a/b/loop'));
    fs.symlinkSync(dir, path.join(dir, 'a/up'));
    const r = await expandInputs([`${dir}/**/*.mp4`]);
    expect(r.files.map((f) => [f.path, f.relativePath])).toEqual([[path.join(dir, 'a/b/c.mp4'), 'a/b/c.mp4']]);
    expect(r.inputs[0]?.fileCount).toBe(1);
  });

  test('a linked folder keeps its logical relative path, the real path is the identity', async () => {
    const other = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-discover-disk2-')));
    try {
      fs.writeFileSync(path.join(other, 'a.mp4'), 'x');
      fs.mkdirSync(path.join(dir, 'nvr'));
      fs.symlinkSync(other, path.join(dir, 'nvr/front'));
      const r = await expandInputs([path.join(dir, 'nvr')]);
      expect(r.files.map((f) => [f.path, f.relativePath])).toEqual([[path.join(other, 'a.mp4'), 'front/a.mp4']]);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  test('missing inputs, broken links, empty globs: one InputError each, as data; the other inputs still expand', async () => {
    touch('ok/clip.mp4');
    fs.symlinkSync(path.join(dir, 'gone.mp4'), path.join(dir, 'broken.mp4'));
    fs.symlinkSync(path.join(dir, 'gone2.mp4'), path.join(dir, 'ok/broken-inside.mp4'));
    const r = await expandInputs([path.join(dir, 'missing.mp4'), path.join(dir, 'ok'), path.join(dir, 'broken.mp4'), `${dir}/nothing/*.mp4`, '']);
    expect(r.files.map((f) => f.relativePath)).toEqual(['clip.mp4']);
    expect(r.errors.every((e) => e instanceof InputError)).toBe(true);
    expect(reasons(r.errors)).toEqual(['not found', 'broken symlink', 'broken symlink', 'no match', 'empty input']);
    expect(r.errors[0]?.message).toBe(`expandInputs: ${path.join(dir, 'missing.mp4')}: not found`);
    expect(r.errors[0]?.context.input).toBe(path.join(dir, 'missing.mp4'));
    expect(r.errors[1]?.context.path).toBe(path.join(dir, 'ok/broken-inside.mp4'));
    expect(r.inputs.map((i) => i.kind)).toEqual(['invalid', 'directory', 'invalid', 'glob', 'invalid']);
  });

  test('hidden entries are skipped and counted unless includeHidden', async () => {
    touch('.trash/old.mp4');
    touch('.partial.mp4');
    touch('clip.mp4');
    const r = await expandInputs([dir]);
    expect(r.files.map((f) => f.relativePath)).toEqual(['clip.mp4']);
    expect(r.inputs[0]?.skippedHidden).toBe(2);
    const all = await expandInputs([dir], { includeHidden: true });
    expect(all.files.map((f) => f.relativePath)).toEqual(['.partial.mp4', '.trash/old.mp4', 'clip.mp4']);
  });

  test('a directory of 3000 non-video files is fast, opens none, and is one clear error', async () => {
    const junk = path.join(dir, 'junk');
    fs.mkdirSync(junk);
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(junk, `f${String(i).padStart(4, '0')}.txt`), '');
    // Skipped by name alone, never opened (as root the mode does not stop reads; the count shows it was not taken).
    fs.writeFileSync(path.join(junk, 'locked.dat'), 'x', { mode: 0o000 });
    const t0 = performance.now();
    const r = await expandInputs([junk]);
    const ms = performance.now() - t0;
    expect(r.files).toEqual([]);
    expect(r.inputs[0]?.skippedNonVideo).toBe(3001);
    expect(reasons(r.errors)).toEqual(['no video files']);
    expect(r.errors[0]?.message).toMatch(new RegExp(`^expandInputs: no video files in ${junk} \\(input "${junk}"\\): .*skipped 3001 non-video files in ${junk} \\(e\\.g\\. `));
    // Generous bound (one readdir; ~10 ms here): it fails only if each file were probed or opened.
    expect(ms).toBeLessThan(2000);
  });

  test('custom extension list', async () => {
    touch('a.mp4');
    touch('b.dav');
    touch('c.ts');
    const opts: ExpandInputsOptions = { videoExtensions: ['.DAV'] };
    const r = await expandInputs([dir], opts);
    expect(r.files.map((f) => f.relativePath)).toEqual(['b.dav']);
    expect(r.inputs[0]?.skippedNonVideo).toBe(2);
  });

  test('an existing path with glob characters is that file, not a pattern', async () => {
    const p = touch('clip[1].mp4');
    touch('clip1.mp4');
    const r = await expandInputs([p]);
    expect(r.files.map((f) => f.path)).toEqual([p]);
  });

  test('a fifo is not a regular file', async () => {
    const fifo = path.join(dir, 'pipe.mp4');
    require('node:child_process').execFileSync('mkfifo', [fifo]);
    const r = await expandInputs([fifo, dir]);
    expect(reasons(r.errors)).toEqual(['not a regular file or directory', 'no video files']);
    expect(r.inputs[1]?.skippedOther).toBe(1);
  });

  test('bad arguments throw before anything is read', async () => {
    await expect(expandInputs('a.mp4' as unknown as string[])).rejects.toThrow('expandInputs.inputs: expected an array of paths or globs, received "a.mp4"');
    await expect(expandInputs([1 as unknown as string])).rejects.toThrow('expected an array of strings, received 1');
    await expect(expandInputs([], { cwd: 'relative' })).rejects.toThrow('expandInputs.cwd: expected an absolute directory path, received "relative"');
    await expect(expandInputs([], { followSymLinks: true } as unknown as ExpandInputsOptions)).rejects.toThrow(
      'expandInputs: unknown option "followSymLinks"; valid options: videoExtensions, followSymlinks, includeHidden, cwd, layoutPatterns',
    );
  });
});
