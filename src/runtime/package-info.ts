import * as fs from 'node:fs';
import * as path from 'node:path';

/** The fasr package root (the folder holding its package.json), from source or from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: unknown };
      if (pkg.name === 'fasr') return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`fasr package root not found above ${__dirname}`);
    dir = parent;
  }
}

/**
 * fasr's own version, from the project's package.json (not from module resolution: the project
 * does not resolve itself by name, and before a build its `main` does not exist).
 * @throws Error when the package.json has no version string.
 */
export function fasrVersion(): string {
  const file = path.join(projectRoot(), 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string' || pkg.version === '') throw new Error(`${file}: no "version" string`);
  return pkg.version;
}

/**
 * Version of an installed npm package, or null when it is not installed. Reads the package's own
 * package.json (found from its resolved entry point, so hoisting does not matter). For 'fasr' it
 * is the project's own version ({@link fasrVersion}).
 */
export function installedPackageVersion(name: string): string | null {
  if (name === 'fasr') return fasrVersion();
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [projectRoot()] });
  } catch {
    return null;
  }
  let dir = path.dirname(entry);
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
