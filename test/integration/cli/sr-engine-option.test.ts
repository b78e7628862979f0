/**
 * The SR engine choice of the commands that enhance in bulk (issue 20 item 9): `batch --sr` and
 * pipeline files default to the fastest installed engine (onnx: onnxruntime-node is a dependency),
 * `--sr-engine` chooses another, and a bad value stops the command before anything is opened.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePipeline } from '../../../pipelines';
import { main, type CliIo } from '../../../src/cli/main';

function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), stdout: () => out, stderr: () => err };
}

describe('SR engine of batch runs', () => {
  it('a pipeline file without "engine" gets the fastest installed one (onnx)', () => {
    const spec = parsePipeline({ kind: 'batch', db: 'x.sqlite', inputs: ['clips'], sr: { model: null } }, 'p.json', '/base');
    if (spec.kind !== 'batch' || spec.sr === null) throw new Error('expected a batch spec with sr');
    expect(spec.sr.engine).toBe('onnx');
    const tfjs = parsePipeline({ kind: 'batch', db: 'x.sqlite', inputs: ['clips'], sr: { model: null, engine: 'tfjs' } }, 'p.json', '/base');
    expect(tfjs.kind === 'batch' && tfjs.sr?.engine).toBe('tfjs');
  });

  it('batch --sr-engine: an unknown engine is refused before the store is opened', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-sr-engine-'));
    try {
      const db = path.join(dir, 'b.sqlite');
      const io = capture();
      expect(await main(['batch', path.join(dir, 'clips'), '--db', db, '--sr', '--sr-engine', 'torch', '--backend', 'wasm'], io)).toBe(1);
      expect(io.stderr()).toBe('fasr: --sr-engine: expected one of auto, onnx, tfjs, received "torch"\n');
      expect(fs.existsSync(db)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
