import { InputError } from '../../contracts';
import { recipeValidationBatches } from '../../sr';
import type { HeldOutSrFace, HeldOutSrFaceSet } from './held-out-sr-faces';

/** The LR_0 degradations of the identity validation faces: the authors' ×8 (16 px, clean) or random CCTV-like (12–64 px). */
export type IdentityValidationDegradation = 'authors-x8' | 'cctv';

/**
 * Orders faces so that cyclic neighbours are different people: face i's successor (the F_M the
 * `shuffled` condition of runConditioningAblation gives it) is then always another person's. Faces
 * grouped by person, largest group first, are dealt to the even places, then the odd ones.
 * @returns the order (indices into `persons`), or null when no such order exists (one person holds
 *   more than half of the faces).
 */
export function alternatePersonsOrder(persons: readonly string[]): number[] | null {
  const n = persons.length;
  const groups = new Map<string, number[]>();
  persons.forEach((p, i) => groups.set(p, [...(groups.get(p) ?? []), i]));
  const dealt = [...groups.values()].sort((a, b) => b.length - a.length || (a[0] ?? 0) - (b[0] ?? 0)).flat();
  const places = [...Array(n).keys()].filter((i) => i % 2 === 0).concat([...Array(n).keys()].filter((i) => i % 2 === 1));
  const order = new Array<number>(n);
  places.forEach((place, k) => {
    order[place] = dealt[k] as number;
  });
  const ok = n >= 2 && order.every((f, i) => persons[f] !== persons[order[(i + 1) % n] as number]);
  return ok ? order : null;
}

/**
 * The residual recipe's held-out faces as a model-card face set: faces of the identity caches'
 * *validation identities* under `dataRoot` (never trained on; `recipeValidationBatches`, the faces
 * of scripts/recipe-validation.ts), LR_0 degraded as `degradation` and brought to the model's size,
 * F_M = the pipeline's fusion of degraded copies of *other* photos of the same person (as inference
 * sees it; fuseTrainingFeatures). Ordered so that each face's successor is
 * another person ({@link alternatePersonsOrder}), which makes the ablation's shuffled F_M another
 * person's.
 * @throws InputError when the caches' size or descriptor length is not the model's, or when one
 *   person holds more than half of the faces (no shuffled F_M of another person for every face).
 */
export async function loadIdentityValidationSrFaces(
  dataRoot: string,
  opts: { readonly sizePx: number; readonly featDim: number; readonly count: number; readonly degradation: IdentityValidationDegradation; readonly seed?: number },
): Promise<HeldOutSrFaceSet> {
  const { caches, batches, identities, files } = await recipeValidationBatches(dataRoot, opts.count, opts.seed);
  const batch = batches[opts.degradation];
  if (batch.size !== opts.sizePx) throw new InputError(`identity validation faces ${dataRoot}: faces are ${batch.size}px, the model is ${opts.sizePx}px`, { path: dataRoot, reason: 'size' });
  if (batch.featDim !== opts.featDim) {
    throw new InputError(`identity validation faces ${dataRoot}: descriptors have ${batch.featDim} values, the model expects ${opts.featDim}`, { path: dataRoot, reason: 'featDim' });
  }
  const persons = identities[opts.degradation];
  const order = alternatePersonsOrder(persons);
  if (order === null) {
    throw new InputError(`identity validation faces ${dataRoot}: ${opts.count} faces of ${new Set(persons).size} people cannot each be followed by another person's face (one person holds more than half); use more faces or more validation identities`, { path: dataRoot, reason: 'identities' });
  }
  const px = batch.size * batch.size * 3;
  const d = batch.featDim;
  const names = files[opts.degradation];
  const faces: HeldOutSrFace[] = order.map((b) => ({
    name: names[b] ?? String(b),
    hrHWC: batch.hr.slice(b * px, (b + 1) * px),
    lrHWC: batch.y.slice(b * px, (b + 1) * px),
    featureVector: batch.feat.slice(b * d, (b + 1) * d),
  }));
  const sides = batch.rows.map((r) => r.lrSide);
  return {
    faces,
    sizePx: batch.size,
    source:
      `${dataRoot} (${caches.join(', ')}): ${faces.length} faces of ${new Set(persons).size} validation identities (never trained on; recipeValidationBatches seed ${opts.seed ?? 12345}), ` +
      `LR_0 ${opts.degradation === 'cctv' ? `CCTV-like (side ${Math.min(...sides)}–${Math.max(...sides)} px, blur, noise, JPEG)` : "the authors' ×8 (16 px)"}, brought to ${batch.size}px`,
    conditioning: "the pipeline's fusion (fuseMean3Sigma) of 1-8 CCTV-degraded copies of other photos of the same person, as inference sees it (in an unlabelled cache: degraded copies of the face itself)",
  };
}
