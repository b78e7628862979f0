import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../contracts';
import { EVAL_ALIGN_MODES, EVAL_METHODS, formatResultsTable, runEval, writeEvalOutputs } from '../eval';
import type { EvalProgress } from '../eval';
import { EMBEDDER_NAMES } from '../fuse';
import { BACKEND_CHOICES, initBackend } from '../runtime';
import { DEFAULT_RESIDUAL_SR_SAMPLER, DEFAULT_SR_SAMPLER, SAMPLER_NAMES } from '../sr';
import { ENGINE_OPTION_HELP, resolveEngineOption } from './engine-option';
import type { CliIo } from './cli-io';

interface EvalCliOptions {
  readonly dataset?: string;
  readonly methods: string;
  readonly embedder: string;
  readonly recognition?: string;
  readonly model?: string;
  readonly config?: string;
  readonly engine: string;
  readonly sampler?: string;
  readonly steps?: string;
  readonly seed: string;
  readonly batchSize: string;
  readonly limit?: string;
  readonly maxFeatures?: string;
  readonly align: string;
  readonly quadScale: string;
  readonly detectPad: string;
  readonly lrScale: string;
  readonly size: string;
  readonly grid: string;
  readonly bootstrap: string;
  readonly backend: string;
  readonly out?: string;
}

function integer(option: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InputError(`--${option}: expected an integer in [${min}, ${max}], received ${JSON.stringify(text)}`, { option });
  }
  return v;
}

function number(option: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new InputError(`--${option}: expected a number, received ${JSON.stringify(text)}`, { option });
  return v;
}

function list<T extends string>(option: string, text: string, valid: readonly T[], what: string): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InputError(`--${option}: expected a comma-separated list of ${valid.join(', ')}, received ${JSON.stringify(text)}`, { option });
  for (const m of items) {
    if (!(valid as readonly string[]).includes(m)) throw new InputError(`--${option}: unknown ${what} ${JSON.stringify(m)}; valid: ${valid.join(', ')}`, { option });
  }
  if (new Set(items).size !== items.length) throw new InputError(`--${option}: ${what} listed twice in ${JSON.stringify(text)}`, { option });
  return items as T[];
}

/** Progress lines: every stage change and at most one line per 5 s (plus each stage's last). */
function progressPrinter(io: CliIo): (p: EvalProgress) => void {
  let lastKey = '';
  let lastAt = 0;
  return (p) => {
    const key = `${p.stage}:${p.detail.split(':')[0] ?? ''}`;
    const now = performance.now();
    if (key !== lastKey || now - lastAt > 5000 || p.done === p.total) {
      lastKey = key;
      lastAt = now;
      io.out(`  ${p.stage} ${p.done}/${p.total} ${p.detail}\n`);
    }
  };
}

/** The command as given (explicit options only), for results.md. */
function commandLine(cmd: Command): string {
  const parts = ['fasr eval'];
  for (const o of cmd.options) {
    const key = o.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli') continue;
    const v: unknown = cmd.getOptionValue(key);
    parts.push(o.long ?? '', ...(typeof v === 'string' ? [/^[\w./,:=+-]+$/.test(v) ? v : JSON.stringify(v)] : []));
  }
  return parts.join(' ');
}

/**
 * `fasr eval`: the paper's verification and identification protocol on a dataset (src/eval).
 * Validates the options, runs {@link runEval} with progress lines, writes results.md, results.json,
 * roc.png and samples.png to --out, and prints the table.
 */
export function registerEvalCommand(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description("evaluate recognisability like the paper's Table I: verification AUC, Rank-1/5/10 and PSNR/SSIM of bicubic, ESRGAN, SR without F_M, with another identity's F_M and with F_M, and HR probes; paired bootstrap intervals of the differences")
    .option('--dataset <dir|labels.csv>', 'a folder of identity folders, a fasr-samples folder (gallery/, probe_HR/, LR_imgs/), or a labels.csv of file,identity rows')
    .option('--methods <list>', `comma-separated methods: ${EVAL_METHODS.join(', ')}`, EVAL_METHODS.join(','))
    .option('--embedder <name>', `embedder of F_M (the model's conditioning): ${EMBEDDER_NAMES.join(' | ')}`, 'faceres')
    .option('--recognition <list>', 'recognition embedders, the first the headline (default: one that did not condition the model, then --embedder)')
    .option('--model <file>', "SR model (fasr model or the authors' .pth); default the bundled one; needed by sr-nofeat, fasr-shuffled and fasr")
    .option('--config <preset|file.json>', 'config of a .pth checkpoint: paper | tiny | a JSON file')
    .option('--engine <name>', ENGINE_OPTION_HELP, 'auto')
    .option('--sampler <name>', `sampler: ${SAMPLER_NAMES.join(' | ')} (default, with neither --sampler nor --steps: the model's measured default, ${JSON.stringify(DEFAULT_SR_SAMPLER)} for paper-recipe models (docs/samplers.md), ${JSON.stringify(DEFAULT_RESIDUAL_SR_SAMPLER)} for residual-EDM ones)`)
    .option('--steps <n>', "sampler steps (default the sampler's; --steps alone means pc)")
    .option('--seed <n>', "base seed; probe i uses seed + i for every SR method; also fixes fasr-shuffled's derangement and the bootstrap", '0')
    .option('--bootstrap <n>', 'paired bootstrap resamples for the 95 % intervals of the AUC and Rank-1 differences', '2000')
    .option('--batch-size <n>', 'faces per SR network call', '4')
    .option('--limit <n>', 'evaluate the first N identities only')
    .option('--max-features <n>', 'most feature images per identity for F_M (default all)')
    .option('--align <mode>', `auto | ${EVAL_ALIGN_MODES.join(' | ')}: detect = detector + canonical alignment; none = images are face crops; auto = none for fasr-samples, detect otherwise`, 'auto')
    .option('--quad-scale <s>', 'FFHQ quad scale of the alignment (1 = canonical)', '1')
    .option('--detect-pad <f>', 'grey border around each image for detection, fraction of its longer side (finds tightly cropped faces)', '0.25')
    .option('--lr-scale <n>', "down-scaling factor of the authors' degradation", '8')
    .option('--size <px>', 'face size without an SR method (with one: the model size)', '128')
    .option('--grid <n>', 'identities in samples.png', '8')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--out <dir>', 'output folder: results.md, results.json, roc.png, samples.png')
    .action(async (opts: EvalCliOptions, cmd: Command) => {
      if (opts.dataset === undefined) throw new InputError('--dataset: required (a folder of identity folders, a fasr-samples folder or a labels.csv)', { option: 'dataset' });
      if (opts.out === undefined) throw new InputError('--out: required (the folder for results.md, results.json, roc.png, samples.png)', { option: 'out' });
      const methods = list('methods', opts.methods, EVAL_METHODS, 'method');
      if (!(EMBEDDER_NAMES as readonly string[]).includes(opts.embedder)) {
        throw new InputError(`--embedder: unknown embedder ${JSON.stringify(opts.embedder)}; valid: ${EMBEDDER_NAMES.join(', ')}`, { option: 'embedder' });
      }
      const recognition = opts.recognition === undefined ? undefined : list('recognition', opts.recognition, EMBEDDER_NAMES, 'embedder');
      const { engine } = resolveEngineOption('engine', opts.engine);
      if (opts.sampler !== undefined && !(SAMPLER_NAMES as readonly string[]).includes(opts.sampler)) {
        throw new InputError(`--sampler: unknown sampler ${JSON.stringify(opts.sampler)}; valid: ${SAMPLER_NAMES.join(', ')}`, { option: 'sampler' });
      }
      if (!(['auto', ...EVAL_ALIGN_MODES] as string[]).includes(opts.align)) {
        throw new InputError(`--align: expected one of auto, ${EVAL_ALIGN_MODES.join(', ')}, received ${JSON.stringify(opts.align)}`, { option: 'align' });
      }
      const config = {
        dataset: opts.dataset,
        methods,
        embedder: opts.embedder,
        ...(recognition === undefined ? {} : { recognition }),
        ...(opts.model === undefined ? {} : { model: opts.model }),
        ...(opts.config === undefined ? {} : { modelConfig: opts.config }),
        engine,
        ...(opts.sampler === undefined ? {} : { sampler: opts.sampler }),
        ...(opts.steps === undefined ? {} : { steps: integer('steps', opts.steps, 1, 100000) }),
        seed: integer('seed', opts.seed, 0, Number.MAX_SAFE_INTEGER),
        batchSize: integer('batch-size', opts.batchSize, 1, 64),
        ...(opts.limit === undefined ? {} : { limit: integer('limit', opts.limit, 1, Number.MAX_SAFE_INTEGER) }),
        ...(opts.maxFeatures === undefined ? {} : { maxFeatures: integer('max-features', opts.maxFeatures, 1, Number.MAX_SAFE_INTEGER) }),
        align: opts.align,
        quadScale: number('quad-scale', opts.quadScale),
        detectPadFraction: number('detect-pad', opts.detectPad),
        lrScale: integer('lr-scale', opts.lrScale, 1, 64),
        sizePx: integer('size', opts.size, 16, 1024),
        gridIdentities: integer('grid', opts.grid, 1, 64),
        bootstrapResamples: integer('bootstrap', opts.bootstrap, 100, 100000),
      };
      const backend = await initBackend(opts.backend);
      io.out(`eval: ${path.resolve(opts.dataset)}; methods ${methods.join(', ')}; backend ${backend.name}\n`);
      const { report, samples } = await runEval(config, { onProgress: progressPrinter(io) });
      const command = commandLine(cmd);
      const files = await writeEvalOutputs(opts.out, report, samples, command);
      const c = report.dataset.counts;
      const lost = (st: string): number => report.dataset.losses.filter((l) => l.stage === st).length;
      io.out(`identities: ${c.identitiesKept} evaluated of ${c.identitiesListed}; lost: ${lost('read')} unreadable, ${lost('detect')} without a face (of ${c.imagesListed} images examined), ${lost('identity')} identities with too few faces\n`);
      if (report.model !== null) io.out(`model: ${report.model.id} (sha256 ${report.model.sha256.slice(0, 12)}); sampler ${report.sampler?.label ?? '-'}\n`);
      io.out(`${formatResultsTable(report)}\n`);
      io.out(`wall time: ${(report.wallTimeMs / 1000).toFixed(1)} s\n`);
      io.out(`written: ${files.markdown}, ${files.json}, ${files.roc}, ${files.grid}\n`);
    });
}
