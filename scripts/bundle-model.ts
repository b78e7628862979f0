/**
 * Bundles a trained model as the default (issues 10 and 16): copies the EMA model a training run
 * wrote (`<run>/model.{json,safetensors}`) into `models/<card name>/`, with the card's free-text
 * fields (limitations, notes) replaced by what the caller measured, and checks it: loads strictly
 * (through loadSrModel, so a residual-EDM sidecar's formulation is validated with the network), the
 * sha256 is unchanged, the formulation is kept, at most 25 MB, and it is then the one model under
 * models/. One bundled model only: with `--replace` the other model folders under models/ are
 * removed (printed; commit the removal with `git add -A models`), without it their presence is an
 * error. The card's metrics come afterwards from scripts/model-card-metrics.ts --write-card.
 *
 * Run: node -r ts-node/register/transpile-only scripts/bundle-model.ts --from <run dir>
 *        --limitations "<text>" [--dataset "<what the data was, replacing card.data.datasets>"] [--replace] [--to models]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModelFile, saveModelFile } from '../src/sr/checkpoint';
import type { JsonObject } from '../src/sr/checkpoint';
import { initBackend } from '../src/runtime/backend';
import { listBundledModels, loadSrModel } from '../src/sr/enhance';

const MAX_BYTES = 25 * 1024 * 1024;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const from = arg('from');
  const limitations = arg('limitations');
  if (from === undefined || limitations === undefined) throw new Error('usage: bundle-model.ts --from <training output dir> --limitations "<text>" [--dataset "<text>"] [--replace] [--to models]');
  const replace = process.argv.includes('--replace');
  const to = path.resolve(arg('to') ?? path.join(__dirname, '../models'));
  const trained = await loadModelFile(path.join(from, 'model.json'));
  const dir = path.join(to, trained.card.name);
  const others = listBundledModels(to).map((f) => path.dirname(f)).filter((d) => d !== dir);
  if (others.length > 0 && !replace) throw new Error(`${to} already bundles ${others.map((d) => path.basename(d)).join(', ')}: one bundled model only (loadSrModel picks the single one); --replace removes it`);
  const dataset = arg('dataset');
  const card = { ...trained.card, limitations, ...(dataset === undefined ? {} : { data: { ...trained.card.data, datasets: [dataset] } }) };
  const saved = await saveModelFile(dir, trained.stateDict, trained.config as JsonObject, card, { overwrite: true, ...(trained.formulation === null ? {} : { formulation: trained.formulation }) });
  if (saved.sha256 !== trained.sha256) throw new Error(`bundling changed the weights' sha256 (${trained.sha256} -> ${saved.sha256})`);
  const bytes = fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  if (bytes > MAX_BYTES) throw new Error(`${dir} is ${bytes} bytes, over the 25 MB limit`);
  // checked (strictly, formulation against config) before the old model goes
  await initBackend('auto');
  const check = await loadSrModel({ model: dir });
  const formulation = check.formulation.kind;
  await check.dispose();
  const wanted = typeof trained.formulation?.kind === 'string' ? trained.formulation.kind : 'vesde-score';
  if (formulation !== wanted) throw new Error(`bundling changed the formulation (${wanted} -> ${formulation})`);
  for (const old of others) {
    fs.rmSync(old, { recursive: true });
    console.log(`removed the previously bundled ${path.basename(old)} (${old})`);
  }
  const bundled = listBundledModels(to);
  if (bundled.length !== 1 || path.dirname(bundled[0] as string) !== dir) throw new Error(`${to} does not hold exactly the one model ${trained.card.name}: ${bundled.join(', ')}`);
  console.log(`bundled ${trained.card.name} (${formulation}): ${trained.card.steps} steps, ${bytes} bytes, sha256 ${saved.sha256} -> ${dir}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
