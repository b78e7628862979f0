/** src/ is a library that stands on its own: package.json's `main` exposes every stage module (the CLI aside) without the composition layer. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lib from '../../../src';

const SRC = path.resolve(__dirname, '../../../src');
const NAMES: Readonly<Record<string, string>> = { 'models-runtime': 'modelsRuntime', export: 'exporter', eval: 'evaluation' };

describe('the library entry (src/index.ts)', () => {
  it('exposes each stage module under src/ as a namespace with everything its index.ts exports', async () => {
    const stages = fs.readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'cli').map((d) => d.name);
    expect(stages.length).toBeGreaterThanOrEqual(11);
    for (const stage of stages) {
      const ns = (lib as unknown as Record<string, Record<string, unknown>>)[NAMES[stage] ?? stage];
      expect({ stage, exported: ns !== undefined }).toEqual({ stage, exported: true });
      const own = (await import(path.join(SRC, stage))) as Record<string, unknown>;
      expect(Object.keys(ns ?? {}).sort()).toEqual(Object.keys(own).sort());
    }
    expect(typeof lib.InputError).toBe('function'); // the foundation's error classes at the top
  }, 60_000);

  it('is what package.json names as main (compiled to dist/)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(SRC, '../package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/src/index.js');
  });
});
