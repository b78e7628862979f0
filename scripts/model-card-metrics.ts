/**
 * The model card's figures (issue 10): on held-out faces, PSNR and SSIM to HR and identity cosine
 * to HR with an embedder that did not condition the model (dlib-resnet), for bicubic, the model
 * with the true F_M, with a shuffled F_M (another person's) and with a zero F_M
 * (src/eval runConditioningAblation). The face sets follow the model's formulation:
 * - paper-recipe models: `val`: held-out images, oracle F_M: the validation split of the prepared
 *   training set (`--data` = a prepareTrainingData dir; F_M = the HR face's own descriptor, as in
 *   training, which a deployment never has);
 * - residual-EDM models (issue 16): `val` and `val-x8`: faces of the identity data's *validation
 *   identities* (`--data` = an identity-data root, e.g. out/id-celeba; never trained on), F_M fused
 *   from degraded copies of *other* photos of the same person, as inference sees it
 *   (loadIdentityValidationSrFaces), LR_0 CCTV-like (`val`) or the authors' ×8 (`val-x8`); the
 *   shuffled F_M is always another person's;
 * - every model: `samples`: the FASR authors' fasr-samples probes (LR_0 = the authors' degradation of probe_HR,
 *   F_M = mean faceres of the identity's LR_imgs without the probe's own image, HR = probe_HR;
 *   CelebA-framed, tighter than our FFHQ framing; docs/eval.md's one LR rule).
 *
 * Run: node -r ts-node/register/transpile-only scripts/model-card-metrics.ts --model <dir|model.json>
 *        --data <prepared dir | identity-data root> [--faces 64 (paper) | 32 (residual)] [--sampler <name> --steps N (default: the library's)] [--guidance w (classifier-free guidance, residual models)] [--seed 0]
 *        [--engine onnx|tfjs (default: the fastest installed)] [--out metrics.json] [--markdown tables.md] [--write-card]
 * `--write-card` puts the means into the model's card (`card.metrics`, keys `<set>.<condition>.<metric>`)
 * and the protocol into `card.notes`; the weights and their sha256 do not change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFasrSampleSrFaces, loadIdentityValidationSrFaces, loadValidationSrFaces, runConditioningAblation } from '../src/eval';
import type { AblationConditionResult, HeldOutSrFaceSet } from '../src/eval';
import { createFaceEmbedder } from '../src/fuse';
import { initBackend } from '../src/runtime/backend';
import { loadModelFile, saveModelFile } from '../src/sr/checkpoint';
import type { JsonObject } from '../src/sr/checkpoint';
import { loadSrModel, parseSrSamplingConfig } from '../src/sr/enhance';
import { defaultSrEngine, parseSrEngineName } from '../src/sr/engines';

const SAMPLES = path.resolve(__dirname, '../../shared/data/faces/fasr-samples');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function table(results: readonly AblationConditionResult[]): string {
  const label = { bicubic: 'bicubic (LR input)', fm: 'model, true F_M', shuffled: "model, shuffled F_M (another person's)", zero: 'model, zero F_M' } as const;
  const lines = ['| condition | PSNR dB | SSIM | identity cosine (dlib-resnet) |', '|---|---:|---:|---:|'];
  for (const r of results) lines.push(`| ${label[r.condition]} | ${r.psnrDb.toFixed(2)} | ${r.ssim.toFixed(4)} | ${r.identityCosine.toFixed(4)} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const modelArg = arg('model');
  const dataDir = arg('data');
  if (modelArg === undefined || dataDir === undefined) throw new Error('usage: model-card-metrics.ts --model <dir|model.json> --data <prepared dir> [--faces 64] [--sampler heun --steps 18] [--seed 0] [--engine tfjs|onnx] [--out file.json] [--write-card]');
  const seed = Number(arg('seed') ?? 0);
  // no --sampler/--steps: the library's default (DEFAULT_SR_SAMPLER), as fasr sr uses it
  const sampling = { ...(arg('sampler') === undefined ? {} : { sampler: arg('sampler') }), ...(arg('steps') === undefined ? {} : { steps: Number(arg('steps')) }), ...(arg('guidance') === undefined ? {} : { guidance: Number(arg('guidance')) }), batchSize: 8 };
  const info = await initBackend('auto');
  const model = await loadSrModel({ model: modelArg, engine: arg('engine') === undefined ? defaultSrEngine().engine : parseSrEngineName(arg('engine')) });
  const { imageSize: sizePx, featDim } = model.config;
  const residual = model.formulation.kind === 'residual-edm';
  const count = Number(arg('faces') ?? (residual ? 32 : 64));
  if (!Number.isInteger(count) || count < 2) throw new Error(`--faces: expected a whole number >= 2, received ${arg('faces')}`);
  const idEmbedder = await createFaceEmbedder('dlib-resnet');
  const condEmbedder = await createFaceEmbedder('faceres');
  // A residual model is judged as it is used: F_M from other photos of the person, never the HR face's own.
  const sets: [string, HeldOutSrFaceSet][] = residual
    ? [
        ['val', await loadIdentityValidationSrFaces(dataDir, { sizePx, featDim, count, degradation: 'cctv' })],
        ['val-x8', await loadIdentityValidationSrFaces(dataDir, { sizePx, featDim, count, degradation: 'authors-x8' })],
        ['samples', await loadFasrSampleSrFaces(SAMPLES, { sizePx, featDim, embedder: condEmbedder })],
      ]
    : [
        ['val', loadValidationSrFaces(dataDir, { sizePx, featDim, count })],
        ['samples', await loadFasrSampleSrFaces(SAMPLES, { sizePx, featDim, embedder: condEmbedder })],
      ];
  await condEmbedder.close();
  const started = new Date().toISOString();
  const out: Record<string, { source: string; conditioning: string; faces: number; results: AblationConditionResult[] }> = {};
  for (const [key, set] of sets) {
    const t0 = performance.now();
    const results = await runConditioningAblation(set.faces, {
      model,
      sampling,
      identityEmbedder: idEmbedder,
      seed,
      onProgress: (p) => process.stderr.write(p.steps === 0 ? `\r${key} ${p.condition}...   ` : `\r${key} ${p.condition}: faces ${p.facesDone}/${p.facesTotal} step ${p.step + 1}/${p.steps}   `),
    });
    process.stderr.write(`\r${key}: ${set.faces.length} faces in ${((performance.now() - t0) / 1000).toFixed(0)} s${' '.repeat(30)}\n`);
    out[key] = { source: set.source, conditioning: set.conditioning, faces: set.faces.length, results };
    console.log(`\n${key}: ${set.source}\nF_M: ${set.conditioning}\n\n${table(results)}\n`);
  }
  const sha = model.sha256;
  const id = model.id;
  // the label of what ran: without --sampler, the default of the model's formulation
  const samplerLabel = parseSrSamplingConfig(sampling, 'model-card-metrics', model.formulation).label;
  const formulation = model.formulation;
  console.log(`model ${id} (sha256 ${sha.slice(0, 12)}), engine ${model.engine} on ${model.backend} (tfjs ${info.name}), sampler ${samplerLabel}, seeds ${seed}+i`);
  await model.dispose();
  await idEmbedder.close();
  const report = { format: 'fasr-model-card-metrics', version: 1, started, model: id, sha256: sha, formulation: formulation.kind, sampler: sampling, samplerLabel, seed, identityEmbedder: 'dlib-resnet', sets: out };
  const heading: Record<string, string> = {
    val: residual
      ? 'Validation identities, CCTV-like LR_0, F_M from other photos of the person (never trained on; as inference sees it)'
      : "Validation split: held-out images, oracle F_M (the HR face's own descriptor, as in training; a deployed F_M comes from other, degraded images)",
    'val-x8': "Validation identities, the authors' ×8 LR_0 (16 px), F_M from other photos of the person (never trained on)",
    samples: "fasr-samples (the FASR authors' 10 CelebA probes)",
  };
  const mdFile = arg('markdown');
  if (mdFile !== undefined) {
    const sections = Object.entries(out).map(
      ([key, set]) => `### ${heading[key] ?? key}\n\n${set.faces} faces: ${set.source}.\nF_M: ${set.conditioning}.\n\n${table(set.results)}\n`,
    );
    const head =
      `Measured ${started} by \`scripts/model-card-metrics.ts\` on model ${id} (weights sha256 ${sha}), engine ${model.engine} on ${model.backend}, ` +
      `sampler ${samplerLabel}, face i with seed ${seed} + i under every condition; identity cosine = cosine of dlib-resnet embeddings (not the conditioning embedder) of the output and the HR face.\n`;
    fs.writeFileSync(mdFile, `${head}\n${sections.join('\n')}`);
    console.log(`written ${mdFile}`);
  }
  const outFile = arg('out');
  if (outFile !== undefined) {
    fs.writeFileSync(outFile, `${JSON.stringify(report, null, 1)}\n`);
    console.log(`written ${outFile}`);
  }
  if (process.argv.includes('--write-card')) {
    const loaded = await loadModelFile(modelArg);
    const metrics: Record<string, number> = {};
    for (const [key, set] of Object.entries(out)) {
      for (const r of set.results) {
        metrics[`${key}.${r.condition}.psnrDb`] = Number(r.psnrDb.toFixed(4));
        metrics[`${key}.${r.condition}.ssim`] = Number(r.ssim.toFixed(5));
        metrics[`${key}.${r.condition}.identityCosine`] = Number(r.identityCosine.toFixed(5));
      }
      metrics[`${key}.faces`] = set.faces;
    }
    const described = Object.entries(out)
      .map(([key, set]) => `${key} = ${key === 'val' && !residual ? 'held-out images, oracle F_M: ' : ''}${set.source}; F_M ${set.conditioning}.`)
      .join(' ');
    const notes =
      `Metrics (scripts/model-card-metrics.ts, ${started}): sampler ${samplerLabel}, seed ${seed}+i per face, identity cosine with dlib-resnet (did not condition the model). ` +
      `${described} ` +
      `Conditions: bicubic = the LR input; fm = ${residual ? 'the F_M fused from other photos' : 'own F_M'}; shuffled = the next face's F_M (another person's); zero = all-zero F_M${residual ? ' (the learned null)' : ''}.`;
    // the formulation travels with the weights: a residual model rewritten without it would load as a paper-recipe one
    const saved = await saveModelFile(path.dirname(loaded.weightsPath), loaded.stateDict, loaded.config as JsonObject, { ...loaded.card, metrics, notes }, {
      overwrite: true,
      ...(loaded.formulation === null ? {} : { formulation: loaded.formulation }),
    });
    if (saved.sha256 !== loaded.sha256) throw new Error(`rewriting the card changed the weights' sha256 (${loaded.sha256} -> ${saved.sha256})`);
    console.log(`card metrics written to ${saved.sidecarPath}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
