/**
 * The architecture rules (.dependency-cruiser.cjs, README "Architecture") hold for the code, and
 * each rule catches a tree that breaks it on purpose (fixtures/broken-layers).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const CLI = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

/** Runs dependency-cruiser over `dirs` of `cwd` with the project's rules; its JSON report's violations. */
function violations(cwd: string, dirs: readonly string[]): Violation[] {
  let out: string;
  try {
    out = execFileSync(process.execPath, [CLI, ...dirs, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  } catch (err) {
    // exit code = number of errors; the report is still on stdout
    out = (err as { stdout?: string }).stdout ?? '';
    if (out === '') throw err;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('architecture rules', () => {
  it('hold for src/, pipelines/ and bin/: no cycles, stages below the composition layer, compute stages without the store, cross-stage imports through index.ts', () => {
    const found = violations(ROOT, ['src', 'pipelines', 'bin']);
    expect(found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 120_000);

  it('catch each rule broken on purpose', () => {
    const found = violations(path.join(__dirname, 'fixtures/broken-layers'), ['src', 'pipelines']);
    const seen = found.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(seen).toEqual(
      [
        'compute-not-store: src/sr/enhance.ts → src/store/rows.ts',
        'cross-stage-through-index: src/sr/enhance.ts → src/store/rows.ts',
        'foundation-imports-nothing: src/validate.ts → pipelines/run.ts',
        'no-circular: src/fuse/fold.ts → src/fuse/mean.ts',
        'pipelines-through-index: pipelines/run.ts → src/fuse/fold.ts',
        'stage-not-above: src/store/rows.ts → pipelines/run.ts',
      ].sort(),
    );
  }, 60_000);
});
