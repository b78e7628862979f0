import { InputError } from '../../src/contracts';

/** Prefix rewrites from the coordinator's paths to a worker's (shared storage mounted elsewhere). */
export type PathMap = readonly { readonly from: string; readonly to: string }[];

/**
 * Parses `--path-map` values `FROM=TO` (absolute path prefixes; the first matching rule wins).
 * @throws InputError for a value without '=' or with a relative side.
 */
export function parsePathMap(values: readonly string[]): PathMap {
  return values.map((v) => {
    const i = v.indexOf('=');
    const from = i < 0 ? '' : v.slice(0, i);
    const to = i < 0 ? '' : v.slice(i + 1);
    if (i < 0 || !from.startsWith('/') || !to.startsWith('/')) {
      throw new InputError(`--path-map: expected FROM=TO with two absolute path prefixes, e.g. /srv/nvr=/mnt/nvr, received ${JSON.stringify(v)}`, { option: 'path-map' });
    }
    return { from: from.replace(/\/+$/, '') || '/', to: to.replace(/\/+$/, '') || '/' };
  });
}

/** The worker's path for a coordinator path: the first rule whose prefix matches whole path segments; unchanged when none does. */
export function mapPath(p: string, map: PathMap): string {
  for (const { from, to } of map) {
    if (from === '/') return to === '/' ? p : `${to}${p}`;
    if (p === from) return to;
    if (p.startsWith(`${from}/`)) return `${to === '/' ? '' : to}${p.slice(from.length)}`;
  }
  return p;
}
