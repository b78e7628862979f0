/**
 * Watch-folder soak: an NVR-like writer fills nested dated folders for minutes while `fasr watch`
 * is SIGKILLed and restarted at random moments; at the end every file written is checked against
 * the store and the watch logs.
 *   npm run bench:soak        (or: node -r ts-node/register/transpile-only bench/soak.ts)
 *
 * The writer: `--cameras` cameras in parallel, one segment each every `--interval-ms` (±30 %),
 * in a Frigate layout YYYY-MM-DD/HH/<camera>/MM.SS.mp4 whose simulated clock runs 5 minutes per
 * segment, so new hour and day folders appear while the watch is busy. Segments are tiny
 * (160x120, 10 fps, 1-2 s of ffmpeg lavfi test patterns, remuxed with a unique title so each has
 * its own sha256). Of the segments: ~62 % written elsewhere and renamed in (`.tmp` then rename),
 * ~25 % written in place by a slow writer (4 chunks 300-700 ms apart), ~7 % truncated MP4s (40 %
 * of the bytes, renamed in) and ~6 % text files named .mp4.
 * The killer: `--kills` SIGKILLs (default 7) spread over the run with jitter, each followed by a
 * restart after 0.3-2.5 s. After the writer stops, the last watch runs until every file is
 * accounted for (or `--drain-s`), then gets SIGTERM.
 *
 * Prints: files written by kind, complete videos taken exactly once, lost, duplicated (completed
 * twice), bad files recorded as failed with a reason (and the reasons), latency from the rename
 * (or the slow writer's last chunk) to "taking" (worst, p95, median), kills, restarts, and the
 * load average. Options: --minutes <n> (default 11), --cameras <n> (3), --interval-ms <n> (7500),
 * --kills <n> (7), --seed <n> (1), --stability-ms <n> (2000), --rescan-ms <n> (10000),
 * --drain-s <n> (300), --dir <dir> (work there; default a temp dir, removed unless --keep).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../src/store';
import { argValue, nonNegativeArg } from './bench-args';

const REPO = path.resolve(__dirname, '..');


/** mulberry32: a small seeded PRNG, so a soak can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pad = (n: number): string => String(n).padStart(2, '0');
const loadavg = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

type Kind = 'renamed' | 'slow' | 'truncated' | 'text';
interface Written {
  readonly path: string;
  readonly kind: Kind;
  /** When it became complete under its final name (rename, or the slow writer's last chunk), ms. */
  readonly completeAtMs: number;
}

interface LogLine {
  readonly atMs: number;
  readonly instance: number;
  readonly text: string;
}

async function main(): Promise<void> {
  const minutes = nonNegativeArg('--minutes', 11);
  const cameras = Math.max(1, Math.floor(nonNegativeArg('--cameras', 3)));
  const intervalMs = nonNegativeArg('--interval-ms', 7500);
  const kills = Math.floor(nonNegativeArg('--kills', 7));
  const seed = Math.floor(nonNegativeArg('--seed', 1));
  const stabilityMs = Math.floor(nonNegativeArg('--stability-ms', 2000));
  const rescanMs = Math.floor(nonNegativeArg('--rescan-ms', 10000));
  const drainS = nonNegativeArg('--drain-s', 300);
  const keep = process.argv.includes('--keep') || process.argv.includes('--dir');
  const dir = argValue('--dir', '') !== '' ? path.resolve(argValue('--dir', '')) : fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-soak-'));
  const nvr = path.join(dir, 'nvr');
  const staging = path.join(dir, 'staging');
  const db = path.join(dir, 'store.sqlite');
  fs.rmSync(nvr, { recursive: true, force: true });
  fs.rmSync(staging, { recursive: true, force: true });
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  fs.mkdirSync(nvr, { recursive: true });
  fs.mkdirSync(staging, { recursive: true });
  const rand = prng(seed);
  const loadAtStart = loadavg();

  // A pool of tiny clips; each segment is one of them remuxed with a unique title.
  const pool: string[] = [];
  const patterns = ['testsrc', 'testsrc2', 'smptebars', 'rgbtestsrc', 'yuvtestsrc', 'smptehdbars'];
  for (const [i, p] of patterns.entries()) {
    const out = path.join(staging, `pool-${i}.mp4`);
    const dur = [1, 1.5, 2][i % 3] ?? 1;
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${p}=size=160x120:rate=10`, '-t', String(dur), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', out]);
    pool.push(out);
  }
  let segNo = 0;
  const makeSegment = (out: string): void => {
    const src = pool[Math.floor(rand() * pool.length)] ?? pool[0] ?? '';
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-c', 'copy', '-metadata', `title=soak-${seed}-${++segNo}`, '-f', 'mp4', out]);
  };

  // ---- the watch, killed and restarted ----
  const lines: LogLine[] = [];
  let instance = 0;
  const watch: { child: ChildProcess | null; exit: Promise<void> } = { child: null, exit: Promise.resolve() };
  const startWatch = (): void => {
    instance += 1;
    const me = instance;
    const c = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', "require('./src/cli/main').main(process.argv.slice(1)).then((c) => { process.exitCode = c; })", 'watch', nvr, '--db', db, '--fps', '1', '--backend', 'wasm', '--stability-ms', String(stabilityMs), '--poll-ms', '250', '--rescan-ms', String(rescanMs)],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, 'tsconfig.json') } },
    );
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push({ atMs: Date.now(), instance: me, text: buf.slice(0, nl) });
        buf = buf.slice(nl + 1);
      }
    };
    c.stdout.on('data', onData);
    c.stderr.on('data', onData);
    watch.exit = new Promise((resolve) => c.on('exit', () => resolve()));
    watch.child = c;
  };
  startWatch();

  const t0 = Date.now();
  const durationMs = minutes * 60_000;
  const written: Written[] = [];
  const baseUtcMs = Date.UTC(2024, 0, 15, 21, 0, 0);

  const camera = async (cam: number): Promise<void> => {
    const name = ['front_door', 'garage', 'back_yard', 'hall', 'gate', 'drive'][cam % 6] ?? `cam${cam}`;
    for (let k = 0; Date.now() - t0 < durationMs; k++) {
      await sleep(intervalMs * (0.7 + 0.6 * rand()));
      if (Date.now() - t0 >= durationMs) break;
      const d = new Date(baseUtcMs + k * 5 * 60_000 + cam * 7_000);
      const folder = path.join(nvr, `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, pad(d.getUTCHours()), name);
      const final = path.join(folder, `${pad(d.getUTCMinutes())}.${pad(d.getUTCSeconds())}.mp4`);
      const r = rand();
      const kind: Kind = r < 0.62 ? 'renamed' : r < 0.87 ? 'slow' : r < 0.94 ? 'truncated' : 'text';
      fs.mkdirSync(folder, { recursive: true });
      if (kind === 'slow') {
        const tmp = path.join(staging, `slow-${cam}-${k}.mp4`);
        makeSegment(tmp);
        const bytes = fs.readFileSync(tmp);
        fs.rmSync(tmp);
        const fd = fs.openSync(final, 'w');
        try {
          const parts = 4;
          for (let p = 0; p < parts; p++) {
            fs.writeSync(fd, bytes.subarray(Math.floor((p * bytes.length) / parts), Math.floor(((p + 1) * bytes.length) / parts)));
            if (p < parts - 1) await sleep(300 + 400 * rand());
          }
        } finally {
          fs.closeSync(fd);
        }
        written.push({ path: final, kind, completeAtMs: Date.now() });
        continue;
      }
      const tmp = `${final}.tmp`;
      if (kind === 'text') fs.writeFileSync(tmp, `camera ${name} segment ${k}: not a video\n`.repeat(40));
      else {
        makeSegment(tmp);
        if (kind === 'truncated') {
          const bytes = fs.readFileSync(tmp);
          fs.writeFileSync(tmp, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
        }
      }
      fs.renameSync(tmp, final);
      written.push({ path: final, kind, completeAtMs: Date.now() });
    }
  };

  const killer = async (): Promise<number> => {
    let done = 0;
    for (let k = 1; k <= kills; k++) {
      const slot = durationMs / (kills + 1);
      const at = t0 + k * slot + (rand() - 0.5) * 0.6 * slot;
      await sleep(Math.max(0, at - Date.now()));
      watch.child?.kill('SIGKILL');
      await watch.exit;
      done += 1;
      await sleep(300 + 2200 * rand());
      startWatch();
    }
    return done;
  };

  process.stdout.write(`soak: ${minutes} min, ${cameras} cameras, a segment every ~${intervalMs} ms each, ${kills} kills, seed ${seed}; in ${dir}; load average ${loadAtStart}\n`);
  const [killsDone] = await Promise.all([killer(), ...Array.from({ length: cameras }, (_, c) => camera(c))]);
  const writerEndMs = Date.now();

  // ---- drain: let the last watch finish what is there ----
  const complete = written.filter((w) => w.kind === 'renamed' || w.kind === 'slow');
  const bad = written.filter((w) => w.kind === 'truncated' || w.kind === 'text');
  const settled = (): boolean => {
    if (!fs.existsSync(db)) return false;
    const store = openStore(db, { readonly: true });
    try {
      return complete.every((w) => store.findSourceByPath(w.path)?.status === 'done') && bad.every((w) => store.findSourceByPath(w.path)?.status === 'failed');
    } finally {
      store.close();
    }
  };
  while (!settled() && Date.now() - writerEndMs < drainS * 1000) await sleep(2000);
  const drainMs = Date.now() - writerEndMs;
  watch.child?.kill('SIGTERM');
  await Promise.race([watch.exit, sleep(60_000)]);
  watch.child?.kill('SIGKILL');
  fs.writeFileSync(path.join(dir, 'watch.log'), lines.map((l) => `${new Date(l.atMs).toISOString()} [${l.instance}] ${l.text}`).join('\n'));

  // ---- accounting ----
  const okCount = new Map<string, number>();
  const takenAt = new Map<string, number>();
  for (const l of lines) {
    const ok = /^ {2}ok {6}(.+?) \(frames /.exec(l.text);
    if (ok?.[1] !== undefined) okCount.set(ok[1], (okCount.get(ok[1]) ?? 0) + 1);
    const taking = /^taking (.+?)(?: \(camera [^)]*\))?$/.exec(l.text);
    if (taking?.[1] !== undefined && !takenAt.has(taking[1])) takenAt.set(taking[1], l.atMs);
  }
  const store = openStore(db, { readonly: true });
  let once = 0;
  const lost: string[] = [];
  const duplicated: string[] = [];
  const latencies: number[] = [];
  const badRecorded: string[] = [];
  const badMissing: string[] = [];
  const reasons = new Map<string, number>();
  try {
    for (const w of complete) {
      const row = store.findSourceByPath(w.path);
      const n = okCount.get(w.path) ?? 0;
      if (row?.status !== 'done') lost.push(`${w.path} (${row === undefined ? 'no source row' : `${row.status}: ${row.error ?? ''}`})`);
      else if (n >= 2) duplicated.push(`${w.path} (completed ${n} times)`);
      else once += 1;
      const at = takenAt.get(w.path);
      if (at !== undefined) latencies.push(at - w.completeAtMs);
    }
    for (const w of bad) {
      const row = store.findSourceByPath(w.path);
      if (row?.status === 'failed' && (row.error ?? '').trim() !== '') {
        badRecorded.push(w.path);
        const key = `${w.kind}: ${(row.error ?? '').replace(w.path, '<file>').slice(0, 110)}`;
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      } else badMissing.push(`${w.path} (${row === undefined ? 'no source row' : row.status})`);
    }
  } finally {
    store.close();
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number): string => (latencies.length === 0 ? '–' : `${((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) / 1000).toFixed(1)} s`);
  const byKind = (k: Kind): number => written.filter((w) => w.kind === k).length;
  const folders = new Set(written.map((w) => path.dirname(w.path))).size;
  const rows: [string, string][] = [
    ['run', `${((writerEndMs - t0) / 60000).toFixed(1)} min writing + ${(drainMs / 1000).toFixed(0)} s drain`],
    ['files written', `${written.length} (renamed in ${byKind('renamed')}, slow writer ${byKind('slow')}, truncated ${byKind('truncated')}, text ${byKind('text')}) in ${folders} folders`],
    ['complete videos taken exactly once', `${once} of ${complete.length}`],
    ['lost', String(lost.length)],
    ['duplicated', String(duplicated.length)],
    ['bad files recorded (failed, with reason)', `${badRecorded.length} of ${bad.length}`],
    ['latency complete -> taken', `worst ${q(1)}, p95 ${q(0.95)}, median ${q(0.5)} (${latencies.length} files)`],
    ['SIGKILLs / watch starts', `${killsDone} / ${instance}`],
    ['load average (1, 5, 15 min)', `start ${loadAtStart}; end ${loadavg()}`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`\n${rows.map(([k, v]) => `${k.padEnd(w0)}  ${v}`).join('\n')}\n`);
  if (reasons.size > 0) process.stdout.write(`\nbad-file reasons:\n${[...reasons].map(([r, n]) => `  ${n} x ${r}`).join('\n')}\n`);
  for (const [title, list] of [['lost', lost], ['duplicated', duplicated], ['bad files not recorded', badMissing]] as const) {
    if (list.length > 0) process.stdout.write(`\n${title}:\n${list.map((l) => `  ${l}`).join('\n')}\n`);
  }
  process.stdout.write(`\nwatch log: ${path.join(dir, 'watch.log')}\n`);
  if (!keep && lost.length === 0 && duplicated.length === 0 && badMissing.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  process.exitCode = lost.length === 0 && duplicated.length === 0 && badMissing.length === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
