import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipelineFile, parsePipeline } from '../../../pipelines';
import { ConfigError } from '../../../src/contracts';

const REPO = path.resolve(__dirname, '../../..');

describe('pipeline files', () => {
  it.each(['overnight.json', 'nvr-watch.json', 'export.json', 'demo.json'])('pipelines/%s is valid', (name) => {
    const spec = loadPipelineFile(path.join(REPO, 'pipelines', name));
    expect(spec.name).toBe(name.replace('.json', ''));
    expect(path.isAbsolute(spec.db)).toBe(true);
  });

  it('resolves relative paths from the pipeline file folder, whatever the working directory', () => {
    const spec = parsePipeline({ kind: 'batch', db: 'x.sqlite', inputs: ['clips', '/abs/*.mp4'], export: { out: 'out' } }, 'p.json', '/base/dir');
    expect(spec.kind).toBe('batch');
    if (spec.kind !== 'batch') throw new Error('unreachable');
    expect(spec.db).toBe('/base/dir/x.sqlite');
    expect(spec.inputs).toEqual(['/base/dir/clips', '/abs/*.mp4']);
    expect(spec.export?.out).toBe('/base/dir/out');
    expect(spec.process.decode.fps).toBe(5);
  });

  it('names the file and the JSON path of each problem: unknown keys, wrong types, bad kind', () => {
    const f = 'pipelines/bad.json';
    expect(() => parsePipeline({ kind: 'batch', inputs: ['a'], forse: true }, f, '/')).toThrow(`invalid pipeline file: ${f}: $: unknown key(s) "forse"`);
    expect(() => parsePipeline({ kind: 'batch', inputs: [3] }, f, '/')).toThrow(`${f}: $.inputs[0]: Expected string, received number`);
    expect(() => parsePipeline({ kind: 'watch', folders: ['a'], watch: { stabilityMs: 10 } }, f, '/')).toThrow(
      `${f}: $.watch.stabilityMs: Number must be greater than or equal to 50`,
    );
    expect(() => parsePipeline({ kind: 'watch', folders: ['a'], watch: { stabilty: 10 } }, f, '/')).toThrow(`${f}: $.watch: unknown key(s) "stabilty"`);
    expect(() => parsePipeline({ kind: 'nightly' }, f, '/')).toThrow(`${f}: $.kind: expected one of batch, watch, export`);
    expect(() => parsePipeline({ kind: 'export', out: 'o', since: 'yesterday' }, f, '/')).toThrow(`${f}: $.since: must be an ISO 8601 date or time with a zone`);
    expect(() => parsePipeline({ kind: 'batch', inputs: [] }, f, '/')).toThrow(`${f}: $.inputs: must list at least one path`);
  });

  it('checks the process section with the pipeline config parser and says where', () => {
    expect(() => parsePipeline({ kind: 'batch', inputs: ['a'], process: { decode: { fps: 0 } } }, 'p.json', '/')).toThrow(ConfigError);
    expect(() => parsePipeline({ kind: 'batch', inputs: ['a'], process: { decode: { fps: 0 } } }, 'p.json', '/')).toThrow(/^invalid pipeline file: p\.json: \$\.process: invalid process config: decode\.fps/);
  });

  it("parses the SR section's sampling once, when the file is read, naming the file and the option", () => {
    const spec = parsePipeline({ kind: 'batch', inputs: ['a'], sr: { sampler: 'heun', steps: 4 } }, 'p.json', '/');
    if (spec.kind !== 'batch' || spec.sr === null) throw new Error('unreachable');
    expect(spec.sr.sampling).toEqual({ sampler: 'heun', steps: 4 });
    expect(spec.sr.samplingConfig.label).toBe('heun(steps=4,rho=7,sChurn=0,sTmin=0,sTmax=null,sNoise=1)');
    expect(() => parsePipeline({ kind: 'batch', inputs: ['a'], sr: { sampler: 'heun', snr: 0.2 } }, 'p.json', '/')).toThrow(
      /^invalid pipeline file: p\.json: \$\.sr \(heun\): unknown option "snr"/,
    );
  });

  it('reports unreadable files and JSON syntax errors naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-pipeline-'));
    try {
      const bad = path.join(dir, 'broken.json');
      fs.writeFileSync(bad, '{ "kind": "batch", ');
      expect(() => loadPipelineFile(bad)).toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON \\(`));
      expect(() => loadPipelineFile(path.join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the pipeline file \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
