/**
 * Validation figures of SR models on the identity data's *validation identities* (never trained
 * on; issue 16's recipe comparison and the training run's progress): PSNR and SSIM against HR of
 * bicubic (up(LR_0)) and of each model with the true F_M, a shuffled F_M (another identity's: a
 * fixed derangement) and the null F_M, for several samplers, under two degradations: the authors'
 * ×8 (16 px, clean) and random CCTV-like LR_0 (12–64 px, blur, noise, JPEG).
 *
 *   node -r ts-node/register/transpile-only scripts/recipe-validation.ts --model <dir> [--model <dir> ...]
 *        [--data out/identity-data] [--faces 24] [--samplers heun:1,heun:4,heun:10] [--samplers-2 adaptive,...]
 *        [--conditions true,shuffled,null] [--engine onnx] [--json out.json]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { psnr, ssim } from '../src/image';
import { initBackend } from '../src/runtime/backend';
import { enhanceFaces, loadSrModel } from '../src/sr';
import type { RecipeValidationRow, SrEngineName } from '../src/sr';
import { recipeValidationBatches } from '../src/sr/train/recipe-validation-faces';
import type { RecipeBatch } from '../src/sr/train/residual-recipe';

/** A row of the table: the fields chooseResidualDefaultSampler reads, and SSIM and the face count. */
interface Row extends RecipeValidationRow {
  readonly ssim: number;
  readonly faces: number;
}

function parseArgs(argv: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = (argv[i] ?? '').replace(/^--/, '');
    (out[k] ??= []).push(argv[i + 1] ?? '');
  }
  return out;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

function scores(batch: RecipeBatch, images: readonly Float32Array[]): { psnrDb: number; ssim: number } {
  const px = batch.size * batch.size * 3;
  const p: number[] = [];
  const s: number[] = [];
  images.forEach((img, b) => {
    const hr = batch.hr.subarray(b * px, (b + 1) * px);
    p.push(psnr(img, hr, 1));
    s.push(ssim(img, hr, { width: batch.size, height: batch.size }));
  });
  return { psnrDb: mean(p), ssim: mean(s) };
}

/** A derangement of the faces that gives every face the F_M of another identity (rolled by one over identities). */
function shuffledFeatures(batch: RecipeBatch): (Float32Array | null)[] {
  const n = batch.batchSize;
  const d = batch.featDim;
  const key = (b: number): string => `${batch.rows[b]?.source}:${batch.rows[b]?.row}`;
  return [...Array(n).keys()].map((b) => {
    for (let k = 1; k < n; k++) {
      const j = (b + k) % n;
      if (key(j) !== key(b) && (batch.rows[j]?.members ?? 0) > 0) return batch.feat.slice(j * d, (j + 1) * d);
    }
    return null;
  });
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const models = a.model ?? [];
  if (models.length === 0) throw new Error('recipe-validation: give at least one --model <dir>');
  const dataRoot = a.data?.[0] ?? 'out/identity-data';
  const faces = Number(a.faces?.[0] ?? 24);
  const samplers = (a.samplers?.[0] ?? 'heun:1,heun:4,heun:10').split(',');
  const engine = (a.engine?.[0] ?? 'onnx') as SrEngineName;
  const wanted = (a.conditions?.[0] ?? 'true,shuffled,null').split(',');
  // Per model, its own sampler list: --samplers applies to every model unless --samplers-<n> (1-based) names one.
  await initBackend('auto');
  const { caches: dirs, batches } = await recipeValidationBatches(dataRoot, faces);
  const rows: Row[] = [];
  const modelsInfo: { dir: string; id: string; sha256: string; steps: number | null }[] = [];
  for (const [degradation, batch] of Object.entries(batches)) {
    const px = batch.size * batch.size * 3;
    const bic = [...Array(batch.batchSize).keys()].map((b) => batch.y.slice(b * px, (b + 1) * px));
    rows.push({ model: '-', degradation, method: 'bicubic', sampler: '-', nfe: 0, ...scores(batch, bic), faces: batch.batchSize });
  }
  for (const [mi, m] of models.entries()) {
    const modelSamplers = (a[`samplers-${mi + 1}`]?.[0] ?? samplers.join(',')).split(',');
    const model = await loadSrModel({ model: m, engine });
    modelsInfo.push({ dir: m, id: model.id, sha256: model.sha256, steps: model.card?.steps ?? null });
    try {
      for (const [degradation, batch] of Object.entries(batches)) {
        const px = batch.size * batch.size * 3;
        const d = batch.featDim;
        const conds: Record<string, (Float32Array | null)[]> = {
          'true F_M': [...Array(batch.batchSize).keys()].map((b) => batch.feat.slice(b * d, (b + 1) * d)),
          'shuffled F_M': shuffledFeatures(batch),
          'null F_M': [...Array(batch.batchSize).keys()].map(() => new Float32Array(d)),
        };
        for (const spec of modelSamplers) {
          const [name, steps] = spec.split(':');
          for (const [method, feats] of Object.entries(conds).filter(([k]) => wanted.includes(k.split(' ')[0] ?? ''))) {
            const t0 = Date.now();
            const out = await enhanceFaces(
              feats.map((f, b) => ({ lrImageHWC: batch.y.slice(b * px, (b + 1) * px), size: batch.size, featureVector: f, seed: b })),
              { model, ...(name === 'default' ? {} : { sampler: name }), ...(steps === undefined ? {} : { steps: Number(steps) }), batchSize: 8 },
            );
            const r: Row = { model: path.basename(m), degradation, method, sampler: name === 'default' ? `default: ${out[0]?.sampler ?? ''}` : spec, nfe: out[0]?.networkEvaluations ?? 0, ...scores(batch, out.map((o) => o.imageHWC)), faces: batch.batchSize };
            rows.push(r);
            console.error(`${r.model} ${degradation} ${method} ${spec}: ${r.psnrDb.toFixed(2)} dB, SSIM ${r.ssim.toFixed(3)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
          }
        }
      }
    } finally {
      await model.dispose();
    }
  }
  const lines = ['| model | LR_0 | method | sampler | NFE | PSNR dB | SSIM |', '|---|---|---|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.model} | ${r.degradation} | ${r.method} | ${r.sampler} | ${r.nfe} | ${r.psnrDb.toFixed(2)} | ${r.ssim.toFixed(3)} |`);
  console.log(lines.join('\n'));
  console.log(`\n${faces} validation faces per LR_0 setting from ${dirs.join(', ')} (validation identities only).`);
  if (a.json?.[0] !== undefined) fs.writeFileSync(a.json[0], `${JSON.stringify({ faces, data: dirs, models: modelsInfo, rows }, null, 1)}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
