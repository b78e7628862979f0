/**
 * docs/results.md is generated (issue 20 item 4): it must be exactly what formatResultsDoc makes
 * of docs/results/runs.json and the committed docs/results/<section>.json, and every committed
 * result must carry its command, commit, model sha256 and wall time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatResultsDoc, parseResultsDocSpec } from '../../../src/eval';
import type { CommittedEvalResults } from '../../../src/eval';

const DOCS = path.resolve(__dirname, '../../../docs');
const SPEC_FILE = path.join(DOCS, 'results/runs.json');

describe('docs/results.md', () => {
  const spec = parseResultsDocSpec(JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8')), SPEC_FILE);
  const results: Record<string, CommittedEvalResults> = {};
  for (const s of spec.sections) {
    const f = path.join(DOCS, 'results', `${s.name}.json`);
    if (fs.existsSync(f)) results[s.name] = JSON.parse(fs.readFileSync(f, 'utf8')) as CommittedEvalResults;
  }

  it('covers the four shared datasets, each section a fasr eval command', () => {
    const datasets = spec.sections.map((s) => s.args[s.args.indexOf('--dataset') + 1]);
    for (const d of ['fasr-samples', 'celeba-wild-ids', 'glint360k-24ids', 'att-orl-faces']) expect(datasets.some((x) => x?.includes(`/faces/${d}`))).toBe(true);
  });

  it('equals what the committed results JSON gives (regenerate: scripts/results-doc.ts --run none)', () => {
    expect(fs.readFileSync(path.join(DOCS, 'results.md'), 'utf8')).toBe(formatResultsDoc(spec, results));
  });

  it('every committed result names its command, commit, model sha256 and wall time, and was run with its section\'s arguments', () => {
    for (const [name, r] of Object.entries(results)) {
      const sec = spec.sections.find((s) => s.name === name);
      expect(r.format).toBe('fasr-eval');
      expect(r.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(r.command).toBe(`fasr eval ${sec?.args.join(' ')} --out out/results/${name}`);
      expect(r.wallTimeMs).toBeGreaterThan(0);
      if (r.config.methods.some((m) => m !== 'bicubic' && m !== 'hr' && m !== 'esrgan')) expect(r.model?.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('a missing section says so and how to make it; the spec is validated', () => {
    const md = formatResultsDoc(spec, {});
    expect(md).toContain(`*Not run yet* (\`docs/results/${spec.sections[0]?.name}.json\` is missing)`);
    expect(() => parseResultsDocSpec({ ...spec, sections: [{ ...spec.sections[0], args: ['--out', 'x'] }] }, 'runs.json')).toThrow('runs.json: sections[0].args: --out is added by the script');
    expect(() => parseResultsDocSpec({ ...spec, format: 'x' }, 'runs.json')).toThrow('runs.json: format: expected "fasr-results-doc", received "x"');
  });
});
