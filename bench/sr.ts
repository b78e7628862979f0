/**
 * Network-evaluation cost of the NCSN++ score model for each engine: tfjs on the active backend
 * (initBackend('auto')) and onnxruntime-node on the CPU (src/sr/engines; `--engines tfjs` skips it).
 * bench/sr-engines.ts has the per-engine details (session.run vs boundary time, CPU time, --cuda).
 * Random weights (seeded); warm-up excluded; median of several runs. The PyTorch reference is the
 * authors' code on CPU (fixtures/fasr-reference/paper/model_stats.json: torch 1.13, 2 threads,
 * 2-vCPU AMD EPYC): 6.85 s per paper-config forward at batch 1.
 *
 * The onnx engine is timed with both exported graph forms: 'fast' (the CPU default: Winograd
 * F(4x4,3x3) for the wide 32 and 64 px convolutions, InstanceNormalization, Resize) and 'direct' (one Conv per convolution).
 *
 * Run: npm run bench:sr  [-- --runs N] [-- --only tiny|paper] [-- --engines tfjs,onnx] [-- --graph-forms fast,direct]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { NCSNPP_PRESETS } from '../src/sr/model-config';
import type { NcsnppConfig } from '../src/sr/model-config';
import { NcsnppModel } from '../src/sr/models';
import { OnnxSrEngine } from '../src/sr/engines';
import type { ScoreNetwork } from '../src/sr/score-fn';
import { median } from './median';

const TORCH_PAPER_B1_MS = 6850;

interface Row {
  readonly engine: string;
  readonly config: string;
  readonly batch: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly perSampleMs: number;
  readonly torchMs: string;
}


function timeForward(model: ScoreNetwork, config: NcsnppConfig, batch: number, runs: number): number[] {
  const s = config.imageSize;
  const x = tf.randomUniform([batch, s, s, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.randomUniform([batch, s, s, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const sigmas = tf.randomUniform([batch], 0.01, 50, 'float32', 3) as tf.Tensor1D;
  const feat = tf.randomNormal([batch, config.featDim], 0, 1, 'float32', 4) as tf.Tensor2D;
  const once = (): number => {
    const t0 = performance.now();
    const out = model.forward(x, y, sigmas, feat);
    out.dataSync(); // wait for the result
    const ms = performance.now() - t0;
    out.dispose();
    return ms;
  };
  once(); // warm-up (kernel setup, first allocations)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(once());
  tf.dispose([x, y, sigmas, feat]);
  return times;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
  const onlyArg = args.indexOf('--only');
  const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
  const enginesArg = args.indexOf('--engines');
  const engines = (enginesArg >= 0 ? (args[enginesArg + 1] ?? '') : 'tfjs,onnx').split(',');
  const formsArg = args.indexOf('--graph-forms');
  const forms = (formsArg >= 0 ? (args[formsArg + 1] ?? '') : 'fast,direct').split(',') as ('fast' | 'direct')[];
  const info = await initBackend('auto');
  const cases: { name: 'tiny' | 'paper'; batch: number }[] = [
    { name: 'tiny', batch: 1 },
    { name: 'tiny', batch: 4 },
    { name: 'paper', batch: 1 },
    { name: 'paper', batch: 4 },
  ];
  const rows: Row[] = [];
  for (const name of ['tiny', 'paper'] as const) {
    if (only !== undefined && only !== name) continue;
    const config = NCSNPP_PRESETS[name];
    const model = NcsnppModel.random(config, 0);
    const timeAll = (engine: string, network: ScoreNetwork): void => {
      for (const c of cases.filter((k) => k.name === name)) {
        const times = timeForward(network, config, c.batch, runs);
        const med = median(times);
        rows.push({
          engine,
          config: `${name} ${config.imageSize}x${config.imageSize}`,
          batch: c.batch,
          runs,
          medianMs: med,
          minMs: Math.min(...times),
          perSampleMs: med / c.batch,
          torchMs: name === 'paper' && c.batch === 1 ? String(TORCH_PAPER_B1_MS) : '-',
        });
      }
    };
    if (engines.includes('tfjs')) timeAll(`tfjs-${info.name}`, model);
    if (engines.includes('onnx')) {
      // The default graph form on the CPU ('auto' = 'fast'), and the reference 'direct' form beside it.
      for (const graphForm of forms) {
        const onnx = await OnnxSrEngine.fromStateDict(config, model.toStateDict(), { graphForm });
        try {
          timeAll(`onnx-cpu (${graphForm} graph)`, onnx);
        } finally {
          await onnx.dispose();
        }
      }
    }
    model.dispose();
  }
  const wasm = info.wasmFeatures !== undefined ? ` (simd ${String(info.wasmFeatures.simd)}, threads ${String(info.wasmFeatures.threads)})` : '';
  console.log(`backend: ${info.name}${wasm}; ${info.reason}`);
  console.log('ms per network evaluation (forward), warm-up excluded, median of runs');
  console.table(
    rows.map((r) => ({
      engine: r.engine,
      config: r.config,
      batch: r.batch,
      runs: r.runs,
      'median ms': Math.round(r.medianMs),
      'min ms': Math.round(r.minMs),
      'ms / sample': Math.round(r.perSampleMs),
      'PyTorch CPU ms (authors, b1)': r.torchMs,
    })),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
