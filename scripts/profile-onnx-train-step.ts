/**
 * Where the onnx training step spends its time: builds the training graph of a preset's network
 * (default `residual`, the long training run's) at the given size, runs it with onnxruntime's profiler, and prints the kernel time per
 * op type, split into the forward and the backward pass (reverse mode's `grad/` nodes), with the
 * number of kernels, the gap between the wall time and the summed kernel time (dispatch and the profiler's own cost),
 * and the slowest nodes (ms per step, averaged over the timed runs after two warm-ups).
 * Used for the choices in docs/onnx-training.md. Prints the load average: the machine is shared.
 *
 * Run: node -r ts-node/register/transpile-only scripts/profile-onnx-train-step.ts [--px 64]
 *      [--batch 4] [--nf 16] [--preset residual] [--threads 2] [--spinning] [--runs 3] [--variant dw=..,silu=..,gn=..]
 *
 * A/B mode, `--ab "A|B"`: builds one session per variant and times them alternately (A B A B ..,
 * `--runs` rounds after two warm-ups each, no profiler), printing each variant's median s/step and
 * the ratio, so both see the same machine load. A variant is `key=value` pairs joined by `,`:
 * (the empty variant is the trainer's defaults, createOnnxTrainStep's: exportNcsnppTrainOnnx's with
 * the detected NCHWc block size; `--variant` picks one for the profile)
 * `dw=im2col-concat|shifted-gemms|batched-im2col|batched-shifts` (the conv weight-gradient form), `silu=ops|closed-form`
 * (SiLU's backward), `gn=ops|layer-norm` (GroupNorm's normalisation), `nchwc=0|8|16` (3×3 convs in
 * onnxruntime's blocked layout with this block size, see nchwcConvBlock), `opt=all|extended|basic`
 * (graph optimisation level), `mempattern=0|1`, `arena=0|1`, `threads=N` (intra-op threads; default --threads),
 * `spin=0|1` (intra-op spinning; default --spinning), `mode=sequential|parallel` (onnxruntime's
 * execution mode; parallel runs independent nodes on --threads inter-op threads), `reorders=skip` (timing only, WRONG values: drops
 * every NCHWc ReorderInput/ReorderOutput, the blocked convs reading and writing NCHW buffers as if
 * blocked: what a graph that kept the blocked layout between convs could save at most on the
 * reorders; its loss is not compared). Example:
 *   --ab "dw=im2col-concat|dw=shifted-gemms"
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildNcsnppTrainModel, CONV_WEIGHT_GRADIENTS, detectNchwcBlockSize, NCHWC_DOMAIN } from '../src/sr/engines';
import type { ConvWeightGradient, NcsnppTrainGraphOptions, NcsnppTrainModel } from '../src/sr/engines';
import { encodeOnnxModel } from '../src/sr/engines/onnx/onnx-proto';
import type { OnnxModel, OnnxNode } from '../src/sr/engines/onnx/onnx-proto';
import { parseNcsnppConfig } from '../src/sr/model-config';
import { TRAIN_PRESETS } from '../src/sr/train';
import { median } from '../bench/median';

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

/**
 * Untimed runs before the timed ones: the first run plans the memory pattern, the second
 * allocates and first touches the planned block (measured: 2-3x a steady step at 128 px, batch 8).
 */
const WARMUP_RUNS = 2;

interface Variant {
  readonly label: string;
  readonly graph: NcsnppTrainGraphOptions;
  /** Timing only: the reorders dropped (wrong values). */
  readonly skipReorders: boolean;
  readonly options: ort.InferenceSession.SessionOptions;
}

/** Parses one A/B variant (`key=value,..`, see the header); unknown keys and values are refused. */
function parseVariant(text: string, threads: number, spinning: boolean, nchwcDefault: number): Variant {
  let dw: ConvWeightGradient | undefined;
  let silu: 'ops' | 'closed-form' | undefined;
  let gn: 'ops' | 'layer-norm' | undefined;
  let opt: 'all' | 'extended' | 'basic' = 'all';
  let memPattern = true;
  let arena = true;
  let nchwc = nchwcDefault;
  let skipReorders = false;
  let intraThreads = threads;
  let spin = spinning;
  let parallel = false;
  for (const pair of text.split(',').filter((p) => p !== '')) {
    const [key, value = ''] = pair.split('=');
    if (key === 'dw') {
      if (!(CONV_WEIGHT_GRADIENTS as readonly string[]).includes(value)) throw new Error(`--ab: dw must be one of ${CONV_WEIGHT_GRADIENTS.join(', ')}, received "${value}"`);
      dw = value as ConvWeightGradient;
    } else if (key === 'silu') {
      if (value !== 'ops' && value !== 'closed-form') throw new Error(`--ab: silu must be one of ops, closed-form, received "${value}"`);
      silu = value;
    } else if (key === 'gn') {
      if (value !== 'ops' && value !== 'layer-norm') throw new Error(`--ab: gn must be one of ops, layer-norm, received "${value}"`);
      gn = value;
    } else if (key === 'opt') {
      if (value !== 'all' && value !== 'extended' && value !== 'basic') throw new Error(`--ab: opt must be one of all, extended, basic, received "${value}"`);
      opt = value;
    } else if (key === 'mempattern' || key === 'arena') {
      if (value !== '0' && value !== '1') throw new Error(`--ab: ${key} must be 0 or 1, received "${value}"`);
      if (key === 'mempattern') memPattern = value === '1';
      else arena = value === '1';
    } else if (key === 'nchwc') {
      const block = Number(value);
      if (value !== '0' && value !== '8' && value !== '16') throw new Error(`--ab: nchwc must be 0 (plain Conv), 8 or 16 (the machine's NCHWc block size), received "${value}"`);
      nchwc = block;
    } else if (key === 'threads') {
      if (!/^[1-9]\d*$/.test(value)) throw new Error(`--ab: threads must be a positive integer, received "${value}"`);
      intraThreads = Number(value);
    } else if (key === 'mode') {
      if (value !== 'sequential' && value !== 'parallel') throw new Error(`--ab: mode must be sequential or parallel, received "${value}"`);
      parallel = value === 'parallel';
    } else if (key === 'spin') {
      if (value !== '0' && value !== '1') throw new Error(`--ab: spin must be 0 or 1, received "${value}"`);
      spin = value === '1';
    } else if (key === 'reorders') {
      if (value !== 'skip') throw new Error(`--ab: reorders must be skip (timing only), received "${value}"`);
      skipReorders = true;
    } else throw new Error(`--ab: unknown key "${key}" (expected dw, silu, gn, nchwc, opt, mempattern, arena, threads, mode, spin, reorders)`);
  }
  return {
    label: text === '' ? 'defaults' : text,
    skipReorders,
    graph: { ...(dw === undefined ? {} : { convWeightGradient: dw }), ...(silu === undefined ? {} : { siluGradient: silu }), ...(gn === undefined ? {} : { groupNorm: gn }), nchwcConvBlock: nchwc },
    options: {
      intraOpNumThreads: intraThreads,
      interOpNumThreads: parallel ? threads : 1,
      executionMode: parallel ? 'parallel' : 'sequential',
      graphOptimizationLevel: opt,
      enableMemPattern: memPattern,
      enableCpuMemArena: arena,
      extra: { session: { intra_op: { allow_spinning: spin ? '1' : '0' } } },
    },
  };
}

/**
 * Timing only: the model without its NCHWc ReorderInput/ReorderOutput nodes (each blocked Conv
 * reads the reorder's NCHW input and writes the NCHW output directly). Wrong values.
 */
function withoutReorders(model: OnnxModel): OnnxModel {
  const alias = new Map<string, string>();
  const nodes: OnnxNode[] = [];
  const producer = new Map<string, number>();
  for (const n of model.graph.nodes) {
    const inputs = n.inputs.map((v) => alias.get(v) ?? v);
    if (n.domain === NCHWC_DOMAIN && n.opType === 'ReorderInput') {
      alias.set(n.outputs[0] ?? '', inputs[0] ?? '');
      continue;
    }
    if (n.domain === NCHWC_DOMAIN && n.opType === 'ReorderOutput') {
      // the blocked Conv before it writes this node's output name instead
      const at = producer.get(inputs[0] ?? '');
      const conv = at === undefined ? undefined : nodes[at];
      if (at === undefined || conv === undefined) throw new Error(`withoutReorders: no producer of ${inputs[0] ?? ''}`);
      nodes[at] = { ...conv, outputs: n.outputs };
      continue;
    }
    for (const o of n.outputs) producer.set(o, nodes.length);
    nodes.push({ ...n, inputs });
  }
  return { ...model, graph: { ...model.graph, nodes } };
}

/** The variant's training graph, serialised. */
function buildVariant(config: Parameters<typeof buildNcsnppTrainModel>[0], batch: number, v: Variant): NcsnppTrainModel & { readonly bytes: Uint8Array } {
  const built = buildNcsnppTrainModel(config, batch, v.graph);
  return { ...built, bytes: encodeOnnxModel(v.skipReorders ? withoutReorders(built.model) : built.model) };
}

async function main(): Promise<void> {
  const px = Number(arg('px', '64'));
  const batch = Number(arg('batch', '4'));
  const nf = Number(arg('nf', '16'));
  const threads = Number(arg('threads', '2'));
  const runs = Number(arg('runs', '3'));
  const spinning = process.argv.includes('--spinning');
  const presetName = arg('preset', 'residual');
  if (!Object.keys(TRAIN_PRESETS).includes(presetName)) throw new Error(`--preset must be one of ${Object.keys(TRAIN_PRESETS).join(', ')}, received "${presetName}"`);
  const base = parseNcsnppConfig(TRAIN_PRESETS[presetName as keyof typeof TRAIN_PRESETS].train.model);
  const config = parseNcsnppConfig({ ...base, nf, imageSize: px, attnResolutions: base.attnResolutions.map((r) => (r * px) / base.imageSize) });
  let seed = 1;
  const random = (n: number, scale: number): Float32Array =>
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * scale;
    });
  const feedsFor = (graph: NcsnppTrainModel): Record<string, ort.Tensor> => {
    seed = 1;
    const feeds: Record<string, ort.Tensor> = {};
    const img = [batch, px, px, 3];
    const dataInputs: Record<string, number[]> = { xNHWC: img, yNHWC: img, sigmas: [batch], feat: [batch, config.featDim], lossA: [batch], lossC: [batch], lossW: [batch], lossSkipNHWC: img, lossTargetNHWC: img };
    for (const [name, dims] of Object.entries(dataInputs)) feeds[name] = new ort.Tensor('float32', random(dims.reduce((a, b) => a * b, 1), 1).map((v) => (name === 'sigmas' ? 1 : v + 0.5)), dims);
    for (const p of graph.params) feeds[p.name] = new ort.Tensor('float32', random(p.shape.reduce((a, b) => a * b, 1), 0.1), [...p.shape]);
    return feeds;
  };
  const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

  // The trainer's default (createOnnxTrainStep): this machine's NCHWc block size.
  const nchwcDefault = await detectNchwcBlockSize();
  const ab = arg('ab', '');
  if (ab !== '') {
    const variants = ab.split('|').map((v) => parseVariant(v, threads, spinning, nchwcDefault));
    const sessions = [];
    for (const v of variants) {
      const graph = buildVariant(config, batch, v);
      const session = await ort.InferenceSession.create(graph.bytes, v.options);
      sessions.push({ v, graph, session, feeds: feedsFor(graph), outputs: [graph.lossOutput, ...graph.gradOutputs.values()], wall: [] as number[], cpu: [] as number[] });
    }
    console.log(`A/B: nf ${nf}, ${px} px, batch ${batch}, ${threads} thread(s), spinning ${spinning}; ${runs} alternating rounds; load average at start ${load()}`);
    let loss0: number | undefined;
    for (let i = 0; i < WARMUP_RUNS + runs; i++) {
      for (const s of sessions) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const out = await s.session.run(s.feeds, s.outputs);
        const c1 = process.cpuUsage(c0);
        if (i >= WARMUP_RUNS) {
          s.wall.push((performance.now() - t0) / 1000);
          s.cpu.push((c1.user + c1.system) / 1e6);
        }
        const loss = (out[s.graph.lossOutput]?.data as Float32Array)[0] ?? NaN;
        if (s.v.skipReorders) continue;
        loss0 ??= loss;
        if (Math.abs(loss - loss0) > 1e-5 * Math.abs(loss0)) throw new Error(`variant ${s.v.label}: loss ${loss} differs from ${loss0}`);
      }
    }
    // The load changes from round to round: the paired ratio (this variant / the first, same round) is the steadier figure.
    // CPU seconds (both threads, user + system) measure the work done, less disturbed by the load than wall time.
    const firstWall = sessions[0]?.wall ?? [];
    const firstCpu = median(sessions[0]?.cpu ?? []);
    console.log('| variant | median s/step | runs (s) | median of per-round ratios to the first | median CPU s/step | vs first |\n|---|---:|---|---:|---:|---:|');
    for (const s of sessions) {
      const ratio = median(s.wall.map((w, i) => w / (firstWall[i] ?? NaN)));
      console.log(`| ${s.v.label} | ${median(s.wall).toFixed(3)} | ${s.wall.map((w) => w.toFixed(2)).join(' ')} | ${ratio.toFixed(2)} | ${median(s.cpu).toFixed(3)} | ${(median(s.cpu) / firstCpu).toFixed(2)} |`);
    }
    console.log(`load average at end ${load()}`);
    for (const s of sessions) await s.session.release();
    return;
  }

  const variant = parseVariant(arg('variant', ''), threads, spinning, nchwcDefault);
  const graph = buildVariant(config, batch, variant);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-ort-profile-'));
  const session = await ort.InferenceSession.create(graph.bytes, { ...variant.options, enableProfiling: true, profileFilePrefix: path.join(dir, 'profile') });
  const feeds = feedsFor(graph);
  const outputs = [graph.lossOutput, ...graph.gradOutputs.values()];
  const wall: number[] = [];
  for (let i = 0; i < WARMUP_RUNS + runs; i++) {
    const t0 = performance.now();
    await session.run(feeds, outputs);
    if (i >= WARMUP_RUNS) wall.push(performance.now() - t0);
  }
  session.endProfiling();
  await session.release();
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
  if (file === undefined) throw new Error(`no profile written in ${dir}`);
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[];
  fs.rmSync(dir, { recursive: true, force: true });
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  // Each node's first WARMUP_RUNS occurrences are the warm-up runs: drop them, average the rest.
  const seen = new Map<string, number>();
  const byOp = new Map<string, number>();
  const byNode = new Map<string, number>();
  const byOpPass = new Map<string, { forward: number; backward: number; nodes: Set<string> }>();
  let total = 0;
  for (const e of kernels) {
    const count = seen.get(e.name) ?? 0;
    seen.set(e.name, count + 1);
    if (count < WARMUP_RUNS) continue;
    const ms = e.dur / runs / 1000;
    const op = e.args.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + ms);
    byNode.set(e.name, (byNode.get(e.name) ?? 0) + ms);
    // Nodes that reverse mode emitted are named grad/..: the backward pass.
    const pass = byOpPass.get(op) ?? { forward: 0, backward: 0, nodes: new Set<string>() };
    if (e.name.startsWith('grad/')) pass.backward += ms;
    else pass.forward += ms;
    pass.nodes.add(e.name);
    byOpPass.set(op, pass);
    total += ms;
  }
  console.log(`${variant.label}; nf ${nf}, ${px} px, batch ${batch}, ${threads} thread(s), spinning ${spinning}; ${graph.params.length} parameter inputs; forward ${(graph.forwardMacs / 1e9).toFixed(2)} GMAC`);
  console.log(`wall ms per step: ${wall.map((w) => w.toFixed(0)).join(' ')}; kernel ms per step ${total.toFixed(0)}; load average ${load()}`);
  const nodeCount = [...byOpPass.values()].reduce((a, p) => a + p.nodes.size, 0);
  console.log(`${nodeCount} kernels per step; wall minus kernel time ${(median(wall) - total).toFixed(0)} ms (median wall)`);
  console.log('| op | kernel ms per step | forward | backward | nodes |\n|---|---:|---:|---:|---:|');
  for (const [op, ms] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 24)) {
    const pass = byOpPass.get(op);
    console.log(`| ${op} | ${ms.toFixed(1)} | ${(pass?.forward ?? 0).toFixed(1)} | ${(pass?.backward ?? 0).toFixed(1)} | ${pass?.nodes.size ?? 0} |`);
  }
  console.log('| slowest nodes | ms |\n|---|---:|');
  for (const [node, ms] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`| ${node.replace(/_kernel_time$/, '')} | ${ms.toFixed(1)} |`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
