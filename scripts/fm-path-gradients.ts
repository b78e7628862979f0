/**
 * How much training signal reaches F_M's path (issue 16), read from a training checkpoint's Adam
 * state: Adam's second moment v is an EMA of the squared gradient (β2 0.999, ~1,000 steps), so
 * sqrt(mean v) is the RMS gradient a layer has received lately. In every residual block the time
 * embedding enters through `Dense_0` and F_M through `Dense_1`, the same shape and the same place
 * (docs/training.md, "Why F_M does nothing"); `feature_proj` is F_M's first projection. The table
 * compares the two paths block by block, and how far each weight has moved from its init scale.
 *
 * Run: node -r ts-node/register/transpile-only scripts/fm-path-gradients.ts <checkpoint.safetensors> [--markdown out.md]
 */
import * as fs from 'node:fs';
import { parseSafetensors } from '../src/sr/checkpoint/safetensors';

function rms(a: Float32Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s / a.length);
}

function meanSqrt(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x;
  return Math.sqrt(s / v.length);
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined || !fs.existsSync(file)) throw new Error(`usage: fm-path-gradients.ts <training checkpoint .safetensors> (received ${JSON.stringify(file)})`);
  const { tensors } = parseSafetensors(fs.readFileSync(file), file);
  const get = (group: string, name: string): Float32Array => {
    const t = tensors.get(`${group}/${name}`);
    if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`${file}: no float32 tensor "${group}/${name}" (not a training checkpoint of a model with F_M?)`);
    return t.data;
  };
  const blocks = [...tensors.keys()]
    .map((k) => /^param\/(all_modules\.\d+)\.Dense_1\.weight$/.exec(k)?.[1])
    .filter((b): b is string => b !== undefined)
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const lines = [
    `Gradient RMS (sqrt of Adam's mean v) and weight RMS of the time path (Dense_0) and the F_M path (Dense_1) in each residual block; ${file.split('/').pop() ?? file}.`,
    '',
    '| block | time path grad RMS | F_M path grad RMS | ratio time / F_M | time weight RMS | F_M weight RMS |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const ratios: number[] = [];
  for (const b of blocks) {
    const gt = meanSqrt(get('adam_v', `${b}.Dense_0.weight`));
    const gf = meanSqrt(get('adam_v', `${b}.Dense_1.weight`));
    ratios.push(gt / gf);
    lines.push(`| ${b} | ${gt.toExponential(2)} | ${gf.toExponential(2)} | ${(gt / gf).toFixed(1)} | ${rms(get('param', `${b}.Dense_0.weight`)).toFixed(4)} | ${rms(get('param', `${b}.Dense_1.weight`)).toFixed(4)} |`);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  lines.push('', `Median ratio over ${blocks.length} blocks: ${median.toFixed(1)}.`);
  if (tensors.has('param/feature_proj.weight')) {
    lines.push(`feature_proj: grad RMS ${meanSqrt(get('adam_v', 'feature_proj.weight')).toExponential(2)}, weight RMS ${rms(get('param', 'feature_proj.weight')).toFixed(4)}.`);
  }
  const md = lines.join('\n');
  console.log(md);
  const i = process.argv.indexOf('--markdown');
  const out = i >= 0 ? process.argv[i + 1] : undefined;
  if (out !== undefined) fs.writeFileSync(out, `${md}\n`);
}

main();
