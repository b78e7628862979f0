/**
 * docs/results.md from committed results (issue 20 item 4): every section is a `fasr eval` run
 * named in docs/results/runs.json; its results.json (without the ROC point lists, with the commit
 * it ran at) is committed as docs/results/<name>.json, and the Markdown is generated from those
 * files by formatResultsDoc (test/unit/eval/results-doc.test.ts checks that the committed page is
 * exactly what the JSON gives).
 *
 * Run: node -r ts-node/register/transpile-only scripts/results-doc.ts --run all|none|<name,name>
 *   all: run every section (in runs.json order), writing each JSON as soon as it finishes, then
 *   the page; <names>: only those; none: only rewrite docs/results.md from the committed JSON.
 *   Full outputs (results.md, roc.png, samples.png) go to out/results/<name>/.
 * A new bundled model is one command: `--run all`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { formatResultsDoc, parseResultsDocSpec } from '../src/eval';
import type { CommittedEvalResults } from '../src/eval';

const ROOT = path.resolve(__dirname, '..');
const SPEC = path.join(ROOT, 'docs/results/runs.json');
const PAGE = path.join(ROOT, 'docs/results.md');

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

/** results.json as committed: the ROC point lists dropped (they are in out/results/<name>/results.json and roc.png). */
function committable(raw: Record<string, unknown>, commit: string, dirty: boolean): Record<string, unknown> {
  const results = raw.results as Record<string, { recognition: Record<string, Record<string, unknown>> }>;
  const stripped = Object.fromEntries(
    Object.entries(results).map(([m, r]) => [m, { ...r, recognition: Object.fromEntries(Object.entries(r.recognition).map(([e, g]) => [e, { ...g, roc: [] }])) }]),
  );
  return { ...raw, results: stripped, commit, dirty };
}

async function main2(): Promise<void> {
  const i = process.argv.indexOf('--run');
  const which = i >= 0 ? process.argv[i + 1] : undefined;
  if (which === undefined) throw new Error('usage: scripts/results-doc.ts --run all|none|<name,name,...>');
  const spec = parseResultsDocSpec(JSON.parse(fs.readFileSync(SPEC, 'utf8')), SPEC);
  const names = spec.sections.map((s) => s.name);
  const toRun = which === 'all' ? names : which === 'none' ? [] : which.split(',');
  for (const n of toRun) if (!names.includes(n)) throw new Error(`--run: unknown section ${JSON.stringify(n)}; sections: ${names.join(', ')}`);
  // The code this process runs is the code at its start: record that commit (and whether the tree
  // differed from it, results files aside) once, whatever is committed while it runs.
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs/results.md', ':!docs/results']) !== '';
  for (const name of toRun) {
    const sec = spec.sections.find((s) => s.name === name);
    if (sec === undefined) continue;
    const outDir = path.join('out/results', name);
    console.error(`== ${name}: fasr eval ${sec.args.join(' ')} --out ${outDir} (commit ${commit.slice(0, 12)}${dirty ? ', dirty' : ''})`);
    const code = await main(['eval', ...sec.args, '--out', outDir]);
    if (code !== 0) throw new Error(`${name}: fasr eval exited with ${code}`);
    const raw = JSON.parse(fs.readFileSync(path.join(ROOT, outDir, 'results.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(ROOT, 'docs/results', `${name}.json`), `${JSON.stringify(committable(raw, commit, dirty), null, 1)}\n`);
    writePage(spec);
  }
  writePage(spec);
}

function writePage(spec: ReturnType<typeof parseResultsDocSpec>): void {
  const results: Record<string, CommittedEvalResults> = {};
  for (const s of spec.sections) {
    const f = path.join(ROOT, 'docs/results', `${s.name}.json`);
    if (fs.existsSync(f)) results[s.name] = JSON.parse(fs.readFileSync(f, 'utf8')) as CommittedEvalResults;
  }
  fs.writeFileSync(PAGE, formatResultsDoc(spec, results));
  console.error(`written ${path.relative(ROOT, PAGE)} (${Object.keys(results).length} of ${spec.sections.length} sections with results)`);
}

main2().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
