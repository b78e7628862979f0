/**
 * How much identity the conditioning embedder keeps as a face gets smaller (issue 16: why F_M
 * changes nothing; issue 17: which crops of a track are worth embedding). On an identity-data
 * cache's aligned HR faces (celeba-train-ids: photos of 99 identities), each face is brought down
 * to an LR side of 12 … 64 px (antialiased triangle resize, no blur, noise, JPEG or jitter: the
 * resolution alone), up again as the pipeline's crops are (upsampleLrFace), and embedded; the
 * table gives the verification AUC (Mann–Whitney) over all pairs of different photos (genuine =
 * same identity), and the same for the 128 px faces themselves.
 *
 *   node -r ts-node/register/transpile-only scripts/fm-identity-by-size.ts [--data out/id-celeba/celeba-train-ids]
 *        [--faces 240] [--sides 12,16,24,32,48,64] [--embedder faceres] [--markdown out.md]
 */
import * as fs from 'node:fs';
import { aucMannWhitney } from '../src/eval';
import { cosineSimilarity, createFaceEmbedder } from '../src/fuse';
import { floatToUint8, resizeAntialiased, uint8ToFloat, upsampleLrFace } from '../src/image';
import { initBackend } from '../src/runtime/backend';
import { identityIndex } from '../src/sr/train/residual-recipe';
import { loadIdentityData } from '../src/sr/train/prepare-identity-data';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

async function main(): Promise<void> {
  const dir = arg('data', 'out/id-celeba/celeba-train-ids');
  const data = loadIdentityData(dir);
  if (!data.manifest.labelled) throw new Error(`${dir}: an unlabelled cache has no identities to verify`);
  const s = data.manifest.hrSizePx;
  const sides = arg('sides', '12,16,24,32,48,64').split(',').map(Number);
  const want = Number(arg('faces', '240'));
  // Faces of identities with at least 3 photos, spread over identities (round robin), so every face has genuine pairs.
  const byId = identityIndex(data, [...data.identity.keys()]);
  const lists = [...byId.values()].filter((l) => l.length >= 3);
  const rows: number[] = [];
  for (let k = 0; rows.length < want && lists.some((l) => l.length > k); k++) for (const l of lists) if (l.length > k && rows.length < want) rows.push(l[k] as number);
  await initBackend('auto');
  const embedder = await createFaceEmbedder(arg('embedder', 'faceres'));
  const table = ['| face side | AUC | mean cos genuine | mean cos impostor |', '|---|---:|---:|---:|'];
  try {
    for (const side of [...sides, s]) {
      const crops = rows.map((r) => {
        const hr = data.hr.subarray(r * s * s * 3, (r + 1) * s * s * 3);
        if (side === s) return { width: s, height: s, rgb: hr };
        const small = floatToUint8(resizeAntialiased(uint8ToFloat(hr), s, s, 3, side, side, 'triangle'));
        const rgb = floatToUint8(upsampleLrFace(small, side, s));
        return { width: s, height: s, rgb };
      });
      const emb: Float32Array[] = [];
      for (let i = 0; i < crops.length; i += 16) emb.push(...(await embedder.embed(crops.slice(i, i + 16))));
      const genuine: number[] = [];
      const impostor: number[] = [];
      for (let a = 0; a < rows.length; a++) {
        for (let b = a + 1; b < rows.length; b++) {
          const c = cosineSimilarity(emb[a] as Float32Array, emb[b] as Float32Array);
          (data.identity[rows[a] as number] === data.identity[rows[b] as number] ? genuine : impostor).push(c);
        }
      }
      const mean = (xs: readonly number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
      table.push(`| ${side === s ? `${s} px (the aligned HR face)` : `${side} px`} | ${aucMannWhitney({ genuine: Float64Array.from(genuine), impostor: Float64Array.from(impostor) }).toFixed(3)} | ${mean(genuine).toFixed(3)} | ${mean(impostor).toFixed(3)} |`);
      console.error(table[table.length - 1]);
    }
  } finally {
    await embedder.close();
  }
  const text =
    `Identity kept by ${embedder.id} as faces get smaller: ${rows.length} aligned faces of ${new Set(rows.map((r) => data.identity[r])).size} identities from ${dir}, ` +
    `every pair of different photos (scripts/fm-identity-by-size.ts; resolution alone: triangle down, Keys-cubic up, no blur, noise or JPEG).\n\n${table.join('\n')}\n`;
  console.log(text);
  const md = arg('markdown', '');
  if (md !== '') fs.writeFileSync(md, text);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
