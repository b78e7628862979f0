/**
 * Draws the layers of the code (README "Architecture") into docs/img/layers.svg from the imports
 * themselves: dependency-cruiser over src/ and pipelines/ with the project's rules
 * (.dependency-cruiser.cjs), each stage collapsed to its folder, one row per layer (bin → src/cli →
 * pipelines/ → the stage modules → the foundation), laid out by Graphviz `dot` (apt install
 * graphviz). Every module may import the foundation (src/contracts.ts, src/validate.ts); those
 * edges are left out of the picture and said in its caption. An edge that breaks a rule is red.
 *
 *   node -r ts-node/register/transpile-only scripts/draw-layers.ts [--out docs/img/layers.svg]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
/** One node per stage folder (src/<stage>), per composition folder (pipelines/batch, pipelines/queue, the rest of pipelines/) and per foundation file. */
const COLLAPSE = '^(src/[^/]+|pipelines/(batch|queue)|pipelines)';
const FOUNDATION = new Set(['src/contracts.ts', 'src/validate.ts']);

interface CruiseModule {
  readonly source: string;
  readonly dependencies: readonly { readonly resolved: string; readonly valid: boolean }[];
}

/** The row (rank) of a collapsed node: 0 bin, 1 cli, 2 composition, 3 stages, 4 foundation. */
function layerOf(node: string): number {
  if (node === 'bin') return 0;
  if (node === 'src/cli') return 1;
  if (node.startsWith('pipelines')) return 2;
  if (FOUNDATION.has(node)) return 4;
  return 3;
}

function label(node: string): string {
  if (node === 'pipelines') return 'pipelines/\\n(process, SR of stored tracks, withRun)';
  return node.replace(/^src\//, '');
}

export function layersDot(modules: readonly CruiseModule[]): string {
  const nodes = new Set<string>(['bin']);
  const edges = new Map<string, boolean>();
  for (const m of modules) {
    nodes.add(m.source);
    for (const d of m.dependencies) {
      if (!/^(src|pipelines)/.test(d.resolved) || d.resolved === m.source) continue;
      nodes.add(d.resolved);
      if (FOUNDATION.has(d.resolved) && !FOUNDATION.has(m.source)) continue;
      const key = `${m.source}\t${d.resolved}`;
      edges.set(key, (edges.get(key) ?? true) && d.valid);
    }
  }
  edges.set('bin\tsrc/cli', true); // bin/fasr.js loads the compiled CLI (dist/src/cli/main.js)
  const rows = ['bin', 'CLI: arguments, progress, exit codes', 'composition layer', 'stage modules (a library: each used through its index.ts)', 'foundation (imported by all)'];
  const lines = [
    'digraph layers {',
    '  rankdir=TB; newrank=true; nodesep=0.25; ranksep=0.9;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, fillcolor="#fff8dc"];',
    '  edge [color="#00000055", arrowsize=0.6];',
    '  labelloc=b; fontname="Helvetica"; fontsize=10;',
    '  label="Arrows: imports (from dependency-cruiser, collapsed per folder). Imports of the foundation are left out: every module may use it. Red: an import that breaks a rule of .dependency-cruiser.cjs.";',
  ];
  for (const [i, row] of rows.entries()) {
    const members = [...nodes].filter((n) => layerOf(n) === i).sort();
    lines.push(`  subgraph cluster_${i} { label="${row}"; style="dashed"; color="#999999"; fontsize=10;`);
    lines.push(`    { rank=same; ${members.map((n) => `"${n}" [label="${label(n)}"${i === 4 ? ', fillcolor="#e0f4ff"' : i <= 1 ? ', fillcolor="#e6ffe6"' : i === 2 ? ', fillcolor="#ffe8d6"' : ''}]`).join('; ')} }`);
    lines.push('  }');
  }
  for (const [key, valid] of [...edges].sort()) {
    const [from, to] = key.split('\t');
    lines.push(`  "${from}" -> "${to}"${valid ? '' : ' [color="red", penwidth=2]'};`);
  }
  // keep the foundation in the bottom row, below the stages, though its edges are not drawn
  const anchor = [...nodes].filter((n) => layerOf(n) === 3).sort()[0];
  if (anchor !== undefined) for (const f of [...nodes].filter((n) => layerOf(n) === 4)) lines.push(`  "${anchor}" -> "${f}" [style=invis];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function main(): void {
  const i = process.argv.indexOf('--out');
  const out = path.resolve(ROOT, i >= 0 ? (process.argv[i + 1] ?? '') : 'docs/img/layers.svg');
  const cli = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  let json: string;
  try {
    json = execFileSync(process.execPath, [cli, 'src', 'pipelines', '--config', '.dependency-cruiser.cjs', '--include-only', '^(src|pipelines)/', '--output-type', 'json', '--collapse', COLLAPSE], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (err) {
    json = (err as { stdout?: string }).stdout ?? ''; // violations make the exit code non-zero; the picture shows them in red
    if (json === '') throw err;
  }
  const modules = (JSON.parse(json) as { modules: CruiseModule[] }).modules;
  let svg: string;
  try {
    svg = execFileSync('dot', ['-Tsvg'], { input: layersDot(modules), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    throw new Error(`draw-layers: Graphviz 'dot' failed (install it: apt install graphviz): ${(err as Error).message}`);
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, svg);
  console.log(`wrote ${path.relative(ROOT, out)} (${modules.length} nodes)`);
}

if (require.main === module) main();
