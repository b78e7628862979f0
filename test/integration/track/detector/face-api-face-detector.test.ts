import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { Detection, Frame } from '../../../../src/contracts';
import { ConfigError, FasrError, InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { createFaceApiFaceDetector, createHumanFaceDetector, type FaceApiFaceDetector, type HumanFaceDetector } from '../../../../src/track/detector';

const SHARED = path.resolve(__dirname, '../../../../../shared/data');
const FACES = path.join(SHARED, 'faces');
const OPENPOSE = path.join(SHARED, 'videos/openpose/video.avi');

/** Faces found at 1 s of the openpose clip: 13 whole-frame, 19 with tiles (docs/tracking.md, "Small faces"); the bounds leave a margin for backend numerics. */
const COUNTS = { whole: 10, tiled: 15 };

jest.setTimeout(120000); // loaded 2-core CI machine: SSD takes 0.5–2 s per 720p pass

async function imageFrame(file: string, index = 0): Promise<Frame> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 1, index, ptsMs: index * 40, width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

/** One 1280x720 frame of the openpose street clip, decoded by the system ffmpeg. */
function openposeFrame(atSeconds: number): Frame {
  const rgb = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(atSeconds), '-i', OPENPOSE, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1280 * 720 * 3 + 1024 });
  expect(rgb.length).toBe(1280 * 720 * 3);
  return { sourceId: 2, index: Math.round(atSeconds * 50), ptsMs: atSeconds * 1000, width: 1280, height: 720, rgb: new Uint8Array(rgb) };
}

function inside(p: readonly [number, number], box: Detection['bboxXYWH'], marginPx = 1): boolean {
  return p[0] >= box[0] - marginPx && p[0] <= box[0] + box[2] + marginPx && p[1] >= box[1] - marginPx && p[1] <= box[1] + box[3] + marginPx;
}

function expectPlausibleFace(d: Detection, frame: Frame, minScore: number): void {
  const [x, y, w, h] = d.bboxXYWH;
  expect(x).toBeGreaterThanOrEqual(0);
  expect(y).toBeGreaterThanOrEqual(0);
  expect(x + w).toBeLessThanOrEqual(frame.width);
  expect(y + h).toBeLessThanOrEqual(frame.height);
  expect(d.score).toBeGreaterThanOrEqual(minScore);
  expect(d.score).toBeLessThanOrEqual(1);
  const lm = d.landmarks;
  // the 68-point net places the points inside its crop, give or take a few px at the chin/brow edge
  for (const p of [lm.leftEye, lm.rightEye, lm.nose, lm.mouthLeft, lm.mouthRight]) expect(inside(p, d.bboxXYWH, 0.1 * w)).toBe(true);
  expect(Math.max(lm.leftEye[1], lm.rightEye[1])).toBeLessThan(Math.min(lm.mouthLeft[1], lm.mouthRight[1]));
  expect(lm.leftEye[0]).toBeLessThan(lm.rightEye[0]);
  expect(lm.mouthLeft[0]).toBeLessThan(lm.mouthRight[0]);
  expect(d.frameIndex).toBe(frame.index);
  expect(d.ptsMs).toBe(frame.ptsMs);
  for (const a of [d.yawDeg, d.pitchDeg, d.rollDeg]) expect(Number.isFinite(a)).toBe(true);
}

function centreIn(d: Detection, box: Detection['bboxXYWH']): boolean {
  return inside([d.bboxXYWH[0] + d.bboxXYWH[2] / 2, d.bboxXYWH[1] + d.bboxXYWH[3] / 2], box, 0);
}

describe('FaceApiFaceDetector (wasm, SSD MobileNet v1 + 68 landmarks)', () => {
  let ssd: FaceApiFaceDetector;
  let human: HumanFaceDetector;

  beforeAll(async () => {
    await initBackend('wasm');
    ssd = await createFaceApiFaceDetector({});
    human = await createHumanFaceDetector({});
  }, 60000);

  afterAll(async () => {
    await Promise.all([ssd.close(), human.close()]);
  });

  it('has a provenance id naming face-api, its models and settings', () => {
    expect(ssd.id).toBe('face-api@1.7.15/ssd_mobilenetv1+face_landmark_68;minConfidence=0.3;maxFaces=50;minFaceSizePx=0;iou=0.3;tile=none');
  });

  it.each(['fasr-samples/gallery/000001.jpg', 'fasr-samples/gallery/000004.jpg', 'celeba-wild-ids/images/7201/001085.jpg', 'celeba-wild-ids/images/7206/183064.jpg'])(
    'finds exactly one plausible face in %s, without leaking tensors',
    async (rel) => {
      const frame = await imageFrame(path.join(FACES, rel), 7);
      const before = tf.memory().numTensors;
      const found = await ssd.detect(frame);
      expect(tf.memory().numTensors).toBe(before);
      expect(found).toHaveLength(1);
      expectPlausibleFace(found[0]!, frame, 0.3);
    },
  );

  // Counts measured once and checked by eye on the images (every face of each scene, no false box).
  it.each([
    ['bbt1.jpg', 4],
    ['bbt3.jpg', 5],
    ['bbt4.jpg', 6],
  ])('finds every face of the faceapi-bbt scene %s (%i), each plausible, and agrees with Human on the head angles', async (name, count) => {
    const frame = await imageFrame(path.join(FACES, 'faceapi-bbt/scenes', name));
    const found = await ssd.detect(frame);
    expect(found).toHaveLength(count);
    for (const d of found) expectPlausibleFace(d, frame, 0.3);
    for (let i = 1; i < found.length; i++) expect(found[i]!.score).toBeLessThanOrEqual(found[i - 1]!.score);
    const ref = await human.detect(frame);
    expect(ref).toHaveLength(count);
    // The landmark estimate (POSE68, fitted on 43 faces: mean |diff| yaw 1.9°, pitch 2.4°, roll 2.3°) against
    // Human's mesh angles on these near-frontal faces; 8° per face leaves room for the 2-D estimate's spread.
    for (const d of found) {
      const m = ref.find((r) => centreIn(d, r.bboxXYWH));
      expect(m).toBeDefined();
      expect(Math.abs(d.yawDeg - m!.yawDeg)).toBeLessThan(8);
      expect(Math.abs(d.pitchDeg - m!.pitchDeg)).toBeLessThan(8);
      expect(Math.abs(d.rollDeg - m!.rollDeg)).toBeLessThan(8);
    }
  });

  it('rejects a malformed frame, and detect after close(); close() releases every weight tensor', async () => {
    await expect(ssd.detect({ sourceId: 1, index: 0, ptsMs: 0, width: 4, height: 4, rgb: new Uint8Array(10) })).rejects.toThrow(InputError);
    const before = tf.memory().numTensors;
    const other = await createFaceApiFaceDetector({ landmarks: '68-tiny' });
    expect(other.id).toContain('+face_landmark_68_tiny;');
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    await other.close();
    expect(tf.memory().numTensors).toBe(before);
    await other.close(); // idempotent
    await expect(other.detect(await imageFrame(path.join(FACES, 'fasr-samples/gallery/000001.jpg')))).rejects.toThrow(FasrError);
  });

  it('validates its config before loading anything', async () => {
    await expect(createFaceApiFaceDetector({ model: 'mtcnn' })).rejects.toThrow(ConfigError);
  });
});

describe('FaceApiFaceDetector on small faces: openpose street frame (1280x720, faces 15–30 px)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('the cctv settings (SSD, minConfidence 0.15) find many small heads where Human finds none; 640/96 tiles find more at ~4x the cost', async () => {
    const frame = openposeFrame(1);
    const human = await createHumanFaceDetector({});
    const whole = await createFaceApiFaceDetector({ minConfidence: 0.15 });
    const tiled = await createFaceApiFaceDetector({ minConfidence: 0.15, tileSizePx: 640, tileOverlapPx: 96 });
    try {
      const before = tf.memory().numTensors;
      const w = await whole.detect(frame);
      const t = await tiled.detect(frame);
      expect(tf.memory().numTensors).toBe(before);
      const h = await human.detect(frame);
      expect(h.length).toBeLessThanOrEqual(1);
      expect(w.length).toBeGreaterThanOrEqual(COUNTS.whole);
      expect(t.length).toBeGreaterThanOrEqual(COUNTS.tiled);
      expect(t.length).toBeGreaterThan(w.length);
      for (const d of w) {
        // small faces: 12–40 px boxes in the crowd band (heads lie at y 90–260 in this frame)
        expect(Math.min(d.bboxXYWH[2], d.bboxXYWH[3])).toBeGreaterThanOrEqual(10);
        expect(Math.max(d.bboxXYWH[2], d.bboxXYWH[3])).toBeLessThanOrEqual(45);
        expect(d.bboxXYWH[1]).toBeGreaterThan(60);
        expect(d.bboxXYWH[1] + d.bboxXYWH[3]).toBeLessThan(300);
      }
    } finally {
      await Promise.all([human.close(), whole.close(), tiled.close()]);
    }
  });
});

