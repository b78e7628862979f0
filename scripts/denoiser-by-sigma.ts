/**
 * How well a residual-EDM model denoises at each noise level, and what its one-step end sees (issue
 * 16: why the σ_max rows of the recipe train on noise alone, `sigmaMaxInput`). On the validation
 * faces of an identity-data root (scripts/recipe-validation.ts's faces; validation identities only),
 * under both LR_0 settings, with the true F_M, it prints PSNR of up(LR_0) + D(s; σ) against HR for
 *   s = r + σ n at σ = 0.002 … σ_max (r = HR − up(LR_0): the training input of every σ), and at σ_max
 *   s = σ_max n (what the sampler starts from: nothing of r), with two noise seeds,
 * beside the PSNR of the noisy input itself. A model that reads r through the noise at σ_max does
 * better on the first σ_max row than on the second; its sampler only ever gets the second.
 *
 *   node -r ts-node/register/transpile-only scripts/denoiser-by-sigma.ts --model <dir> [--data out/id-fm24-celeba] [--faces 16] [--markdown out.md]
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { psnr } from '../src/image';
import { initBackend } from '../src/runtime/backend';
import { loadSrModel } from '../src/sr';
import { residualEdmDenoise } from '../src/sr/formulation';
import { recipeValidationBatches } from '../src/sr/train/recipe-validation-faces';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const SIGMAS = [0.002, 0.01, 0.05, 0.1, 0.2, 0.5];

async function main(): Promise<void> {
  await initBackend('auto');
  const modelDir = arg('model', 'models/fasr-ncsnpp-nf16-128-residual');
  const faces = Number(arg('faces', '16'));
  const { caches, batches } = await recipeValidationBatches(arg('data', 'out/id-fm24-celeba'), faces);
  const model = await loadSrModel({ model: modelDir, engine: 'onnx' });
  if (model.formulation.kind !== 'residual-edm') throw new Error(`${modelDir}: not a residual-edm model (${model.formulation.kind})`);
  const { sigmaData } = model.formulation;
  const sigmaMax = model.config.sigmaMax;
  const lines = [
    `Denoising by noise level: ${model.id} (weights ${model.sha256.slice(0, 12)}, ${model.card?.steps ?? '?'} steps), ${faces} validation faces per LR_0 setting from ${caches.join(', ')}, true F_M (scripts/denoiser-by-sigma.ts). PSNR (dB) of up(LR_0) + D(s; σ) against HR, and of the noisy input up(LR_0) + s.`,
    '',
    '| LR_0 | input s | σ | D: PSNR dB | input: PSNR dB |',
    '|---|---|---:|---:|---:|',
  ];
  try {
    for (const [degradation, batch] of Object.entries(batches)) {
      const B = batch.batchSize;
      const S = batch.size;
      const px = S * S * 3;
      const shape: [number, number, number, number] = [B, S, S, 3];
      const rows: { input: string; sigma: number; seed: number; withR: boolean }[] = [
        ...SIGMAS.filter((s) => s < sigmaMax).map((sigma) => ({ input: 'r + σn', sigma, seed: 7, withR: true })),
        { input: 'r + σn', sigma: sigmaMax, seed: 7, withR: true },
        { input: 'σn (the sampler start), seed 7', sigma: sigmaMax, seed: 7, withR: false },
        { input: 'σn (the sampler start), seed 11', sigma: sigmaMax, seed: 11, withR: false },
      ];
      for (const row of rows) {
        const [out, noisy] = tf.tidy(() => {
          const y = tf.tensor4d(batch.y, shape);
          const r = tf.sub(tf.tensor4d(batch.hr, shape), y);
          const n = tf.mul(tf.randomNormal(shape, 0, 1, 'float32', row.seed), row.sigma);
          const s = (row.withR ? tf.add(r, n) : n) as tf.Tensor4D;
          const d = residualEdmDenoise(model.network, sigmaData, s, y, tf.fill([B], row.sigma) as tf.Tensor1D, tf.tensor2d(batch.feat, [B, batch.featDim]));
          return [tf.add(y, d), tf.add(y, s)];
        });
        const o = (await out.data()) as Float32Array;
        const nz = (await noisy.data()) as Float32Array;
        out.dispose();
        noisy.dispose();
        let pd = 0;
        let pn = 0;
        for (let b = 0; b < B; b++) {
          const hr = batch.hr.subarray(b * px, (b + 1) * px);
          pd += psnr(o.subarray(b * px, (b + 1) * px), hr, 1);
          pn += psnr(nz.subarray(b * px, (b + 1) * px), hr, 1);
        }
        lines.push(`| ${degradation} | ${row.input} | ${row.sigma} | ${(pd / B).toFixed(2)} | ${(pn / B).toFixed(2)} |`);
      }
    }
  } finally {
    await model.dispose();
  }
  const text = `${lines.join('\n')}\n`;
  console.log(text);
  const md = arg('markdown', '');
  if (md !== '') fs.writeFileSync(md, text);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
