/**
 * Bundles a trained model as the default (issue 10): copies the EMA model a training run wrote
 * (`<run>/model.{json,safetensors}`) into `models/<card name>/`, with the card's free-text fields
 * (limitations, notes) replaced by what the caller measured, and checks it: loads strictly, the
 * sha256 is unchanged, at most 25 MB. The card's metrics come afterwards from
 * scripts/model-card-metrics.ts --write-card.
 *
 * Run: node -r ts-node/register/transpile-only scripts/bundle-model.ts --from out/train-bundled
 *        --limitations "<text>" [--dataset "<what the data was, replacing card.data.datasets>"] [--to models]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModelFile, saveModelFile } from '../src/sr/checkpoint';
import type { JsonObject } from '../src/sr/checkpoint';

const MAX_BYTES = 25 * 1024 * 1024;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const from = arg('from');
  const limitations = arg('limitations');
  if (from === undefined || limitations === undefined) throw new Error('usage: bundle-model.ts --from <training output dir> --limitations "<text>" [--to models]');
  const to = path.resolve(arg('to') ?? path.join(__dirname, '../models'));
  const trained = await loadModelFile(path.join(from, 'model.json'));
  const dir = path.join(to, trained.card.name);
  const others = fs.existsSync(to) ? fs.readdirSync(to).filter((d) => d !== trained.card.name && fs.existsSync(path.join(to, d, 'model.json'))) : [];
  if (others.length > 0) throw new Error(`${to} already bundles ${others.join(', ')}: one bundled model only (loadSrModel picks the single one)`);
  const dataset = arg('dataset');
  const card = { ...trained.card, limitations, ...(dataset === undefined ? {} : { data: { ...trained.card.data, datasets: [dataset] } }) };
  const saved = await saveModelFile(dir, trained.stateDict, trained.config as JsonObject, card, { overwrite: true, ...(trained.formulation === null ? {} : { formulation: trained.formulation }) });
  if (saved.sha256 !== trained.sha256) throw new Error(`bundling changed the weights' sha256 (${trained.sha256} -> ${saved.sha256})`);
  const bytes = fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  if (bytes > MAX_BYTES) throw new Error(`${dir} is ${bytes} bytes, over the 25 MB limit`);
  const check = await loadModelFile(dir);
  console.log(`bundled ${check.card.name}: ${check.card.steps} steps, ${bytes} bytes, sha256 ${check.sha256} -> ${dir}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
