import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { BackendError, FasrError, InputError, type FaceCrop } from '../../../../src/contracts';
import { createFaceEmbedder, createWorkerFaceEmbedder, type FaceEmbedder, type WorkerFaceEmbedder } from '../../../../src/fuse/embedders';
import { initBackend } from '../../../../src/runtime/backend';

const GLINT = path.resolve(__dirname, '../../../../../shared/data/faces/glint360k-24ids/images');
const IDS = ['Barack_Obama', 'Halle_Berry'];

jest.setTimeout(180000); // a thread loads its own tfjs backend and model on a loaded 2-core machine

async function loadCrop(file: string): Promise<FaceCrop> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

/**
 * The embedder in a worker thread (`embed.worker`) gives exactly the vectors of the same embedder
 * in the calling thread, on the same backend, with the calling thread's crops left as they were.
 */
describe('WorkerFaceEmbedder on glint360k crops (wasm)', () => {
  const crops: FaceCrop[] = [];
  let inline: FaceEmbedder;
  let worker: WorkerFaceEmbedder;

  beforeAll(async () => {
    await initBackend('wasm');
    for (const id of IDS) {
      const files = fs.readdirSync(path.join(GLINT, id)).filter((f) => f.endsWith('.png')).sort().slice(0, 3);
      for (const f of files) crops.push(await loadCrop(path.join(GLINT, id, f)));
    }
    inline = await createFaceEmbedder('faceres');
    worker = await createWorkerFaceEmbedder('faceres', {}, 'wasm');
  }, 180000);

  afterAll(async () => {
    await Promise.all([inline?.close(), worker?.close()]);
  });

  it('gives the same faceres vectors as the in-thread embedder, bit for bit, and leaves the crops as they were', async () => {
    const before = crops.map((c) => Buffer.from(c.rgb));
    const a = await inline.embed(crops);
    const b = await worker.embed(crops);
    expect(worker.id).toBe(inline.id);
    expect(worker.dim).toBe(1024);
    expect(worker.inputSizePx).toBe(inline.inputSizePx);
    expect(b).toHaveLength(crops.length);
    b.forEach((v, i) => expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from((a[i] as Float32Array).buffer, (a[i] as Float32Array).byteOffset, (a[i] as Float32Array).byteLength))).toBe(true));
    crops.forEach((c, i) => expect(Buffer.from(c.rgb).equals(before[i] as Buffer)).toBe(true));
    expect(worker.computeMs).toBeGreaterThan(0);
  });

  it('answers requests in order and refuses more than maxPending waiting at once', async () => {
    const one = worker.embed(crops.slice(0, 1));
    const two = worker.embed(crops.slice(1, 3));
    await expect(worker.embed(crops.slice(0, 1))).rejects.toThrow(/2 requests are waiting, the most allowed is 2/);
    const [r1, r2] = await Promise.all([one, two]);
    expect(r1).toHaveLength(1);
    expect(r2).toHaveLength(2);
    expect(worker.pendingCount).toBe(0);
    expect(await worker.embed([])).toEqual([]);
  });

  it('refuses a malformed crop in the calling thread, naming it', async () => {
    const bad = { width: 4, height: 4, rgb: new Uint8Array(5) };
    await expect(worker.embed([crops[0] as FaceCrop, bad])).rejects.toThrow(InputError);
    await expect(worker.embed([crops[0] as FaceCrop, bad])).rejects.toThrow(/crops\[1\]: rgb must be a Uint8Array of width\*height\*3 = 48 bytes/);
  });
});

describe('createWorkerFaceEmbedder failures', () => {
  it('reports why the thread could not create the embedder', async () => {
    await expect(createWorkerFaceEmbedder('arcface', {}, 'wasm')).rejects.toThrow(BackendError);
    await expect(createWorkerFaceEmbedder('arcface', {}, 'wasm')).rejects.toThrow(/embedder thread could not create "arcface" on backend wasm: embedder: expected one of faceres, dlib-resnet, lbp/);
  });

  it('refuses a bad maxPending before starting a thread', async () => {
    await expect(createWorkerFaceEmbedder('lbp', {}, 'cpu', 0)).rejects.toThrow(/maxPending must be an integer >= 1, received 0/);
  });

  it('embeds nothing after close', async () => {
    const w = await createWorkerFaceEmbedder('lbp', {}, 'cpu');
    await w.close();
    await w.close();
    await expect(w.embed([{ width: 8, height: 8, rgb: new Uint8Array(192) }])).rejects.toThrow(FasrError);
    await expect(w.embed([{ width: 8, height: 8, rgb: new Uint8Array(192) }])).rejects.toThrow(/embed called after close\(\)/);
  });
});
