import * as path from 'node:path';
import { identityCacheDirs } from './train-batch-source';
import { loadIdentityData } from './prepare-identity-data';
import { AUTHORS_X8_RANGES, makeRecipeBatch, parseResidualRecipeConfig, recipeSplit } from './residual-recipe';
import type { RecipeBatch } from './residual-recipe';

/**
 * Held-out faces for judging the recipe (scripts/recipe-validation.ts, scripts/sr-grid.ts): faces
 * of the identity caches' *validation identities* (never trained on), each cache weighted by its
 * validation faces, no flips, F_M always present (fused as in training), under two LR_0
 * degradations: the authors' ×8 ('authors-x8': 16 px, clean) and random CCTV-like ('cctv').
 * Deterministic for (dataRoot contents, faces, seed). `identities[degradation][b]` names face b's
 * person (`<cache>:<identity name>`; `<cache>:face <row>` in an unlabelled cache, where every face
 * is its own person) and `files[degradation][b]` its image (`<cache>/<file>`), so a caller can give
 * each face another person's F_M.
 */
export async function recipeValidationBatches(
  dataRoot: string,
  faces: number,
  seed = 12345,
): Promise<{
  readonly caches: readonly string[];
  readonly batches: Readonly<Record<'authors-x8' | 'cctv', RecipeBatch>>;
  readonly identities: Readonly<Record<'authors-x8' | 'cctv', readonly string[]>>;
  readonly files: Readonly<Record<'authors-x8' | 'cctv', readonly string[]>>;
}> {
  const dirs = identityCacheDirs(dataRoot);
  const datas = dirs.map((d) => loadIdentityData(d));
  const split = recipeSplit(datas, 'validation');
  const recipe = parseResidualRecipeConfig({ pNullFeatures: 0, randomFlip: false, sourceWeights: split.rows.map((r) => r.length) });
  const caches = dirs.map((d) => path.basename(d));
  const batches = {
    'authors-x8': await makeRecipeBatch(datas, split, recipe, seed, 0, faces, { validation: true, ranges: AUTHORS_X8_RANGES }),
    cctv: await makeRecipeBatch(datas, split, recipe, seed, 1, faces, { validation: true }),
  };
  const person = (r: RecipeBatch['rows'][number]): string => {
    const data = datas[r.source];
    const cache = caches[r.source] ?? String(r.source);
    const id = data?.identity[r.row] ?? -1;
    return data?.manifest.labelled === true && id >= 0 ? `${cache}:${data.manifest.identities[id] ?? id}` : `${cache}:face ${r.row}`;
  };
  const file = (r: RecipeBatch['rows'][number]): string => `${caches[r.source] ?? r.source}/${datas[r.source]?.manifest.files[r.row] ?? r.row}`;
  return {
    caches,
    batches,
    identities: { 'authors-x8': batches['authors-x8'].rows.map(person), cctv: batches.cctv.rows.map(person) },
    files: { 'authors-x8': batches['authors-x8'].rows.map(file), cctv: batches.cctv.rows.map(file) },
  };
}
