/**
 * Scale-out on this machine: the same batch with 1 and 2 `fasr worker` processes on a local
 * redis-server, against the in-process run, and the coordinator's overhead per job:
 *   npm run bench:scale     (or: node -r ts-node/register/transpile-only bench/scale.ts)
 * Options: --clips <n> (default 6, 2 s each, cut from ../shared/data/videos), --reps <n> (default 2:
 * the 1- and 2-worker runs alternate, so that load from other users of the machine hits both),
 * --skip-in-process.
 *
 * Workers are warmed first (each gets one job, so model loading is not in the timings). Wall time
 * = first enqueue → last result written. Coordinator overhead per job is measured on jobs run one
 * at a time (no waiting for a free worker): enqueue → result written, minus the worker's compute
 * time (BullMQ processedOn → finishedOn); it covers Redis round trips, the wire encoding of the
 * result, and the SQLite write.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeProcessDeps, createProcessDeps, DEFAULT_PROCESS_CONFIG, processSources } from '../pipelines';
import { resolveFfmpegBinaries } from '../src/ingest';
import { QueueClient, parseQueueSettings, processSourcesViaQueue, type ProcessViaQueueSummary } from '../pipelines/queue';
import { openStore } from '../src/store';
import { intArg } from './bench-args';

const REPO = path.resolve(__dirname, '..');
const VIDEOS = path.resolve(__dirname, '../../shared/data/videos');
const SOURCES = [
  path.join(VIDEOS, 'face_recognition/short_hamilton_clip.mp4'),
  path.join(VIDEOS, 'sadtalker-hdtf/WDA_KatieHill_000.mp4'),
  path.join(VIDEOS, 'sadtalker-hdtf/WDA_AlexandriaOcasioCortez_000.mp4'),
];
const CLI = ['-r', 'ts-node/register/transpile-only', path.join(REPO, 'test/integration/queue/cli-entry.ts')];

function cut(src: string, out: string, startS: number, durS: number): string {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(startS), '-t', String(durS), '-i', src, '-an', '-vf', 'scale=320:-2', '-r', '10', '-c:v', 'libx264', '-preset', 'ultrafast', out]);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

async function waitForText(child: ChildProcess, text: string, what: string): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no "${text}" after 120 s:\n${seen}`)), 120_000);
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${seen}`));
    });
  });
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padStart(widths[i] ?? 10)).join('  ');
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const nClips = intArg('--clips', 6, 1, 30, args);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-bench-scale-'));
  const clips = Array.from({ length: nClips }, (_, i) => cut(SOURCES[i % SOURCES.length] as string, path.join(dir, `clip-${i}.mp4`), 1 + 2 * Math.floor(i / SOURCES.length), 2));
  const warm = [0, 1].map((i) => cut(SOURCES[i] as string, path.join(dir, `warm-${i}.mp4`), 0.2, 0.6));
  const config = DEFAULT_PROCESS_CONFIG;
  const binaries = await resolveFfmpegBinaries();
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const children: ChildProcess[] = [redis];
  const lines: string[] = [];
  try {
    await waitForText(redis, 'Ready to accept connections', 'redis-server');
    const url = `redis://127.0.0.1:${port}`;
    const rows: { label: string; wallMs: number; summary: ProcessViaQueueSummary | null }[] = [];

    if (!args.includes('--skip-in-process')) {
      const deps = await createProcessDeps(config, 'wasm');
      const store = openStore(path.join(dir, 'in-process.sqlite'));
      try {
        await processSources(store, warm.slice(0, 1), config, deps); // model warm-up
        const t0 = Date.now();
        await processSources(store, clips, config, deps);
        rows.push({ label: 'in-process (no queue)', wallMs: Date.now() - t0, summary: null });
      } finally {
        store.close();
        await closeProcessDeps(deps);
      }
    }

    let overhead: { waitMs: number; computeMs: number; writeMs: number; resultKb: number }[] = [];
    const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 2;
    if (!Number.isInteger(reps) || reps < 1 || reps > 5) throw new Error('--reps: expected an integer in [1, 5]');
    const plan = Array.from({ length: reps }, (_, rep) => [1, 2].map((n) => ({ rep, nWorkers: n }))).flat();
    for (const { rep, nWorkers } of plan) {
      const prefix = `bench${nWorkers}x${rep}x${process.pid}`; // a fresh namespace: nothing reused from another run
      const workers = Array.from({ length: nWorkers }, () =>
        spawn(process.execPath, [...CLI, 'worker', '--redis', url, '--prefix', prefix, '--backend', 'wasm'], { cwd: REPO, env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'tsconfig.json') }, stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      children.push(...workers);
      await Promise.all(workers.map((w, i) => waitForText(w, 'waiting for jobs', `worker ${i + 1}`)));
      const client = await QueueClient.open(parseQueueSettings({ redisUrl: url, prefix }));
      const store = openStore(path.join(dir, `queue-${nWorkers}.sqlite`));
      try {
        await processSourcesViaQueue(store, warm.slice(0, nWorkers), config, client, binaries); // each worker loads its models
        const t0 = Date.now();
        const summary = await processSourcesViaQueue(store, clips, config, client, binaries);
        rows.push({ label: `queue, ${nWorkers} worker${nWorkers > 1 ? 's' : ''} (#${rep + 1})`, wallMs: Date.now() - t0, summary });
        if (nWorkers === 1 && rep === 0) {
          // One job at a time (fresh content: other clip ranges), so no job waits for a worker.
          const single = Array.from({ length: Math.min(3, nClips) }, (_, i) => cut(SOURCES[i % SOURCES.length] as string, path.join(dir, `single-${i}.mp4`), 0.5, 1));
          for (const clip of single) {
            const s = await processSourcesViaQueue(store, [clip], config, client, binaries);
            overhead = overhead.concat(
              s.receipts.map((r) => ({ waitMs: r.waitMs, computeMs: r.computeMs ?? 0, writeMs: r.writeMs, resultKb: JSON.stringify(r.result).length / 1024 })),
            );
          }
        }
      } finally {
        store.close();
        await client.close();
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
      }
    }

    const videoS = 2 * nClips;
    lines.push(`fasr scale-out bench: ${nClips} clips x 2 s (320 px, default analysis rate), ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load avg ${os.loadavg()[0]?.toFixed(1)}`);
    const w = [28, 10, 12, 14];
    lines.push(row(['run', 'wall s', 'x realtime', 'vs best 1-w'], w));
    const ones = rows.filter((r) => r.label.startsWith('queue, 1 ')).map((r) => r.wallMs);
    const one = ones.length === 0 ? 0 : Math.min(...ones);
    for (const r of rows) lines.push(row([r.label, (r.wallMs / 1000).toFixed(1), (videoS / (r.wallMs / 1000)).toFixed(2), one > 0 ? `${(one / r.wallMs).toFixed(2)}x` : '-'], w));
    const ow = [24, 10, 10, 10, 12];
    lines.push('');
    lines.push(`coordinator overhead per ingest job (${overhead.length} jobs run one at a time):`);
    lines.push(row(['', 'enqueue→', 'worker', 'overhead', 'result kB'], ow));
    lines.push(row(['', 'written ms', 'compute ms', 'ms', '(base64)'], ow));
    for (const [i, o] of overhead.entries()) lines.push(row([`job ${i + 1}`, (o.waitMs + o.writeMs).toFixed(0), o.computeMs.toFixed(0), (o.waitMs + o.writeMs - o.computeMs).toFixed(0), o.resultKb.toFixed(0)], ow));
    lines.push(
      row(['mean', mean(overhead.map((o) => o.waitMs + o.writeMs)).toFixed(0), mean(overhead.map((o) => o.computeMs)).toFixed(0), mean(overhead.map((o) => o.waitMs + o.writeMs - o.computeMs)).toFixed(0), mean(overhead.map((o) => o.resultKb)).toFixed(0)], ow),
    );
    lines.push(`  of which SQLite write + result decode: ${mean(overhead.map((o) => o.writeMs)).toFixed(0)} ms mean`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/scale: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
