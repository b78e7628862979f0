/**
 * Can the training graph's 3×3 convolutions run faster in onnxruntime's blocked NCHWc layout with
 * runtime (graph-input) weights? One 3×3 convolution (stride 1, pad 1, bias) at the training
 * shapes, four ways, timed alternately in one process (docs/onnx-training.md, "Measured choices"):
 *
 *   plain-input  Conv, the weight a graph input in the trainer's HWIO layout (Transpose to OIHW
 *                in the graph): what the training graph does today;
 *   plain-init   Conv, the weight an OIHW initializer: onnxruntime's NchwcTransformer (level
 *                `all`) may then rewrite it to ReorderInput → nchwc.Conv (pre-reordered filter) →
 *                ReorderOutput itself;
 *   nchwc-input  com.microsoft.nchwc ReorderInput → Conv → ReorderOutput, the weight a graph input
 *                reordered to OIHWBiBo inside the graph (Reshape, Transpose, Reshape);
 *   nchwc-only   the nchwc.Conv and its weight reorder alone, input and output already blocked
 *                (the cost per conv if consecutive convs stayed in the blocked layout).
 *
 * OIHWBiBo (MlasReorderFilterOIHWBiBo, block B = MlasNchwcGetBlockSize(): 8 on AVX2, 16 on
 * AVX512F): D[ob][ib][kh][kw][bi][bo] = W_OIHW[ob·B + bo][ib·B + bi][kh][kw]. The dx convolution
 * of the backward pass is a forward conv of the flipped, in/out-swapped filter; its reorder is
 * checked for parity here too (dx-plain vs dx-nchwc).
 *
 * Run: nice node -r ts-node/register/transpile-only scripts/nchwc-conv-probe.ts [--batch 8]
 *      [--shapes 16x128,32x64,64x32] [--rounds 25] [--threads 2]
 * Prints the block size, the max abs difference of each form against plain-input, and per shape
 * the median ms per conv, the median of the per-round ratios to plain-input, and the load average.
 */
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from '../src/sr/engines/onnx/onnx-graph-builder';
import { encodeOnnxModel } from '../src/sr/engines/onnx/onnx-proto';
import type { OnnxValueInfo } from '../src/sr/engines/onnx/onnx-proto';
import { median } from '../bench/median';

const NCHWC = 'com.microsoft.nchwc';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function model(g: OnnxGraphBuilder, inputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): Uint8Array {
  return encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 17,
    domainOpsets: { [NCHWC]: 1 },
    producerName: 'fasr-nchwc-probe',
    producerVersion: '1',
    docString: '',
    metadata: {},
    graph: g.build('probe', inputs, outputs),
  });
}

const sessionOptions = (threads: number): ort.InferenceSession.SessionOptions => ({
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

/** The NCHWc block size of this machine's MLAS: the channel count ReorderInput pads 4 channels to. */
async function nchwcBlockSize(): Promise<number> {
  const g = new OnnxGraphBuilder();
  const y = g.renameLastOutput((g.opInDomain(NCHWC, 'ReorderInput', ['x']), 'y'));
  const s = await ort.InferenceSession.create(model(g, [{ name: 'x', dtype: 'float32', shape: [1, 4, 1, 1] }], [{ name: y, dtype: 'float32', shape: [1, 'c', 1, 1] }]));
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
  await s.release();
  return out.y?.dims[1] ?? NaN;
}

/** HWIO [3,3,I,O] → OIHWBiBo with dims [O,I,3,3] (see the header). */
function blockFilterHWIO(g: OnnxGraphBuilder, w: string, ci: number, co: number, block: number): string {
  const r = g.op('Reshape', [w, g.int64s([3, 3, ci / block, block, co / block, block])]); // u v ib bi ob bo
  const t = g.op('Transpose', [r], { perm: [4, 2, 0, 1, 3, 5] }); // ob ib u v bi bo
  return g.op('Reshape', [t, g.int64s([co, ci, 3, 3])]);
}

/** The dx filter: HWIO [3,3,I,O] flipped in space, in/out swapped, as OIHW [I,O,3,3] (plain) or OIHWBiBo. */
function dxFilter(g: OnnxGraphBuilder, w: string, ci: number, co: number, block: number | undefined): string {
  const flipped = g.op('Gather', [g.op('Gather', [w, g.int64s([2, 1, 0])], { axis: 0 }), g.int64s([2, 1, 0])], { axis: 1 }); // F[u][v][i][o] = W[2-u][2-v][i][o]
  if (block === undefined) return g.op('Transpose', [flipped], { perm: [2, 3, 0, 1] });
  const r = g.op('Reshape', [flipped, g.int64s([3, 3, ci / block, block, co / block, block])]); // u v a q b p
  const t = g.op('Transpose', [r], { perm: [2, 4, 0, 1, 5, 3] }); // a b u v p q
  return g.op('Reshape', [t, g.int64s([ci, co, 3, 3])]);
}

type Form = 'plain-input' | 'plain-init' | 'nchwc-input' | 'nchwc-only' | 'dx-plain' | 'dx-nchwc';

interface Built {
  readonly form: Form;
  readonly bytes: Uint8Array;
  /** Names fed to this graph (the initializer form has no weight input). */
  readonly feeds: readonly string[];
}

function build(form: Form, batch: number, ci: number, co: number, s: number, block: number, wOIHW: Float32Array, bias: Float32Array): Built {
  const g = new OnnxGraphBuilder();
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  const xInfo: OnnxValueInfo = { name: 'x', dtype: 'float32', shape: [batch, ci, s, s] };
  const wInfo: OnnxValueInfo = { name: 'w', dtype: 'float32', shape: [3, 3, ci, co] };
  const bInfo: OnnxValueInfo = { name: 'b', dtype: 'float32', shape: [co] };
  const dxInfo: OnnxValueInfo = { name: 'x', dtype: 'float32', shape: [batch, co, s, s] };
  let inputs: OnnxValueInfo[];
  let outCh = co;
  switch (form) {
    case 'plain-input':
      g.op('Conv', ['x', g.op('Transpose', ['w'], { perm: [3, 2, 0, 1] }), 'b'], conv);
      inputs = [xInfo, wInfo, bInfo];
      break;
    case 'plain-init':
      g.op('Conv', ['x', g.floats('wOIHW', [co, ci, 3, 3], wOIHW), g.floats('bias', [co], bias)], conv);
      inputs = [xInfo];
      break;
    case 'nchwc-input': {
      const xb = g.opInDomain(NCHWC, 'ReorderInput', ['x']);
      const yb = g.opInDomain(NCHWC, 'Conv', [xb, blockFilterHWIO(g, 'w', ci, co, block), 'b'], conv);
      g.opInDomain(NCHWC, 'ReorderOutput', [yb], { channels: co });
      inputs = [xInfo, wInfo, bInfo];
      break;
    }
    case 'nchwc-only':
      g.opInDomain(NCHWC, 'Conv', ['x', blockFilterHWIO(g, 'w', ci, co, block), 'b'], conv);
      inputs = [xInfo, wInfo, bInfo];
      break;
    case 'dx-plain':
      g.op('Conv', ['x', dxFilter(g, 'w', ci, co, undefined)], conv);
      inputs = [dxInfo, wInfo];
      outCh = ci;
      break;
    case 'dx-nchwc': {
      const xb = g.opInDomain(NCHWC, 'ReorderInput', ['x']);
      const yb = g.opInDomain(NCHWC, 'Conv', [xb, dxFilter(g, 'w', ci, co, block)], conv);
      g.opInDomain(NCHWC, 'ReorderOutput', [yb], { channels: ci });
      inputs = [dxInfo, wInfo];
      outCh = ci;
      break;
    }
  }
  g.renameLastOutput('y');
  return { form, bytes: model(g, inputs, [{ name: 'y', dtype: 'float32', shape: [batch, outCh, s, s] }]), feeds: inputs.map((i) => i.name) };
}

function seededRandom(seed: number): (n: number) => Float32Array {
  let state = seed;
  return (n) =>
    Float32Array.from({ length: n }, () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31 - 0.5;
    });
}

function hwioToOIHW(w: Float32Array, ci: number, co: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[((o * ci + i) * 3 + u) * 3 + v] = w[((u * 3 + v) * ci + i) * co + o] ?? 0;
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

async function main(): Promise<void> {
  const batch = Number(arg('batch', '8'));
  const rounds = Number(arg('rounds', '25'));
  const threads = Number(arg('threads', '2'));
  const shapes = arg('shapes', '16x128,32x64,64x32').split(',').map((t) => {
    const [c = NaN, s = NaN] = t.split('x').map(Number);
    if (!Number.isInteger(c) || !Number.isInteger(s)) throw new Error(`--shapes: expected CxS (channels x pixels) items, received "${t}"`);
    return { c, s };
  });
  const block = await nchwcBlockSize();
  console.log(`onnxruntime-node ${ort.env.versions.node ?? '?'}; NCHWc block size ${block}; ${os.cpus()[0]?.model ?? '?'}; batch ${batch}, ${threads} threads, no spinning, level all`);

  // Parity, including unequal in/out channels (the layout's two block indices) and the dx filter.
  const random = seededRandom(7);
  for (const [ci, co, s] of [[16, 32, 16], [32, 16, 16], [48, 16, 8]] as const) {
    const x = random(batch * ci * s * s);
    const dy = random(batch * co * s * s);
    const w = random(9 * ci * co);
    const b = random(co);
    const run = async (form: Form, feeds: Record<string, Float32Array>): Promise<Float32Array> => {
      const built = build(form, batch, ci, co, s, block, hwioToOIHW(w, ci, co), b);
      const session = await ort.InferenceSession.create(built.bytes, sessionOptions(threads));
      const dims: Record<string, number[]> = { x: form.startsWith('dx') ? [batch, co, s, s] : [batch, ci, s, s], w: [3, 3, ci, co], b: [co] };
      const f: Record<string, ort.Tensor> = {};
      for (const name of built.feeds) f[name] = new ort.Tensor('float32', feeds[name] ?? new Float32Array(), dims[name]);
      const out = await session.run(f);
      await session.release();
      return out.y?.data as Float32Array;
    };
    const ref = await run('plain-input', { x, w, b });
    const init = await run('plain-init', { x });
    const nchwc = await run('nchwc-input', { x, w, b });
    const dxRef = await run('dx-plain', { x: dy, w });
    const dxNchwc = await run('dx-nchwc', { x: dy, w });
    console.log(`parity ${ci}->${co} ch, ${s} px: max |plain-init − plain-input| ${maxAbsDiff(init, ref).toExponential(2)}, |nchwc-input − plain-input| ${maxAbsDiff(nchwc, ref).toExponential(2)}, |dx-nchwc − dx-plain| ${maxAbsDiff(dxNchwc, dxRef).toExponential(2)} (max |y| ${maxAbsDiff(ref, new Float32Array(ref.length)).toFixed(2)})`);
  }

  const forms: Form[] = ['plain-input', 'plain-init', 'nchwc-input', 'nchwc-only'];
  console.log('\n| shape (in→out ch, px, batch) | form | median ms/conv | median ratio to plain-input (per round) | median CPU ms/conv | GFLOP/s | load avg start → end |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  for (const { c, s } of shapes) {
    const w = random(9 * c * c);
    const b = random(c);
    const x = random(batch * c * s * s);
    const sessions = [];
    for (const form of forms) {
      const built = build(form, batch, c, c, s, block, hwioToOIHW(w, c, c), b);
      const session = await ort.InferenceSession.create(built.bytes, sessionOptions(threads));
      const all: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x, [batch, c, s, s]), w: new ort.Tensor('float32', w, [3, 3, c, c]), b: new ort.Tensor('float32', b, [c]) };
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of built.feeds) feeds[name] = all[name] as ort.Tensor;
      sessions.push({ form, session, feeds, wall: [] as number[], cpu: [] as number[] });
    }
    // Per round each form runs `reps` times back to back (the small shapes take ~1 ms).
    const reps = Math.max(1, Math.round((128 * 128 * 16 * 16) / (s * s * c * c)));
    const loadStart = load();
    for (let r = 0; r < rounds + 2; r++) {
      for (const t of sessions) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        for (let k = 0; k < reps; k++) await t.session.run(t.feeds);
        const c1 = process.cpuUsage(c0);
        if (r >= 2) {
          t.wall.push((performance.now() - t0) / reps);
          t.cpu.push((c1.user + c1.system) / 1000 / reps);
        }
      }
    }
    const loadEnd = load();
    const flop = 2 * batch * c * c * 9 * s * s;
    const first = sessions[0]?.wall ?? [];
    for (const t of sessions) {
      const ratio = median(t.wall.map((v, i) => v / (first[i] ?? NaN)));
      const ms = median(t.wall);
      console.log(`| ${c}→${c}, ${s} px, ${batch} | ${t.form} | ${ms.toFixed(2)} | ${ratio.toFixed(2)} | ${median(t.cpu).toFixed(2)} | ${(flop / ms / 1e6).toFixed(1)} | ${loadStart} → ${loadEnd} |`);
      await t.session.release();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
