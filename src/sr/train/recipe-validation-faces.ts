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
 * Deterministic for (dataRoot contents, faces, seed).
 */
export async function recipeValidationBatches(dataRoot: string, faces: number, seed = 12345): Promise<{ readonly caches: readonly string[]; readonly batches: Readonly<Record<'authors-x8' | 'cctv', RecipeBatch>> }> {
  const dirs = identityCacheDirs(dataRoot);
  const datas = dirs.map((d) => loadIdentityData(d));
  const split = recipeSplit(datas, 'validation');
  const recipe = parseResidualRecipeConfig({ pNullFeatures: 0, randomFlip: false, sourceWeights: split.rows.map((r) => r.length) });
  return {
    caches: dirs.map((d) => path.basename(d)),
    batches: {
      'authors-x8': await makeRecipeBatch(datas, split, recipe, seed, 0, faces, { validation: true, ranges: AUTHORS_X8_RANGES }),
      cctv: await makeRecipeBatch(datas, split, recipe, seed, 1, faces, { validation: true }),
    },
  };
}
