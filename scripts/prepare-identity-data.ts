/**
 * Prepares the identity training data of the bundled model's recipe (issue 16) from ../shared:
 * celeba-train-ids (labelled), utkface-aligned and utkface-aligned-more (one face per identity),
 * one cache folder each under --out (default out/identity-data). Re-running reuses finished caches.
 *
 *   node -r ts-node/register/transpile-only scripts/prepare-identity-data.ts [--out dir] [--limit n] [--only name,...]
 *        [--copy-lr-side min,max (LR sides of the F_M copies, px; default the library's 12,40)]
 *        [--from-end: a second process beside a running one, same arguments: it fills the missing
 *         parts from the last backwards and stops where the first process has been; that one
 *         assembles the cache. Two processes use both cores (Human's wasm runs one thread each).]
 */
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { fillIdentityDataPartsFromEnd, prepareIdentityData } from '../src/sr/train/prepare-identity-data';

export const IDENTITY_SOURCES = Object.freeze([
  { name: 'celeba-train-ids', dir: 'data/faces/celeba-train-ids', labels: 'labels.csv' },
  { name: 'utkface-aligned', dir: 'data/faces/utkface-aligned/images', labels: null },
  { name: 'utkface-aligned-more', dir: 'data/faces/utkface-aligned-more/images', labels: null },
] as const);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = opt('--out') ?? 'out/identity-data';
  const limit = opt('--limit') === undefined ? null : Number(opt('--limit'));
  const only = opt('--only')?.split(',');
  const sides = opt('--copy-lr-side')?.split(',').map(Number);
  if (sides !== undefined && (sides.length !== 2 || sides.some((v) => !Number.isInteger(v)))) throw new Error(`--copy-lr-side: expected two whole numbers min,max, e.g. 24,64, received ${opt('--copy-lr-side')}`);
  const fromEnd = args.includes('--from-end');
  await initBackend('auto');
  const shared = path.resolve(__dirname, '..', '..', 'shared');
  for (const src of IDENTITY_SOURCES) {
    if (only !== undefined && !only.includes(src.name)) continue;
    const t0 = Date.now();
    let last = 0;
    const config = { sourceDir: path.join(shared, src.dir), labels: src.labels, outDir: path.join(out, src.name), limit, validationFraction: src.labels === null ? 0.03 : 0.1, ...(sides === undefined ? {} : { copyLrSide: sides }) };
    const progress = (p: { done: number; total: number; skipped: number }): void => {
      if (Date.now() - last > 30_000 || p.done === p.total) {
        last = Date.now();
        console.log(`${src.name}${fromEnd ? ' (from the end)' : ''}: face ${p.done}/${p.total} (${p.skipped} skipped) ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    };
    if (fromEnd) {
      const { written } = await fillIdentityDataPartsFromEnd(config, progress);
      console.log(`${src.name}: ${written} parts written from the end, ${((Date.now() - t0) / 1000).toFixed(0)} s; the forward process assembles the cache`);
      continue;
    }
    const { manifest, reused } = await prepareIdentityData(config, progress);
    console.log(`${src.name}: ${reused ? 'reused' : 'written'} ${manifest.files.length} faces, ${manifest.identities.length} identities, ${manifest.skipped.length} skipped, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
