/**
 * ms per network call of the FASR score network (NCSN++) for each inference engine: tfjs on the
 * active backend (initBackend('auto'): wasm here) and onnxruntime-node (CPU provider; CUDA with
 * `--cuda` where installed). Same seeded random weights for both (the authors' init scheme; the
 * cost does not depend on the values). Warm-up call excluded; median of the runs. For onnx the
 * time of `session.run` in its worker thread is shown beside the whole call, so the boundary
 * overhead (tf -> host copies, thread hand-off, host -> tf) can be read off.
 *
 * The PyTorch reference is the authors' code on CPU (fixtures/fasr-reference/paper/model_stats.json:
 * torch 1.13, 2 threads, 2-vCPU AMD EPYC): 6.85 s per paper-config forward at batch 1.
 * The machine is shared: the load average is printed with each row, and the process CPU time per
 * call (all threads) is shown as a load-independent measure of the work; compare only rows of one run.
 *
 * Run: node -r ts-node/register/transpile-only bench/sr-engines.ts
 *        [--config paper|tiny] [--batches 1,4] [--engines tfjs,onnx] [--runs 3] [--threads N] [--cuda]
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { OnnxSrEngine, TfjsSrEngine } from '../src/sr/engines';
import type { SrEngine } from '../src/sr/engines';
import { NCSNPP_PRESETS } from '../src/sr/model-config';
import type { NcsnppConfig } from '../src/sr/model-config';
import { NcsnppModel } from '../src/sr/models';
import { median } from './median';
import { argValue } from './bench-args';

const TORCH_PAPER_B1_MS = 6850;



const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');

interface Row {
  readonly engine: string;
  readonly batch: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  /** Mean network time per call (onnx: session.run), ms. */
  readonly networkMs: number;
  /** Mean engine-call time minus network time (onnx: copies and thread hand-off), ms. */
  readonly boundaryMs: number;
  /** Mean CPU time of the whole process (all threads) per call, ms: load-independent work measure. */
  readonly cpuMs: number;
  readonly loadAvg: string;
}

function timeEngine(engine: SrEngine, config: NcsnppConfig, batch: number, runs: number): Row {
  const s = config.imageSize;
  const x = tf.randomUniform([batch, s, s, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const y = tf.randomUniform([batch, s, s, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
  const sigmas = tf.randomUniform([batch], 0.01, 50, 'float32', 3) as tf.Tensor1D;
  const feat = tf.randomNormal([batch, config.featDim], 0, 1, 'float32', 4) as tf.Tensor2D;
  const once = (): number => {
    const t0 = performance.now();
    const out = engine.forward(x, y, sigmas, feat);
    out.dataSync(); // the result on the host, as a sampler step needs it next
    const ms = performance.now() - t0;
    out.dispose();
    return ms;
  };
  once(); // warm-up
  engine.resetTiming();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) times.push(once());
  const cpu = process.cpuUsage(cpu0);
  const timing = engine.timing();
  tf.dispose([x, y, sigmas, feat]);
  return { engine: '', batch, runs, medianMs: median(times), minMs: Math.min(...times), networkMs: timing.networkMs / timing.calls, boundaryMs: (timing.totalMs - timing.networkMs) / timing.calls, cpuMs: (cpu.user + cpu.system) / 1000 / runs, loadAvg: load() };
}

async function main(): Promise<void> {
  const configName = argValue('--config', 'paper');
  if (configName !== 'paper' && configName !== 'tiny') throw new Error(`--config: expected paper or tiny, received ${configName}`);
  const config = NCSNPP_PRESETS[configName];
  const batches = argValue('--batches', '1,4').split(',').map(Number);
  const engines = argValue('--engines', 'tfjs,onnx').split(',');
  const runs = Number(argValue('--runs', '3'));
  const threads = Number(argValue('--threads', '0'));
  const cuda = process.argv.includes('--cuda');
  const info = await initBackend('auto');
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x ${os.availableParallelism()} cores; load average before: ${load()}`);
  const model = NcsnppModel.random(config, 0);
  const stateDict = model.toStateDict();
  const rows: Row[] = [];
  for (const name of engines) {
    let engine: SrEngine;
    if (name === 'tfjs') engine = new TfjsSrEngine(model);
    else if (name === 'onnx') engine = await OnnxSrEngine.fromStateDict(config, stateDict, { intraOpThreads: threads, executionProvider: cuda ? 'cuda' : 'cpu' });
    else throw new Error(`--engines: unknown engine ${name} (valid: tfjs, onnx)`);
    const label = name === 'tfjs' ? `tfjs-${info.name}` : `onnx-${cuda ? 'cuda' : 'cpu'}`;
    for (const batch of batches) rows.push({ ...timeEngine(engine, config, batch, runs), engine: label });
    if (name === 'onnx') await engine.dispose();
  }
  model.dispose();
  console.log(`config ${configName} ${config.imageSize}x${config.imageSize}; ms per network call, warm-up excluded, median of ${runs} runs; load average after: ${load()}`);
  console.table(
    rows.map((r) => ({
      engine: r.engine,
      batch: r.batch,
      'median ms / call': Math.round(r.medianMs),
      'min ms': Math.round(r.minMs),
      'ms / face': Math.round(r.medianMs / r.batch),
      'session.run ms': r.engine.startsWith('onnx') ? Math.round(r.networkMs) : '-',
      'boundary ms': r.engine.startsWith('onnx') ? r.boundaryMs.toFixed(1) : '-',
      'vs PyTorch 6.85 s/face': configName === 'paper' ? `${(TORCH_PAPER_B1_MS / (r.medianMs / r.batch)).toFixed(2)}x` : '-',
      'CPU ms / call (all threads)': Math.round(r.cpuMs),
      'load avg (1,5,15 min)': r.loadAvg,
    })),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
