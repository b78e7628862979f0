/**
 * Issue 15, "must show": the two gradient engines train alike, and a kill -9 resumes exactly.
 *
 * 1. Prepares (or reuses) a training-data cache of the first `--images` UTKFace faces of
 *    ../shared/data/faces/utkface-aligned with the bundled preset's settings.
 * 2. Trains the bundled preset (nf 16, 64 px patches, batch 4) for `--steps` steps on each engine
 *    (tfjs-wasm, onnxruntime-node) from the same seed, and plots both loss curves (raw and a
 *    25-step moving average) to docs/img/train-engines-loss.png; prints the mean loss of the
 *    last 100 steps of each and the wall time per 1,000 steps.
 * 3. Kill check (onnx): a child process trains `--kill-steps` steps with a checkpoint every 5 and
 *    is killed with SIGKILL once its log passes step `--kill-at`; a resumed run then finishes,
 *    and its final checkpoint (weights, EMA, Adam moments) is compared byte for byte with an
 *    uninterrupted run's.
 *
 * Run: node -r ts-node/register/transpile-only scripts/compare-train-engines.ts [--images 200]
 *      [--steps 500] [--kill-steps 40] [--kill-at 23] [--out out/compare-engines]
 *      [--kill-only] (skip 2.) [--plot-only] (re-plot 2. from <out>/losses.json)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { registerWasmTrainingKernels } from '../src/runtime/wasm-kernels';
import { prepareTrainingData, readLatestTrainingCheckpoint, TRAIN_PRESETS, trainScoreModel } from '../src/sr/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const OUT = path.resolve(arg('out', 'out/compare-engines'));
const DATA = path.join(OUT, 'data');
const PLOT = path.resolve(__dirname, '../docs/img/train-engines-loss.png');

function trainConfig(engine: 'onnx' | 'tfjs', outDir: string, steps: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...TRAIN_PRESETS.bundled.train, dataDir: DATA, outDir, steps, engine, progressEvery: 1, checkpointEvery: 100, validateEvery: 0, ...extra };
}

async function child(): Promise<void> {
  const spec = JSON.parse(arg('child', '{}')) as Record<string, unknown>;
  await trainScoreModel(spec);
}

function movingAverage(xs: readonly number[], w: number): number[] {
  return xs.map((_, i) => {
    const lo = Math.max(0, i - w + 1);
    const win = xs.slice(lo, i + 1);
    return win.reduce((a, b) => a + b, 0) / win.length;
  });
}

async function plot(curves: { label: string; color: string; losses: readonly number[] }[], file: string): Promise<void> {
  const W = 900;
  const H = 480;
  const m = { l: 70, r: 20, t: 40, b: 50 };
  const n = Math.max(...curves.map((c) => c.losses.length));
  const all = curves.flatMap((c) => c.losses).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log10(Math.min(...all));
  const hi = Math.log10(Math.max(...all));
  const x = (i: number): number => m.l + (i / Math.max(1, n - 1)) * (W - m.l - m.r);
  const y = (v: number): number => m.t + (1 - (Math.log10(v) - lo) / (hi - lo)) * (H - m.t - m.b);
  const line = (vs: readonly number[], color: string, width: number, opacity: number): string =>
    `<polyline fill="none" stroke="${color}" stroke-width="${width}" stroke-opacity="${opacity}" points="${vs.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`;
  const ticks: string[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const f of [1, 2, 5]) {
      const v = f * 10 ** e;
      if (Math.log10(v) < lo || Math.log10(v) > hi) continue;
      ticks.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${y(v) + 4}" font-size="12" text-anchor="end">${v}</text>`);
    }
  }
  for (let s = 0; s < n; s += 100) ticks.push(`<text x="${x(s)}" y="${H - m.b + 18}" font-size="12" text-anchor="middle">${s}</text>`);
  const legend = curves.map((c, i) => `<rect x="${m.l + 10}" y="${m.t + 8 + i * 18}" width="14" height="4" fill="${c.color}"/><text x="${m.l + 30}" y="${m.t + 13 + i * 18}" font-size="13">${c.label}</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#fff"/>
${ticks.join('\n')}
${curves.map((c) => line(c.losses, c.color, 1, 0.25)).join('\n')}
${curves.map((c, i) => line(movingAverage(c.losses, 25), c.color, i === 0 ? 6 : 2, 1)).join('\n')}
<text x="${W / 2}" y="22" font-size="15" text-anchor="middle">DSM loss (Eq. 3) per step, bundled preset, same seed: raw (faint) and 25-step mean (wide: tfjs under onnx)</text>
<text x="${W / 2}" y="${H - 10}" font-size="13" text-anchor="middle">step</text>
${legend.join('\n')}</svg>`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}

function checkpointBytes(outDir: string): Map<string, Buffer> {
  const ckpt = readLatestTrainingCheckpoint(outDir);
  if (ckpt === undefined) throw new Error(`no checkpoint in ${outDir}`);
  const out = new Map<string, Buffer>();
  for (const [group, tensors] of Object.entries(ckpt.tensors)) {
    for (const [name, t] of tensors) {
      const d = t.dataSync() as Float32Array;
      out.set(`${group}/${name}`, Buffer.from(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)));
    }
    tf.dispose([...tensors.values()]);
  }
  return out;
}

async function killCheck(steps: number, killAt: number): Promise<void> {
  const straight = path.join(OUT, 'kill-straight');
  const killed = path.join(OUT, 'kill-resumed');
  fs.rmSync(straight, { recursive: true, force: true });
  fs.rmSync(killed, { recursive: true, force: true });
  await trainScoreModel(trainConfig('onnx', straight, steps, { checkpointEvery: 5 }));
  const spec = JSON.stringify(trainConfig('onnx', killed, steps, { checkpointEvery: 5 }));
  const proc = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--child', spec], { stdio: 'ignore' });
  const log = path.join(killed, 'train-log.jsonl');
  const killedAt = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '') : [];
      const last = lines.length > 0 ? (JSON.parse(lines[lines.length - 1] as string) as { step: number }).step : 0;
      if (last >= killAt) {
        clearInterval(timer);
        proc.kill('SIGKILL');
        resolve(last);
      }
    }, 20);
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        clearInterval(timer);
        reject(new Error(`child exited (code ${String(code)}) before step ${killAt}`));
      }
    });
  });
  await new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.on('exit', () => resolve())));
  let resumedFrom = -1;
  await trainScoreModel({ ...trainConfig('onnx', killed, steps, { checkpointEvery: 5 }), resume: true }, { onResume: (r) => (resumedFrom = r.step) });
  const a = checkpointBytes(straight);
  const b = checkpointBytes(killed);
  const differing = [...a].filter(([k, v]) => !v.equals(b.get(k) ?? Buffer.alloc(0))).length;
  console.log(`kill -9 check (onnx): killed after step ${killedAt} (log), resumed from checkpoint step ${resumedFrom}, finished ${steps}; ${a.size} tensors compared (param, ema, adam_m, adam_v), ${differing} differ${differing === 0 ? ' (bit for bit equal)' : ''}`);
  if (differing !== 0 || a.size !== b.size) process.exitCode = 1;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    registerWasmTrainingKernels();
    await initBackend('wasm');
    await child();
    return;
  }
  if (process.argv.includes('--plot-only')) {
    const saved = JSON.parse(fs.readFileSync(path.join(OUT, 'losses.json'), 'utf8')) as { tfjs: number[]; onnx: number[] };
    const gap = saved.tfjs.map((v, i) => Math.abs(v - (saved.onnx[i] ?? NaN)) / v);
    console.log(`per-step loss gap max ${Math.max(...gap).toExponential(2)}, median ${([...gap].sort((p, q) => p - q)[Math.floor(gap.length / 2)] ?? NaN).toExponential(2)}`);
    await plot(
      [
        { label: 'tfjs (wasm)', color: '#d62728', losses: saved.tfjs },
        { label: 'onnx (onnxruntime-node)', color: '#1f77b4', losses: saved.onnx },
      ],
      PLOT,
    );
    return;
  }
  const images = Number(arg('images', '200'));
  const steps = Number(arg('steps', '500'));
  registerWasmTrainingKernels();
  await initBackend('wasm');
  const sourceDir = path.resolve(__dirname, '../../shared/data/faces/utkface-aligned/images');
  const prep = await prepareTrainingData({ ...TRAIN_PRESETS.bundled.prepare, sourceDir, outDir: DATA, limit: images });
  console.log(`data: ${prep.reused ? 'reused' : 'prepared'} ${prep.manifest.files.length} faces (${prep.manifest.split.train.length} train)`);
  if (!process.argv.includes('--kill-only')) {
    const curves: { label: string; color: string; losses: number[] }[] = [];
    for (const [engine, color] of [
      ['tfjs', '#d62728'],
      ['onnx', '#1f77b4'],
    ] as const) {
      const outDir = path.join(OUT, engine);
      fs.rmSync(outDir, { recursive: true, force: true });
      const losses: number[] = [];
      const load0 = os.loadavg()[0] ?? NaN;
      const r = await trainScoreModel(trainConfig(engine, outDir, steps), { onProgress: (p) => losses.push(p.loss) });
      const load1 = os.loadavg()[0] ?? NaN;
      const last = losses.slice(-100);
      const secPer1000 = (r.elapsedMs / steps) * 1000 / 1000;
      console.log(
        `${engine}: ${steps} steps in ${(r.elapsedMs / 1000).toFixed(0)} s (${(secPer1000 / 60).toFixed(1)} min per 1,000 steps; load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}); mean loss of the last 100 steps ${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(1)}`,
      );
      curves.push({ label: `${engine === 'onnx' ? 'onnx (onnxruntime-node)' : 'tfjs (wasm)'}`, color, losses });
    }
    const [a, b] = curves;
    if (a !== undefined && b !== undefined) {
      const ma = movingAverage(a.losses, 25);
      const mb = movingAverage(b.losses, 25);
      const rel = ma.map((v, i) => Math.abs(v - (mb[i] ?? NaN)) / v);
      const tail = rel.slice(-100);
      const stepGap = a.losses.map((v, i) => Math.abs(v - (b.losses[i] ?? NaN)) / v);
      console.log(
        `25-step means: median relative gap ${(tail.sort((p, q) => p - q)[Math.floor(tail.length / 2)] ?? NaN).toExponential(2)} over the last 100 steps; per-step loss gap max ${Math.max(...stepGap).toExponential(2)}; first step losses ${a.losses[0]?.toFixed(2)} / ${b.losses[0]?.toFixed(2)}`,
      );
      fs.writeFileSync(path.join(OUT, 'losses.json'), JSON.stringify({ tfjs: a.losses, onnx: b.losses }));
      await plot(curves, PLOT);
      console.log(`plot: ${path.relative(process.cwd(), PLOT)}`);
    }
  }
  await killCheck(Number(arg('kill-steps', '40')), Number(arg('kill-at', '23')));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
