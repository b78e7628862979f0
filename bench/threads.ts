/**
 * The pipeline's worker threads against the pipeline in one thread, back to back on one machine:
 * 'serial' (`embed.worker` and `smallFaces.worker` false: every model in the pipeline's thread),
 * 'embed' (the embedder in its own thread: the default), 'both' (the embedder and the small-face
 * pass's SSD in their own threads).
 *   npm run bench:threads                       (2 rounds; hamilton and a 5-minute night)
 *   npm run bench:threads -- --rounds 3 --minutes 10
 * Each round runs `bench:ingest --clips hamilton --skip-long --warmup` and `bench:night --minutes N`
 * once with each setting, each in a fresh process (so peak RSS is the setting's own), and prints
 * one markdown table: x realtime, tracks, event recall (night), peak RSS, the 1-minute load average
 * when the run ended, and the process's CPU seconds (hamilton). The order of the settings is
 * reversed every other round, so a load that drifts favours none.
 * Options: --rounds N (default 2), --minutes N (night length, default 5), --skip-night, --skip-hamilton.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';

/** The settings compared, by label. */
const SETTINGS = [
  { label: 'serial', config: { embed: { worker: false }, smallFaces: { worker: false } } },
  { label: 'embed (default)', config: { embed: { worker: true }, smallFaces: { worker: false } } },
  { label: 'both', config: { embed: { worker: true }, smallFaces: { worker: true } } },
] as const;

interface Row {
  readonly bench: string;
  readonly worker: string;
  readonly round: number;
  readonly xRealtime: number;
  readonly tracks: number;
  readonly recall: string;
  readonly peakRssMb: number;
  readonly load: string;
  readonly cpuS: string;
}

function argValue(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name}: a value is required`);
  return v;
}

function runBench(script: string, args: readonly string[]): string {
  const file = path.join(__dirname, script);
  return execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', file, ...args], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8', maxBuffer: 64 << 20 });
}

function numbers(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}

/** The hamilton row of bench:ingest: clip, video s, frames, faces, tracks, wall s, frames/s, x realtime, peak RSS MB, CPU s, load. */
function parseIngest(out: string, worker: string, round: number): Row {
  const line = out.split('\n').find((l) => l.trim().startsWith('hamilton 640x360'));
  if (line === undefined) throw new Error(`bench:ingest printed no hamilton row:\n${out}`);
  const c = numbers(line);
  return { bench: 'hamilton 640x360 (9.2 s)', worker, round, xRealtime: Number(c[7]), tracks: Number(c[4]), recall: '-', peakRssMb: Number(c[8]), load: c[10] ?? '-', cpuS: c[9] ?? '-' };
}

/** bench:night: the row under "video s  frames  detected ...", the recall line, the RSS "end" row, the load at the end. */
function parseNight(out: string, worker: string, round: number, minutes: number): Row {
  const lines = out.split('\n');
  const h = lines.findIndex((l) => /video s\s+frames\s+detected/.test(l));
  const c = numbers(lines[h + 1] ?? '');
  const recall = /event recall: (\d+\/\d+)/.exec(out)?.[1];
  const end = lines.find((l) => l.trim().startsWith('end '));
  const load = /load average at end ([\d.]+)/.exec(out)?.[1];
  if (h < 0 || recall === undefined || end === undefined || load === undefined) throw new Error(`bench:night printed no result:\n${out}`);
  return { bench: `night ${minutes} min 1280x720`, worker, round, xRealtime: Number(c[6]), tracks: Number(c[4]), recall, peakRssMb: Number(numbers(end)[2]), load, cpuS: '-' };
}

function main(): void {
  const args = process.argv.slice(2);
  const known = ['--rounds', '--minutes', '--skip-night', '--skip-hamilton'];
  for (const a of args) if (a.startsWith('--') && !known.includes(a)) throw new Error(`unknown option ${a}; valid: ${known.join(', ')}`);
  const rounds = Number(argValue(args, '--rounds', '2'));
  const minutes = Number(argValue(args, '--minutes', '5'));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected an integer >= 1, received ${rounds}`);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes: expected a number > 0, received ${minutes}`);
  const rows: Row[] = [];
  console.log(`threads: ${SETTINGS.map((x) => `${x.label} ${JSON.stringify(x.config)}`).join(', ')}; ${rounds} round(s); ${os.cpus().length} CPU cores; load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? SETTINGS : [...SETTINGS].reverse();
    for (const setting of order) {
      const config = JSON.stringify(setting.config);
      if (!args.includes('--skip-hamilton')) {
        const r = parseIngest(runBench('ingest.ts', ['--clips', 'hamilton', '--skip-long', '--warmup', '--config', config]), setting.label, round);
        rows.push(r);
        console.log(`round ${round}, ${setting.label}: ${r.bench} ${r.xRealtime}x, CPU ${r.cpuS} s, load ${r.load}`);
      }
      if (!args.includes('--skip-night')) {
        const r = parseNight(runBench('night.ts', ['--minutes', String(minutes), '--config', config]), setting.label, round, minutes);
        rows.push(r);
        console.log(`round ${round}, ${setting.label}: ${r.bench} ${r.xRealtime}x, recall ${r.recall}, load ${r.load}`);
      }
    }
  }
  console.log('');
  console.log('| input | round | threads | x realtime | tracks | event recall | peak RSS MB | CPU s | load (1 min) |');
  console.log('|---|---:|---|---:|---:|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.bench} | ${r.round} | ${r.worker} | ${r.xRealtime.toFixed(2)} | ${r.tracks} | ${r.recall} | ${r.peakRssMb} | ${r.cpuS} | ${r.load} |`);
  console.log('');
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
  };
  console.log(`| input | ${SETTINGS.map((x) => `${x.label}, x realtime (median)`).join(' | ')} | ${SETTINGS.slice(1).map((x) => `${x.label} / serial`).join(' | ')} |`);
  console.log(`|---|${SETTINGS.map(() => '---:').join('|')}|${SETTINGS.slice(1).map(() => '---:').join('|')}|`);
  for (const bench of [...new Set(rows.map((r) => r.bench))]) {
    const med = SETTINGS.map((x) => median(rows.filter((r) => r.bench === bench && r.worker === x.label).map((r) => r.xRealtime)));
    const base = med[0] ?? NaN;
    console.log(`| ${bench} | ${med.map((m) => m.toFixed(2)).join(' | ')} | ${med.slice(1).map((m) => (m / base).toFixed(2)).join(' | ')} |`);
  }
}

main();
