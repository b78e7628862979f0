import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../contracts';
import type { FaceEmbedder } from '../../fuse';
import { fuseMean } from '../../fuse';
import { degradeLikeAuthors, floatToUint8, readImageRgb, resizeAntialiased, uint8ToFloat } from '../../image';
import { fileSha256 } from './file-sha256';
import { loadTrainingData } from '../../sr';

/** One held-out face for SR quality measurements: HR, its model LR and its conditioning F_M. */
export interface HeldOutSrFace {
  /** File name (validation split) or probe name (fasr-samples). */
  readonly name: string;
  /** HR face, RGB in [0,1], HWC, `sizePx` square. */
  readonly hrHWC: Float32Array;
  /** The model's LR input (degraded 8x and bicubic-upsampled), RGB in [0,1], HWC, `sizePx` square. */
  readonly lrHWC: Float32Array;
  /** The conditioning descriptor F_M (length = the model's featDim). */
  readonly featureVector: Float32Array;
}

/** A set of held-out faces and what it is, in words (for tables and model cards). */
export interface HeldOutSrFaceSet {
  readonly faces: readonly HeldOutSrFace[];
  readonly sizePx: number;
  /** Where the faces come from (folder and rows or files). */
  readonly source: string;
  /** What F_M is for these faces. */
  readonly conditioning: string;
}

/**
 * The validation split of a prepared training set (`prepareTrainingData`): faces the model never
 * trained on, with the LR made exactly as in training and F_M = the HR face's descriptor (the
 * conditioning of training).
 * @param count at most this many validation rows, in split order (all when omitted).
 * @throws InputError for an unreadable set, a size or descriptor length the caller did not expect.
 */
export function loadValidationSrFaces(dataDir: string, opts: { readonly sizePx: number; readonly featDim: number; readonly count?: number }): HeldOutSrFaceSet {
  const data = loadTrainingData(dataDir);
  const s = data.manifest.hrSizePx;
  if (s !== opts.sizePx) throw new InputError(`validation faces ${dataDir}: faces are ${s}px, the model is ${opts.sizePx}px`, { path: dataDir, reason: 'size' });
  const d = data.manifest.embedder.dim;
  if (d !== opts.featDim) {
    throw new InputError(`validation faces ${dataDir}: descriptors have ${d} values, the model expects ${opts.featDim}`, { path: dataDir, reason: 'featDim' });
  }
  const rows = data.manifest.split.validation.slice(0, opts.count ?? data.manifest.split.validation.length);
  if (rows.length === 0) throw new InputError(`validation faces ${dataDir}: the validation split is empty`, { path: dataDir, reason: 'empty' });
  const n = s * s * 3;
  const faces = rows.map((r) => ({
    name: data.manifest.files[r] ?? String(r),
    hrHWC: uint8ToFloat(data.hr.subarray(r * n, (r + 1) * n)),
    lrHWC: uint8ToFloat(data.lr.subarray(r * n, (r + 1) * n)),
    featureVector: data.features.slice(r * d, (r + 1) * d),
  }));
  return {
    faces,
    sizePx: s,
    source: `${dataDir}: the first ${rows.length} of its ${data.manifest.split.validation.length} validation faces (random split, seed ${data.manifest.split.seed})`,
    conditioning: `${data.manifest.embedder.id} of the HR face (as in training)`,
  };
}

function toSize(imgHWC: Float32Array, fromPx: number, toPx: number): Float32Array {
  return fromPx === toPx ? imgHWC : resizeAntialiased(imgHWC, fromPx, fromPx, 3, toPx, toPx, 'keys-cubic').map((v) => Math.min(1, Math.max(0, v)));
}

/**
 * The FASR authors' own sample (`fasr-samples`: `probe_HR/NNNNNN.jpg`, `LR_imgs/NNN/*`), under the
 * evaluation's one rule (docs/eval.md, as `fasr eval`): LR_0 = the authors' degradation
 * (degradeLikeAuthors, x`lrScale`, default 8) of probe_HR at `sizePx`, quantised once to 8 bits
 * (not `probe_LR`, which was not made by that degradation: shared fixtures README §7); F_M = the
 * mean (the paper's fusion) of `embedder` over the identity's LR_imgs taken as they are (they are
 * already low-resolution), leaving out any file with the bytes of probe_LR or probe_HR (the probe
 * must not condition its own SR); an all-zero F_M when `embedder` is null (for models whose featDim
 * fits no embedder); HR = probe_HR. Images are resized to `sizePx` when they differ. Their crops
 * are CelebA-framed (tighter than this project's FFHQ framing).
 * @throws InputError for a missing folder or image, an identity left without feature images, an
 *   embedder whose length is not `featDim`.
 */
export async function loadFasrSampleSrFaces(
  dir: string,
  opts: { readonly sizePx: number; readonly featDim: number; readonly embedder: FaceEmbedder | null; readonly count?: number; readonly lrScale?: number },
): Promise<HeldOutSrFaceSet> {
  const embedder = opts.embedder;
  if (embedder !== null && embedder.dim !== opts.featDim) {
    throw new InputError(`fasr-samples ${dir}: the embedder ${embedder.id} gives ${embedder.dim} values, the model expects ${opts.featDim}`, { path: dir, reason: 'featDim' });
  }
  const lrScale = opts.lrScale ?? 8;
  const hrDir = path.join(dir, 'probe_HR');
  if (!fs.existsSync(hrDir)) throw new InputError(`fasr-samples ${dir}: no probe_HR folder`, { path: dir, reason: 'layout' });
  const names = fs.readdirSync(hrDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, opts.count);
  if (names.length === 0) throw new InputError(`fasr-samples ${dir}: probe_HR has no images`, { path: hrDir, reason: 'empty' });
  const faces: HeldOutSrFace[] = [];
  let excluded = 0;
  for (const file of names) {
    const hrFile = path.join(hrDir, file);
    const hr = await readImageRgb(hrFile);
    const hrHWC = toSize(uint8ToFloat(hr.rgb), hr.width, opts.sizePx);
    const lrHWC = uint8ToFloat(floatToUint8(degradeLikeAuthors(hrHWC, opts.sizePx, { scale: lrScale })));
    // probe 000001.jpg belongs to LR_imgs/001
    const id = file.replace(/\.[^.]+$/, '').replace(/^0*/, '').padStart(3, '0');
    const idDir = path.join(dir, 'LR_imgs', id);
    if (!fs.existsSync(idDir)) throw new InputError(`fasr-samples ${dir}: no LR_imgs/${id} for probe ${file}`, { path: idDir, reason: 'layout' });
    const probeLr = path.join(dir, 'probe_LR', file);
    const probeHashes = new Set([await fileSha256(hrFile), ...(fs.existsSync(probeLr) ? [await fileSha256(probeLr)] : [])]);
    const featureFiles: string[] = [];
    for (const f of fs.readdirSync(idDir).sort()) {
      const full = path.join(idDir, f);
      if (probeHashes.has(await fileSha256(full))) excluded += 1;
      else featureFiles.push(full);
    }
    if (featureFiles.length === 0) throw new InputError(`fasr-samples ${dir}: LR_imgs/${id} has no image besides the probe's own`, { path: idDir, reason: 'no features' });
    let featureVector: Float32Array = new Float32Array(opts.featDim);
    if (embedder !== null) {
      const imgs = await Promise.all(featureFiles.map((f) => readImageRgb(f)));
      featureVector = fuseMean(await embedder.embed(imgs), embedder.id).featureVector;
    }
    faces.push({ name: file, hrHWC, lrHWC, featureVector });
  }
  return {
    faces,
    sizePx: opts.sizePx,
    source: `${dir}: probes ${names.join(', ')} (HR = probe_HR at ${opts.sizePx}px, LR_0 = the authors' degradation x${lrScale} of it)`,
    conditioning:
      embedder === null
        ? 'zero F_M'
        : `${embedder.id}: mean of the identity's LR_imgs as they are (the paper's F_M), without the probe's own image (${excluded} file(s) with the bytes of probe_LR/probe_HR left out)`,
  };
}
