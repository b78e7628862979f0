/**
 * Prepares the identity training data of the bundled model's recipe (issue 16) from ../shared:
 * celeba-train-ids (labelled), utkface-aligned and utkface-aligned-more (one face per identity),
 * one cache folder each under --out (default out/identity-data). Re-running reuses finished caches.
 *
 *   node -r ts-node/register/transpile-only scripts/prepare-identity-data.ts [--out dir] [--limit n] [--only name,...]
 *        [--copy-lr-side min,max (LR sides of the F_M copies, px; default the library's 12,40)]
 */
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { prepareIdentityData } from '../src/sr/train/prepare-identity-data';

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
  await initBackend('auto');
  const shared = path.resolve(__dirname, '..', '..', 'shared');
  for (const src of IDENTITY_SOURCES) {
    if (only !== undefined && !only.includes(src.name)) continue;
    const t0 = Date.now();
    let last = 0;
    const { manifest, reused } = await prepareIdentityData(
      { sourceDir: path.join(shared, src.dir), labels: src.labels, outDir: path.join(out, src.name), limit, validationFraction: src.labels === null ? 0.03 : 0.1, ...(sides === undefined ? {} : { copyLrSide: sides }) },
      (p) => {
        if (Date.now() - last > 30_000 || p.done === p.total) {
          last = Date.now();
          console.log(`${src.name}: ${p.done}/${p.total} (${p.skipped} skipped) ${((Date.now() - t0) / 1000).toFixed(0)} s`);
        }
      },
    );
    console.log(`${src.name}: ${reused ? 'reused' : 'written'} ${manifest.files.length} faces, ${manifest.identities.length} identities, ${manifest.skipped.length} skipped, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
