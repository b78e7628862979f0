import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { CheckpointError, type FaceCrop } from '../../../../src/contracts';
import { cosineSimilarity } from '../../../../src/fuse';
import {
  createDlibResnetEmbedder,
  createFaceEmbedder,
  createFaceresEmbedder,
  faceApiModelDir,
  type FaceEmbedder,
} from '../../../../src/fuse/embedders';
import { initBackend } from '../../../../src/runtime/backend';

const GLINT = path.resolve(__dirname, '../../../../../shared/data/faces/glint360k-24ids/images');
const IDS = ['Barack_Obama', 'Daniel_Radcliffe', 'Drew_Barrymore', 'Halle_Berry'];
const PER_ID = 3;

async function loadCrop(file: string): Promise<FaceCrop> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

/** Mean cosine of same-identity pairs and of different-identity pairs. */
function meanCosines(desc: readonly Float32Array[], labels: readonly string[]): { same: number; diff: number } {
  let same = 0;
  let nSame = 0;
  let diff = 0;
  let nDiff = 0;
  for (let i = 0; i < desc.length; i++) {
    for (let j = i + 1; j < desc.length; j++) {
      const c = cosineSimilarity(desc[i] as Float32Array, desc[j] as Float32Array);
      if (labels[i] === labels[j]) {
        same += c;
        nSame++;
      } else {
        diff += c;
        nDiff++;
      }
    }
  }
  return { same: same / nSame, diff: diff / nDiff };
}

describe('face embedders on glint360k crops (wasm)', () => {
  const crops: FaceCrop[] = [];
  const labels: string[] = [];

  beforeAll(async () => {
    await initBackend('wasm');
    for (const id of IDS) {
      const files = fs.readdirSync(path.join(GLINT, id)).filter((f) => f.endsWith('.png')).sort().slice(0, PER_ID);
      for (const f of files) {
        crops.push(await loadCrop(path.join(GLINT, id, f)));
        labels.push(id);
      }
    }
    expect(crops).toHaveLength(IDS.length * PER_ID);
  });

  /** `margin`: how much higher the mean same-identity cosine must be (cosines of LBP and of dlib's uncentred descriptors crowd together: about 0.63 vs 0.66 and 0.91 vs 0.95 here; faceres spreads them). */
  async function checkEmbedder(e: FaceEmbedder, dim: number, idPattern: RegExp, margin: number): Promise<void> {
    expect(e.dim).toBe(dim);
    expect(e.id).toMatch(idPattern);
    const before = tf.memory().numTensors;
    const d1 = await e.embed(crops);
    const d2 = await e.embed(crops.slice(0, 2));
    expect(tf.memory().numTensors).toBe(before);
    expect(d1).toHaveLength(crops.length);
    for (const d of d1) {
      expect(d).toBeInstanceOf(Float32Array);
      expect(d).toHaveLength(dim);
      let sq = 0;
      for (const v of d) sq += v * v;
      expect(Math.sqrt(sq)).toBeCloseTo(1, 4);
    }
    // deterministic, and independent of the batch a crop is in (float tolerance: batched convolutions may sum in another order)
    for (let i = 0; i < 2; i++) {
      const a = d1[i] as Float32Array;
      const b = d2[i] as Float32Array;
      for (let k = 0; k < dim; k++) expect(Math.abs((a[k] as number) - (b[k] as number))).toBeLessThan(1e-5);
    }
    const { same, diff } = meanCosines(d1, labels);
    expect(same).toBeGreaterThan(diff + margin);
    // an empty batch is an empty answer, not an error
    expect(await e.embed([])).toEqual([]);
  }

  it('faceres: 1024-d, unit norm, deterministic, same identity closer than different', async () => {
    const e = await createFaceresEmbedder({ batchSize: 5 });
    try {
      await checkEmbedder(e, 1024, /^human-faceres@3\.\d+\.\d+$/, 0.2);
    } finally {
      await e.close();
    }
    await expect(e.embed(crops)).rejects.toThrow(/embed called after close\(\)/);
  });

  it('lbp baseline: same identity closer than different on aligned crops', async () => {
    const e = await createFaceEmbedder('lbp');
    try {
      await checkEmbedder(e, 8 * 8 * 59, /^lbp-u2-8-1@1;size=96;grid=8$/, 0.01);
    } finally {
      await e.close();
    }
  });

  // The weights ship in the @vladmandic/face-api npm package. When it is installed the embedder is
  // checked like the others; when it is not, creation must fail with an error naming the package.
  const faceApiDir = faceApiModelDir();
  if (faceApiDir !== null) {
    it('dlib-resnet (face-api weights): 128-d, unit norm, deterministic, same identity closer', async () => {
      const e = await createDlibResnetEmbedder({ batchSize: 4 });
      try {
        await checkEmbedder(e, 128, /^dlib-resnet34-face-api@\d+\.\d+\.\d+$/, 0.02);
      } finally {
        await e.close();
      }
    });
  } else {
    it('dlib-resnet without @vladmandic/face-api installed: a CheckpointError naming the package', async () => {
      await expect(createDlibResnetEmbedder()).rejects.toThrow(CheckpointError);
      await expect(createDlibResnetEmbedder()).rejects.toThrow(/install the npm package @vladmandic\/face-api/);
    });
  }

  it('dlib-resnet rejects a weights folder that lacks the files', async () => {
    await expect(createDlibResnetEmbedder({ modelDir: __dirname })).rejects.toThrow(CheckpointError);
    await expect(createDlibResnetEmbedder({ modelDir: __dirname })).rejects.toThrow(/face_recognition_model-weights_manifest\.json could not be read/);
  });
});
