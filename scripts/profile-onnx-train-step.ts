/**
 * Where the onnx training step spends its time: builds the training graph of the bundled
 * network at the given size, runs it with onnxruntime's profiler, and prints the kernel time per
 * op type and the slowest nodes (ms per step, averaged over the timed runs after one warm-up).
 * Used for the choices in docs/onnx-training.md. Prints the load average: the machine is shared.
 *
 * Run: node -r ts-node/register/transpile-only scripts/profile-onnx-train-step.ts [--px 64]
 *      [--batch 4] [--nf 16] [--threads 2] [--spinning] [--runs 3]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { exportNcsnppTrainOnnx } from '../src/sr/engines';
import { parseNcsnppConfig } from '../src/sr/model-config';
import { TRAIN_PRESETS } from '../src/sr/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

interface ProfileEvent {
  readonly cat: string;
  readonly name: string;
  readonly dur: number;
  readonly args: { readonly op_name?: string };
}

async function main(): Promise<void> {
  const px = Number(arg('px', '64'));
  const batch = Number(arg('batch', '4'));
  const nf = Number(arg('nf', '16'));
  const threads = Number(arg('threads', '2'));
  const runs = Number(arg('runs', '3'));
  const spinning = process.argv.includes('--spinning');
  const bundled = parseNcsnppConfig(TRAIN_PRESETS.bundled.train.model);
  const config = parseNcsnppConfig({ ...bundled, nf, imageSize: px, attnResolutions: bundled.attnResolutions.map((r) => (r * px) / bundled.imageSize) });
  const graph = exportNcsnppTrainOnnx(config, batch);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-ort-profile-'));
  const session = await ort.InferenceSession.create(graph.bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: path.join(dir, 'profile'),
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  });
  let seed = 1;
  const random = (n: number, scale: number): Float32Array =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * scale;
    });
  const feeds: Record<string, ort.Tensor> = {};
  const img = [batch, px, px, 3];
  const dataInputs: Record<string, number[]> = { xNHWC: img, yNHWC: img, sigmas: [batch], feat: [batch, config.featDim], lossA: [batch], lossC: [batch], lossW: [batch], lossSkipNHWC: img, lossTargetNHWC: img };
  for (const [name, dims] of Object.entries(dataInputs)) feeds[name] = new ort.Tensor('float32', random(dims.reduce((a, b) => a * b, 1), 1).map((v) => (name === 'sigmas' ? 1 : v + 0.5)), dims);
  for (const p of graph.params) feeds[p.name] = new ort.Tensor('float32', random(p.shape.reduce((a, b) => a * b, 1), 0.1), [...p.shape]);
  const outputs = [graph.lossOutput, ...graph.gradOutputs.values()];
  const wall: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    await session.run(feeds, outputs);
    if (i > 0) wall.push(performance.now() - t0);
  }
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
  fs.rmSync(dir, { recursive: true, force: true });
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  // Each node's first occurrence is the warm-up run: drop it, average the rest.
  const seen = new Set<string>();
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  let total = 0;
  for (const e of kernels) {
    if (!seen.has(e.name)) {
      seen.add(e.name);
      continue;
    }
    const ms = e.dur / runs / 1000;
    const op = e.args.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + ms);
    byNode.set(e.name, (byNode.get(e.name) ?? 0) + ms);
    total += ms;
  }
  console.log(`nf ${nf}, ${px} px, batch ${batch}, ${threads} thread(s), spinning ${spinning}; ${graph.params.length} parameter inputs; forward ${(graph.forwardMacs / 1e9).toFixed(2)} GMAC`);
  console.log(`wall ms per step: ${wall.map((w) => w.toFixed(0)).join(' ')}; kernel ms per step ${total.toFixed(0)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| op | kernel ms per step |\n|---|---:|');
  for (const [op, ms] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`| ${op} | ${ms.toFixed(1)} |`);
  console.log('| slowest nodes | ms |\n|---|---:|');
  for (const [node, ms] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`| ${node.replace(/_kernel_time$/, '')} | ${ms.toFixed(1)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
