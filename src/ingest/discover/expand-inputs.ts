import * as fs from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { InputError } from '../../contracts';
import { checkOptionKeys, invalidValue } from '../../validate';
import { checkLayoutPatterns, DEFAULT_LAYOUT_PATTERNS, parseSourceLayout, type LayoutPattern, type SourceLayout } from './source-layout';
import { DEFAULT_VIDEO_EXTENSIONS, extensionOf, normalizeVideoExtensions } from './video-extensions';

/** Options of {@link expandInputs}. */
export interface ExpandInputsOptions {
  /**
   * Extensions taken as video in directory walks and glob matches (case-insensitive, with or
   * without the dot). Default {@link DEFAULT_VIDEO_EXTENSIONS}. Files named explicitly are
   * always taken.
   */
  readonly videoExtensions?: readonly string[];
  /**
   * Follow symbolic links met while walking a directory or matching a glob. Each link is
   * resolved once (realpath); a directory reached twice (a loop, or two links to one place) is
   * walked once. Default true.
   */
  readonly followSymlinks?: boolean;
  /**
   * Take names starting with "." (and descend into such directories). Default false: NVRs,
   * rsync and editors write temporary files as dotfiles, and `.Trash`/`.thumbnails` are not
   * recordings. Hidden entries are counted in the input's report.
   */
  readonly includeHidden?: boolean;
  /** Directory that relative inputs and globs are resolved from. Absolute. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Recorder layouts that camera names and start times are read from. Default `DEFAULT_LAYOUT_PATTERNS`. */
  readonly layoutPatterns?: readonly LayoutPattern[];
}

/** A candidate video file. */
export interface DiscoveredFile {
  /** Absolute real path (symlinks resolved): the file's identity, what is probed, hashed and decoded. */
  readonly path: string;
  /** The input (as given) that produced the file. */
  readonly input: string;
  /** Absolute directory the file was found under: the walked directory, the glob's static base, or a named file's parent. */
  readonly root: string;
  /**
   * Path of the file relative to `root` as it was reached (through links, before resolving them),
   * with "/" separators: the layout that camera names and output names are taken from. Never
   * contains ".." segments. Not safe for output paths as it is: see `safeRelativeName`.
   */
  readonly relativePath: string;
  /** Camera and start time read from `root/relativePath` (the path as reached, links not resolved); null when no layout matches. */
  readonly layout: SourceLayout | null;
}

/** What one input gave. */
export interface InputReport {
  /** The input as given. */
  readonly input: string;
  readonly kind: 'file' | 'directory' | 'glob' | 'invalid';
  /** Absolute root of the input (see {@link DiscoveredFile.root}); null for an invalid input. */
  readonly root: string | null;
  /** Candidate files the input matched (before removing those another input already gave). */
  readonly fileCount: number;
  /** Regular files skipped because their extension is not a video extension. */
  readonly skippedNonVideo: number;
  /** Entries skipped because their name starts with "." (see `includeHidden`). */
  readonly skippedHidden: number;
  /** Entries that are neither files nor directories (sockets, fifos, devices) or links not followed. */
  readonly skippedOther: number;
  /** Up to 5 skipped non-video names, for the message. */
  readonly skippedExamples: readonly string[];
  /** One line for people, e.g. "/nvr: 12 video files; skipped 3000 non-video files (e.g. a.txt, b.jpg)". */
  readonly message: string;
}

/** Result of {@link expandInputs}. */
export interface ExpandInputsResult {
  /** Candidate files, sorted by `path` (code-unit order), each real path once. */
  readonly files: readonly DiscoveredFile[];
  /**
   * Problems, as data: an input that does not exist, a glob that matches nothing, an input that
   * gives no video file, a broken link or an unreadable directory met in a walk. Each an
   * InputError with `context.path`, `context.input` and `context.reason`. The other inputs are
   * still expanded.
   */
  readonly errors: readonly InputError[];
  /** One report per input, in input order. */
  readonly inputs: readonly InputReport[];
}

const OPTION_KEYS: readonly string[] = ['videoExtensions', 'followSymlinks', 'includeHidden', 'cwd', 'layoutPatterns'];
const WHERE = 'expandInputs';
const MAX_EXAMPLES = 5;

interface Settings {
  readonly exts: ReadonlySet<string>;
  readonly followSymlinks: boolean;
  readonly includeHidden: boolean;
  readonly cwd: string;
  readonly layoutPatterns: readonly LayoutPattern[];
}

/** Mutable tally of one input while it is expanded. */
interface Tally {
  readonly input: string;
  readonly root: string;
  readonly found: DiscoveredFile[];
  /** Real paths already in `found` (a glob through links can match one file several times). */
  readonly seen: Set<string>;
  nonVideo: number;
  hidden: number;
  other: number;
  readonly examples: string[];
}

function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

function statReason(err: unknown): string {
  const code = errnoCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'not found';
  if (code === 'EACCES' || code === 'EPERM') return 'not readable';
  if (code === 'ELOOP') return 'symlink loop';
  return `cannot stat (${code || String(err)})`;
}

function resolveSettings(opts: ExpandInputsOptions): Settings {
  checkOptionKeys(WHERE, opts, OPTION_KEYS, { error: InputError });
  const exts = normalizeVideoExtensions(WHERE, opts.videoExtensions ?? DEFAULT_VIDEO_EXTENSIONS);
  const followSymlinks = opts.followSymlinks ?? true;
  if (typeof followSymlinks !== 'boolean') invalidValue(WHERE, 'followSymlinks', 'a boolean', followSymlinks, InputError);
  const includeHidden = opts.includeHidden ?? false;
  if (typeof includeHidden !== 'boolean') invalidValue(WHERE, 'includeHidden', 'a boolean', includeHidden, InputError);
  const cwd = opts.cwd ?? process.cwd();
  if (typeof cwd !== 'string' || !path.isAbsolute(cwd)) invalidValue(WHERE, 'cwd', 'an absolute directory path', cwd, InputError);
  const layoutPatterns = opts.layoutPatterns ?? DEFAULT_LAYOUT_PATTERNS;
  checkLayoutPatterns(layoutPatterns);
  return { exts, followSymlinks, includeHidden, cwd, layoutPatterns };
}

/** Splits a glob into its static directory prefix and the dynamic rest ("/nvr/2024-*\/**" → "/nvr", "2024-*\/**"). */
function splitGlob(pattern: string, cwd: string): { base: string; rest: string } {
  const segments = pattern.split('/');
  let i = 0;
  // The last segment is never part of the base: it is what is matched.
  while (i < segments.length - 1 && !isDynamicPattern(segments[i] ?? '')) i++;
  const staticPart = segments.slice(0, i).join('/');
  const base = path.resolve(cwd, pattern.startsWith('/') && staticPart === '' ? '/' : staticPart || '.');
  return { base, rest: segments.slice(i).join('/') };
}

/** Adds a candidate unless this input already gave its real path (first spelling met wins). */
function addFound(t: Tally, f: DiscoveredFile): void {
  if (t.seen.has(f.path)) return;
  t.seen.add(f.path);
  t.found.push(f);
}

function addExample(t: Tally, name: string): void {
  if (t.examples.length < MAX_EXAMPLES) t.examples.push(name);
}

/**
 * Walks `rootReal` (a real directory path) depth-first. Paths handed out are real paths; the
 * relative path is the logical one (through the links followed).
 */
async function walkDirectory(rootReal: string, t: Tally, s: Settings, visitedDirs: Set<string>, errors: InputError[]): Promise<void> {
  const stack: { real: string; rel: string }[] = [{ real: rootReal, rel: '' }];
  visitedDirs.add(rootReal);
  while (stack.length > 0) {
    const dir = stack.pop();
    if (dir === undefined) break;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir.real, { withFileTypes: true });
    } catch (err) {
      const reason = statReason(err);
      errors.push(new InputError(`expandInputs: cannot read directory ${dir.real} (from input "${t.input}"): ${reason}`, { path: dir.real, input: t.input, reason }));
      continue;
    }
    for (const entry of entries) {
      const name = entry.name;
      const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
      const full = path.join(dir.real, name);
      if (!s.includeHidden && name.startsWith('.')) {
        t.hidden++;
        continue;
      }
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let real = full;
      if (entry.isSymbolicLink()) {
        if (!s.followSymlinks) {
          t.other++;
          continue;
        }
        try {
          real = await fs.promises.realpath(full);
          const st = await fs.promises.stat(real);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch (err) {
          const reason = errnoCode(err) === 'ENOENT' ? 'broken symlink' : statReason(err);
          errors.push(new InputError(`expandInputs: ${full} (from input "${t.input}"): ${reason}`, { path: full, input: t.input, reason }));
          continue;
        }
      }
      if (isDir) {
        // A directory reached twice (a loop, or two links to one place) is walked once.
        if (visitedDirs.has(real)) continue;
        visitedDirs.add(real);
        stack.push({ real, rel });
      } else if (isFile) {
        if (s.exts.has(extensionOf(name))) addFound(t, { path: real, input: t.input, root: t.root, relativePath: rel, layout: null });
        else {
          t.nonVideo++;
          addExample(t, rel);
        }
      } else {
        t.other++;
      }
    }
  }
}

async function expandGlob(pattern: string, t: Tally, base: string, rest: string, s: Settings): Promise<void> {
  const matches = await glob([rest], {
    cwd: base,
    absolute: false,
    onlyFiles: true,
    dot: s.includeHidden,
    followSymbolicLinks: s.followSymlinks,
    expandDirectories: false,
  });
  // Through links one file can match under several spellings: the shortest (then first) wins.
  const depth = (p: string): number => p.split('/').length;
  matches.sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const rel of matches) {
    const full = path.join(base, rel);
    const name = path.basename(rel);
    if (!s.exts.has(extensionOf(name))) {
      t.nonVideo++;
      addExample(t, rel);
      continue;
    }
    // Matches are regular files (or links to them) that existed a moment ago; resolve links once.
    let real: string;
    try {
      real = await fs.promises.realpath(full);
    } catch {
      t.other++;
      continue;
    }
    addFound(t, { path: real, input: pattern, root: base, relativePath: rel.split(path.sep).join('/'), layout: null });
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function report(kind: InputReport['kind'], t: Tally): InputReport {
  const parts = [`${t.input}: ${plural(t.found.length, 'video file')}`];
  if (t.nonVideo > 0) parts.push(`skipped ${plural(t.nonVideo, 'non-video file')} in ${t.root} (e.g. ${t.examples.join(', ')})`);
  if (t.hidden > 0) parts.push(`skipped ${plural(t.hidden, 'hidden entry', 'hidden entries')}`);
  if (t.other > 0) parts.push(`skipped ${plural(t.other, 'other entry', 'other entries')} (not a file or directory, or a link not followed)`);
  return Object.freeze({
    input: t.input,
    kind,
    root: t.root,
    fileCount: t.found.length,
    skippedNonVideo: t.nonVideo,
    skippedHidden: t.hidden,
    skippedOther: t.other,
    skippedExamples: Object.freeze([...t.examples]),
    message: parts.join('; '),
  });
}

function invalid(input: string, message: string): InputReport {
  return Object.freeze({
    input,
    kind: 'invalid',
    root: null,
    fileCount: 0,
    skippedNonVideo: 0,
    skippedHidden: 0,
    skippedOther: 0,
    skippedExamples: Object.freeze([]),
    message,
  });
}

/**
 * Expands files, directories (recursively) and globs into one sorted, de-duplicated list of
 * candidate video files. Nothing is probed or opened: a directory of thousands of non-video
 * files costs one `readdir` per directory and is reported, not failed, unless it gives no
 * video at all.
 *
 * Rules, per input (relative ones from `cwd`):
 * - an existing file is always a candidate, whatever its extension (probing it gives the reason
 *   it is not a video);
 * - an existing directory is walked recursively, keeping files with a video extension;
 * - otherwise, an input with glob syntax (`*`, `?`, `[...]`, `{a,b}`, `**`) is matched
 *   (files only, tinyglobby/picomatch syntax; to take a matched directory whole, end with `/**`)
 *   and filtered by extension; an existing path is never read as a glob, so a file named `a[1].mp4`
 *   is that file;
 * - anything else is an InputError in `errors` (reason 'not found', 'broken symlink',
 *   'not readable', 'not a regular file or directory', 'no match', 'no video files', 'empty input').
 *
 * Two spellings of one file (a relative and an absolute path, a link and its target) give one
 * candidate: the one met first, in input order.
 *
 * @throws InputError only for invalid arguments (not an array of strings, a bad option); problems
 * with individual inputs are returned in `errors`.
 */
export async function expandInputs(inputs: readonly string[], opts: ExpandInputsOptions = {}): Promise<ExpandInputsResult> {
  if (!Array.isArray(inputs)) invalidValue('expandInputs', 'inputs', 'an array of paths or globs', inputs, InputError);
  for (const input of inputs) {
    if (typeof input !== 'string') invalidValue('expandInputs', 'inputs', 'an array of strings', input, InputError);
  }
  const s = resolveSettings(opts);
  const errors: InputError[] = [];
  const reports: InputReport[] = [];
  const byRealPath = new Map<string, DiscoveredFile>();

  for (const input of inputs) {
    if (input.trim() === '') {
      const reason = 'empty input';
      errors.push(new InputError('expandInputs: an input is an empty string', { path: input, input, reason }));
      reports.push(invalid(input, 'empty input'));
      continue;
    }
    const abs = path.resolve(s.cwd, input);
    let st: fs.Stats | null = null;
    let statErr: unknown = null;
    try {
      st = await fs.promises.stat(abs);
    } catch (err) {
      statErr = err;
    }
    let kind: InputReport['kind'];
    let t: Tally;
    if (st !== null && st.isFile()) {
      kind = 'file';
      const real = await fs.promises.realpath(abs);
      t = { input, root: path.dirname(abs), found: [], seen: new Set<string>(), nonVideo: 0, hidden: 0, other: 0, examples: [] };
      addFound(t, { path: real, input, root: t.root, relativePath: path.basename(abs), layout: null });
    } else if (st !== null && st.isDirectory()) {
      kind = 'directory';
      const real = await fs.promises.realpath(abs);
      t = { input, root: abs, found: [], seen: new Set<string>(), nonVideo: 0, hidden: 0, other: 0, examples: [] };
      // Loops are cut within a walk; overlapping inputs are walked each and de-duplicated below.
      await walkDirectory(real, t, s, new Set<string>(), errors);
    } else if (st !== null) {
      const reason = 'not a regular file or directory';
      errors.push(new InputError(`expandInputs: ${abs}: ${reason}`, { path: abs, input, reason }));
      reports.push(invalid(input, `${input}: ${reason}`));
      continue;
    } else if (isDynamicPattern(input)) {
      kind = 'glob';
      const { base, rest } = splitGlob(input, s.cwd);
      t = { input, root: base, found: [], seen: new Set<string>(), nonVideo: 0, hidden: 0, other: 0, examples: [] };
      await expandGlob(input, t, base, rest, s);
      if (t.found.length === 0 && t.nonVideo === 0) {
        const reason = 'no match';
        errors.push(new InputError(`expandInputs: glob "${input}" matches no file (searched under ${base})`, { path: base, input, reason }));
        reports.push(report(kind, t));
        continue;
      }
    } else {
      let reason = statReason(statErr);
      if (reason === 'not found') {
        // A link whose target is gone says so, rather than "not found".
        try {
          if ((await fs.promises.lstat(abs)).isSymbolicLink()) reason = 'broken symlink';
        } catch {
          // lstat failing too: plainly not found.
        }
      }
      errors.push(new InputError(`expandInputs: ${abs}: ${reason}`, { path: abs, input, reason }));
      reports.push(invalid(input, `${input}: ${reason}`));
      continue;
    }
    const r = report(kind, t);
    reports.push(r);
    if (t.found.length === 0 && kind !== 'file') {
      const reason = 'no video files';
      errors.push(new InputError(`expandInputs: no video files in ${t.root} (input "${input}"): ${r.message}`, { path: t.root, input, reason }));
    }
    for (const f of t.found) {
      if (byRealPath.has(f.path)) continue;
      const layout = parseSourceLayout(path.join(f.root, f.relativePath), s.layoutPatterns);
      byRealPath.set(f.path, Object.freeze({ ...f, layout }));
    }
  }
  const files = [...byRealPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Object.freeze({ files: Object.freeze(files), errors: Object.freeze(errors), inputs: Object.freeze(reports) });
}
