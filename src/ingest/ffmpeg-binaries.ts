import * as fs from 'node:fs';
import * as path from 'node:path';
import { FfmpegError, InputError } from '../contracts';
import { checkBoolean, checkNumber, checkOptionKeys } from '../validate';
import { runProcess } from './run-process';

/** Where a binary came from: an explicit env var, the system PATH, or the npm installer packages. */
export type BinaryOrigin = 'env' | 'system' | 'npm';

/** One ffmpeg-suite binary that was found and ran `-version` successfully. */
export interface ResolvedBinary {
  readonly name: 'ffmpeg' | 'ffprobe';
  /** Absolute path of the executable. */
  readonly path: string;
  readonly origin: BinaryOrigin;
  /** First line of `<binary> -version`, e.g. "ffmpeg version 5.1.9-0+deb12u1 Copyright ...". */
  readonly version: string;
}

/**
 * The ffmpeg and ffprobe to use. A value object made once (e.g. by the CLI) and passed to
 * `probeSource` / `decodeFrames`; nothing is cached in module state.
 */
export interface FfmpegBinaries {
  readonly ffmpeg: ResolvedBinary;
  readonly ffprobe: ResolvedBinary;
}

/** Options of {@link resolveFfmpegBinaries}. */
export interface ResolveBinariesOptions {
  /**
   * Environment to read FFMPEG_PATH, FFPROBE_PATH and PATH from. Default: `process.env`.
   * Tests pass their own to force an origin.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether the npm packages `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe` may be used as fallback. Default true. */
  readonly allowNpm?: boolean;
  /** Time allowed for each `-version` check, ms, >= 1. Default 15000. */
  readonly timeoutMs?: number;
}

const OPTION_KEYS: readonly string[] = ['env', 'allowNpm', 'timeoutMs'];

/** One candidate that was tried and why it was rejected. */
interface Attempt {
  readonly origin: BinaryOrigin;
  readonly path: string;
  readonly problem: string;
}

const ENV_VAR: Record<ResolvedBinary['name'], string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' };
const NPM_PACKAGE: Record<ResolvedBinary['name'], string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

function isExecutableFile(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks `name` up in the directories of a PATH string; null when not found. */
function findOnPath(name: string, pathVar: string | undefined): string | null {
  if (pathVar === undefined || pathVar === '') return null;
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** The binary path the npm installer package points at; null with a reason when the package is unusable. */
function npmBinaryPath(name: ResolvedBinary['name']): { path: string | null; problem: string } {
  try {
    // The installer packages resolve the platform-specific package at require time.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod: unknown = require(NPM_PACKAGE[name]);
    if (typeof mod === 'object' && mod !== null && 'path' in mod && typeof mod.path === 'string') {
      return { path: mod.path, problem: '' };
    }
    return { path: null, problem: `${NPM_PACKAGE[name]} did not export a path` };
  } catch (err) {
    return { path: null, problem: `${NPM_PACKAGE[name]} could not be loaded: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/** Runs `<file> -version`; returns the first output line, or a problem description. */
async function versionOf(file: string, timeoutMs: number): Promise<{ version: string | null; problem: string }> {
  const r = await runProcess(file, ['-version'], timeoutMs);
  if (r.startError) return { version: null, problem: `cannot run: ${r.startError.message}` };
  if (r.timedOut) return { version: null, problem: `-version did not finish within ${timeoutMs} ms` };
  if (r.exitCode !== 0) return { version: null, problem: `-version exited with code ${String(r.exitCode)}: ${r.stderrTail.split('\n').pop() ?? ''}` };
  const first = r.stdout.split(/\r?\n/)[0]?.trim() ?? '';
  if (first === '') return { version: null, problem: '-version printed nothing' };
  return { version: first, problem: '' };
}

async function resolveOne(
  name: ResolvedBinary['name'],
  env: Readonly<Record<string, string | undefined>>,
  allowNpm: boolean,
  timeoutMs: number,
): Promise<ResolvedBinary> {
  const attempts: Attempt[] = [];
  const envValue = env[ENV_VAR[name]];
  if (envValue !== undefined && envValue !== '') {
    // An explicit setting that does not work is a configuration mistake: report it rather than
    // silently running some other binary.
    const abs = path.resolve(envValue);
    const v = isExecutableFile(abs) ? await versionOf(abs, timeoutMs) : { version: null, problem: 'not an executable file' };
    if (v.version !== null) return Object.freeze({ name, path: abs, origin: 'env', version: v.version });
    throw new FfmpegError(
      `${ENV_VAR[name]} is set to "${envValue}", but that ${name} does not work: ${v.problem}. Fix or unset ${ENV_VAR[name]}.`,
      null,
      '',
      { binary: name, path: abs, origin: 'env' },
    );
  }
  const systemPath = findOnPath(name, env['PATH']);
  if (systemPath !== null) {
    const v = await versionOf(systemPath, timeoutMs);
    if (v.version !== null) return Object.freeze({ name, path: systemPath, origin: 'system', version: v.version });
    attempts.push({ origin: 'system', path: systemPath, problem: v.problem });
  } else {
    attempts.push({ origin: 'system', path: `${name} on PATH`, problem: 'not found' });
  }
  if (allowNpm) {
    const npm = npmBinaryPath(name);
    if (npm.path !== null) {
      const v = isExecutableFile(npm.path) ? await versionOf(npm.path, timeoutMs) : { version: null, problem: 'not an executable file' };
      if (v.version !== null) return Object.freeze({ name, path: npm.path, origin: 'npm', version: v.version });
      attempts.push({ origin: 'npm', path: npm.path, problem: v.problem });
    } else {
      attempts.push({ origin: 'npm', path: NPM_PACKAGE[name], problem: npm.problem });
    }
  } else {
    attempts.push({ origin: 'npm', path: NPM_PACKAGE[name], problem: 'disabled (allowNpm: false)' });
  }
  const tried = attempts.map((a) => `${a.origin} ${a.path}: ${a.problem}`).join('; ');
  throw new FfmpegError(
    `No working ${name} found (tried ${tried}). Install ${name} on PATH or set ${ENV_VAR[name]}.`,
    null,
    '',
    { binary: name, attempts },
  );
}

/**
 * Finds working ffmpeg and ffprobe binaries, each independently, in this order:
 * 1. `FFMPEG_PATH` / `FFPROBE_PATH` when set (an explicit setting that fails is an error, no fallback);
 * 2. `ffmpeg` / `ffprobe` on PATH (the system build, usually newer and with more codecs);
 * 3. the static builds of `@ffmpeg-installer/ffmpeg` / `@ffprobe-installer/ffprobe`.
 * Each candidate must run `-version` successfully.
 *
 * @returns a frozen value object to pass to `probeSource` and `decodeFrames`.
 * @throws InputError for invalid options; FfmpegError when no candidate works (the message lists what was tried).
 */
export async function resolveFfmpegBinaries(opts: ResolveBinariesOptions = {}): Promise<FfmpegBinaries> {
  const where = 'resolveFfmpegBinaries';
  checkOptionKeys(where, opts, OPTION_KEYS, { error: InputError });
  const timeoutMs = checkNumber(where, 'timeoutMs', opts.timeoutMs ?? 15000, { min: 1 }, InputError);
  const allowNpm = checkBoolean(where, 'allowNpm', opts.allowNpm ?? true, InputError);
  const env = opts.env ?? process.env;
  const [ffmpeg, ffprobe] = await Promise.all([
    resolveOne('ffmpeg', env, allowNpm, timeoutMs),
    resolveOne('ffprobe', env, allowNpm, timeoutMs),
  ]);
  return Object.freeze({ ffmpeg, ffprobe });
}

/** Checks that a value is a {@link FfmpegBinaries} (as returned by resolveFfmpegBinaries); throws InputError otherwise. */
export function assertFfmpegBinaries(value: unknown, where: string): asserts value is FfmpegBinaries {
  const ok = (b: unknown, name: string): boolean =>
    typeof b === 'object' && b !== null && 'path' in b && typeof b.path === 'string' && b.path !== '' && 'name' in b && b.name === name;
  if (typeof value !== 'object' || value === null || !('ffmpeg' in value) || !('ffprobe' in value) || !ok(value.ffmpeg, 'ffmpeg') || !ok(value.ffprobe, 'ffprobe')) {
    throw new InputError(`${where}: expected binaries from resolveFfmpegBinaries() ({ffmpeg, ffprobe} with paths), received ${JSON.stringify(value)}`, {
      option: 'binaries',
    });
  }
}
