/**
 * How much identity F_M carries, as the residual recipe builds it (issue 16: why F_M changes
 * nothing). On an identity-data cache (scripts/prepare-identity-data.ts: CCTV-degraded copies of
 * every photo, embedded by the conditioning embedder), for m = 1, 2, 4, 8 members:
 *   F_M(r) = fuseMean3Sigma of one degraded copy each of m *other* photos of r's identity
 *            (fuseTrainingFeatures' construction, m fixed),
 *   genuine  = cos(F_M(r), a degraded copy of r), impostor = cos(F_M(r), a degraded copy of a
 *            photo of another identity) (10 per face),
 * and prints the verification AUC (Mann–Whitney) and the mean genuine and impostor cosines, and
 * the same for two degraded copies of one photo (the ceiling the degradation itself leaves). All
 * faces of the cache are used (a property of the descriptor, not of a model).
 *
 *   node -r ts-node/register/transpile-only scripts/fm-identity-auc.ts [--data out/id-celeba/celeba-train-ids] [--seed 0] [--markdown out.md]
 */
import * as fs from 'node:fs';
import { aucMannWhitney } from '../src/eval';
import { cosineSimilarity, fuseMean3Sigma } from '../src/fuse';
import { TrainRandom } from '../src/sr/train';
import { identityIndex } from '../src/sr/train/residual-recipe';
import { loadIdentityData } from '../src/sr/train/prepare-identity-data';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function main(): void {
  const dir = arg('data', 'out/id-celeba/celeba-train-ids');
  const data = loadIdentityData(dir);
  if (!data.manifest.labelled) throw new Error(`${dir}: an unlabelled cache has no identities to verify`);
  // the picks: one counter-based stream (the training's Philox draws) under --seed
  const rnd = new TrainRandom(Number(arg('seed', '0')));
  let draw = 0;
  const u = (): number => rnd.uniform('validation', 0, draw++);
  const k = data.manifest.copies;
  const dim = data.manifest.embedder.dim;
  const n = data.identity.length;
  const copy = (r: number, c: number): Float32Array => data.copyFeatures.subarray((r * k + c) * dim, (r * k + c + 1) * dim);
  const byId = identityIndex(data, [...Array(n).keys()]);
  const otherIdentity = (r: number): number => {
    for (;;) {
      const s = Math.floor(u() * n);
      if (data.identity[s] !== data.identity[r]) return s;
    }
  };
  const rows: string[] = ['| F_M | faces | genuine pairs | AUC | mean cos genuine | mean cos impostor |', '|---|---:|---:|---:|---:|---:|'];
  // The ceiling: two degraded copies of the same photo against copies of other people's photos.
  {
    const genuine: number[] = [];
    const impostor: number[] = [];
    for (let r = 0; r < n; r++) {
      genuine.push(cosineSimilarity(copy(r, 0), copy(r, 1)));
      for (let i = 0; i < 10; i++) impostor.push(cosineSimilarity(copy(r, 0), copy(otherIdentity(r), 1)));
    }
    rows.push(`| one degraded copy of the same photo | ${n} | ${genuine.length} | ${aucMannWhitney({ genuine: Float64Array.from(genuine), impostor: Float64Array.from(impostor) }).toFixed(3)} | ${mean(genuine).toFixed(3)} | ${mean(impostor).toFixed(3)} |`);
  }
  for (const m of [1, 2, 4, 8]) {
    const genuine: number[] = [];
    const impostor: number[] = [];
    let faces = 0;
    for (let r = 0; r < n; r++) {
      const others = (byId.get(data.identity[r] as number) ?? []).filter((s) => s !== r);
      if (others.length < m) continue;
      faces++;
      for (let i = 0; i < m; i++) {
        const j = i + Math.floor(u() * (others.length - i));
        [others[i], others[j]] = [others[j] as number, others[i] as number];
      }
      const picks = others.slice(0, m).map((s) => copy(s, Math.floor(u() * k)));
      const fm = fuseMean3Sigma(picks, data.manifest.embedder.id, { threshold: 3, rule: 'cosine-distance' }).featureVector;
      genuine.push(cosineSimilarity(fm, copy(r, 0)));
      for (let i = 0; i < 10; i++) impostor.push(cosineSimilarity(fm, copy(otherIdentity(r), 0)));
    }
    rows.push(`| fused from ${m} other photo(s) | ${faces} | ${genuine.length} | ${aucMannWhitney({ genuine: Float64Array.from(genuine), impostor: Float64Array.from(impostor) }).toFixed(3)} | ${mean(genuine).toFixed(3)} | ${mean(impostor).toFixed(3)} |`);
  }
  const text =
    `F_M's identity content on ${dir} (${n} faces, ${byId.size} identities, ${data.manifest.embedder.id}, ${k} CCTV-degraded copies per photo), ` +
    `scripts/fm-identity-auc.ts seed ${arg('seed', '0')}: a fused F_M against one degraded copy of a photo not among its members (genuine) or of another identity (impostor, 10 per face).\n\n${rows.join('\n')}\n`;
  console.log(text);
  const md = arg('markdown', '');
  if (md !== '') fs.writeFileSync(md, text);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

main();
