/**
 * The picture of issue 16: 16 held-out faces (validation identities of the identity caches, never
 * trained on), one row each: LR_0 at its native size (pixel-repeated) | bicubic up(LR_0) | the
 * model with the face's F_M | the model with another identity's F_M | HR. Written as one PNG.
 *
 *   node -r ts-node/register/transpile-only scripts/sr-grid.ts [--model models/<name>] [--data out/identity-data]
 *        [--degradation authors-x8|cctv] [--faces 16] [--out docs/img/sr-grid.png] [--engine onnx]
 */
import * as path from 'node:path';
import { writePng } from '../src/image';
import { initBackend } from '../src/runtime/backend';
import { enhanceFaces, loadSrModel } from '../src/sr';
import type { SrEngineName } from '../src/sr';
import { recipeValidationBatches } from '../src/sr/train/recipe-validation-faces';

function arg(name: string, fallback: string | undefined): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function toBytes(f: Float32Array): Uint8Array {
  return Uint8Array.from(f, (v) => Math.max(0, Math.min(255, Math.round(v * 255))));
}

async function main(): Promise<void> {
  const faces = Number(arg('faces', '16'));
  const degradation = (arg('degradation', 'authors-x8') ?? 'authors-x8') as 'authors-x8' | 'cctv';
  const out = path.resolve(arg('out', 'docs/img/sr-grid.png') ?? 'docs/img/sr-grid.png');
  await initBackend('auto');
  const { batches } = await recipeValidationBatches(arg('data', 'out/identity-data') ?? 'out/identity-data', faces);
  const batch = batches[degradation];
  const model = await loadSrModel({ ...(arg('model', undefined) === undefined ? {} : { model: arg('model', undefined) }), engine: (arg('engine', 'onnx') ?? 'onnx') as SrEngineName });
  const s = batch.size;
  const px = s * s * 3;
  const d = batch.featDim;
  const y = (b: number): Float32Array => batch.y.slice(b * px, (b + 1) * px);
  const feat = (b: number): Float32Array => batch.feat.slice(b * d, (b + 1) * d);
  try {
    const ours = await enhanceFaces([...Array(faces).keys()].map((b) => ({ lrImageHWC: y(b), size: s, featureVector: feat(b), seed: b })), { model });
    // Shuffled: the next face's F_M (rolled by one; faces come from different identities but for chance repeats).
    const shuffled = await enhanceFaces([...Array(faces).keys()].map((b) => ({ lrImageHWC: y(b), size: s, featureVector: feat((b + 1) % faces), seed: b })), { model });
    const cols = 5;
    const width = cols * s;
    const img = new Uint8Array(width * faces * s * 3);
    const put = (row: number, col: number, tile: Uint8Array): void => {
      for (let yy = 0; yy < s; yy++) img.set(tile.subarray(yy * s * 3, (yy + 1) * s * 3), ((row * s + yy) * width + col * s) * 3);
    };
    for (let b = 0; b < faces; b++) {
      // LR_0 at its native side, shown by pixel repetition (nearest) so its real resolution is visible.
      const side = batch.rows[b]?.lrSide ?? 16;
      const lrUp = y(b);
      const native = new Uint8Array(px);
      for (let yy = 0; yy < s; yy++) {
        for (let xx = 0; xx < s; xx++) {
          const sy = Math.floor(((Math.floor((yy * side) / s) + 0.5) * s) / side);
          const sx = Math.floor(((Math.floor((xx * side) / s) + 0.5) * s) / side);
          for (let c = 0; c < 3; c++) native[(yy * s + xx) * 3 + c] = Math.max(0, Math.min(255, Math.round((lrUp[(sy * s + sx) * 3 + c] ?? 0) * 255)));
        }
      }
      put(b, 0, native);
      put(b, 1, toBytes(lrUp));
      put(b, 2, toBytes(ours[b]?.imageHWC ?? new Float32Array(px)));
      put(b, 3, toBytes(shuffled[b]?.imageHWC ?? new Float32Array(px)));
      put(b, 4, toBytes(batch.hr.slice(b * px, (b + 1) * px)));
    }
    await writePng(out, { width, height: faces * s, rgb: img });
    console.log(`${out}: ${faces} held-out faces (${degradation}), columns LR_0 (native) | bicubic | ${model.id} with F_M | with a shuffled F_M | HR; sampler ${ours[0]?.sampler}`);
  } finally {
    await model.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
