import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError } from '../../../src/contracts';
import { readModelArtifacts } from '../../../src/models-runtime';

describe('readModelArtifacts', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-model-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const weights = [
    { name: 'a', shape: [2, 3], dtype: 'float32' },
    { name: 'q', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
  ];

  it('reads a graph-model json and concatenates its shards', () => {
    fs.writeFileSync(path.join(dir, 'w1.bin'), Buffer.alloc(24, 1));
    fs.writeFileSync(path.join(dir, 'w2.bin'), Buffer.from([0, 1, 2, 3]));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [{ paths: ['w1.bin', 'w2.bin'], weights }] }));
    const art = readModelArtifacts(path.join(dir, 'model.json'));
    expect(art.format).toBe('graph-model');
    expect(art.modelTopology).toEqual({ node: [] });
    expect(art.weightSpecs?.map((w) => w.name)).toEqual(['a', 'q']);
    const data = new Uint8Array(art.weightData as ArrayBuffer);
    expect(data.length).toBe(28);
    expect(Array.from(data.slice(24))).toEqual([0, 1, 2, 3]);
  });

  it('reads a bare weights-manifest array (face-api layout)', () => {
    fs.writeFileSync(path.join(dir, 'm.bin'), Buffer.alloc(28));
    fs.writeFileSync(path.join(dir, 'm-weights_manifest.json'), JSON.stringify([{ paths: ['m.bin'], weights }]));
    const art = readModelArtifacts(path.join(dir, 'm-weights_manifest.json'));
    expect(art.modelTopology).toBeUndefined();
    expect(art.weightSpecs).toHaveLength(2);
  });

  it('throws CheckpointError for a shard of the wrong size, a missing shard, a missing file, bad JSON', () => {
    fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(27));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['w.bin'], weights }] }));
    expect(() => readModelArtifacts(path.join(dir, 'model.json'))).toThrow(/weight shards w\.bin hold 27 bytes, the manifest declares 28/);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['nope.bin'], weights }] }));
    expect(() => readModelArtifacts(path.join(dir, 'model.json'))).toThrow(/weight shard .*nope\.bin could not be read/);
    expect(() => readModelArtifacts(path.join(dir, 'absent.json'))).toThrow(CheckpointError);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{');
    expect(() => readModelArtifacts(path.join(dir, 'bad.json'))).toThrow(/not valid JSON/);
    fs.writeFileSync(path.join(dir, 'empty.json'), '{}');
    expect(() => readModelArtifacts(path.join(dir, 'empty.json'))).toThrow(/expected a non-empty weightsManifest array/);
  });
});
