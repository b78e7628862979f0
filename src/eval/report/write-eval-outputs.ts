import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../contracts';
import type { EvalReport, EvalSamples } from '../run-eval';
import { formatResultsMarkdown } from './format-results-table';
import { plotRocPng } from './plot-roc';
import { sampleGridPng } from './sample-grid';

/** The files `fasr eval` writes into its output folder. */
export const EVAL_OUTPUT_FILES = Object.freeze({ markdown: 'results.md', json: 'results.json', roc: 'roc.png', grid: 'samples.png' });

/**
 * Writes results.md (Table I layout), results.json (every number, config, provenance), roc.png
 * and samples.png into `outDir` (created if needed; existing files of these names replaced).
 * @throws InputError when the folder cannot be created or written.
 */
export async function writeEvalOutputs(outDir: string, report: EvalReport, samples: EvalSamples, command: string | null): Promise<Record<keyof typeof EVAL_OUTPUT_FILES, string>> {
  const dir = path.resolve(outDir);
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new InputError(`--out: cannot create ${dir}: ${(err as Error).message}`, { path: dir, option: 'out' });
  }
  const files = {
    markdown: path.join(dir, EVAL_OUTPUT_FILES.markdown),
    json: path.join(dir, EVAL_OUTPUT_FILES.json),
    roc: path.join(dir, EVAL_OUTPUT_FILES.roc),
    grid: path.join(dir, EVAL_OUTPUT_FILES.grid),
  };
  // JSON has no Infinity: the ROC start threshold is written as null.
  const json = JSON.stringify({ ...report, command }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
  await fs.writeFile(files.json, json);
  await fs.writeFile(files.markdown, formatResultsMarkdown(report, command));
  await fs.writeFile(files.roc, await plotRocPng(report));
  await fs.writeFile(files.grid, await sampleGridPng(samples, report.config.methods));
  return files;
}
