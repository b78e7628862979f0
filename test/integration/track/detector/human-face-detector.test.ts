import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { Detection, Frame } from '../../../../src/contracts';
import { InputError } from '../../../../src/contracts';
import { initBackend } from '../../../../src/runtime/backend';
import { createHumanFaceDetector, type HumanFaceDetector } from '../../../../src/track/detector';

const SHARED = path.resolve(__dirname, '../../../../../shared/data');
const FACES = path.join(SHARED, 'faces');

async function imageFrame(file: string, index = 0): Promise<Frame> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { sourceId: 1, index, ptsMs: index * 40, width: info.width, height: info.height, rgb: new Uint8Array(data) };
}

/** One frame of a video as raw RGB, decoded by the system ffmpeg (the ingest stage is separate). */
function videoFrame(file: string, atSeconds: number, width: number, height: number): Frame {
  const rgb = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(atSeconds), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: width * height * 3 + 1024,
  });
  expect(rgb.length).toBe(width * height * 3);
  return { sourceId: 2, index: Math.round(atSeconds * 29.97), ptsMs: atSeconds * 1000, width, height, rgb: new Uint8Array(rgb) };
}

function inside(p: readonly [number, number], box: Detection['bboxXYWH'], marginPx = 1): boolean {
  return p[0] >= box[0] - marginPx && p[0] <= box[0] + box[2] + marginPx && p[1] >= box[1] - marginPx && p[1] <= box[1] + box[3] + marginPx;
}

function expectPlausibleFace(d: Detection, frame: Frame): void {
  const [x, y, w, h] = d.bboxXYWH;
  expect(w).toBeGreaterThan(10);
  expect(h).toBeGreaterThan(10);
  expect(x + w).toBeLessThanOrEqual(frame.width + 1);
  expect(y + h).toBeLessThanOrEqual(frame.height + 1);
  expect(d.score).toBeGreaterThan(0.3);
  expect(d.score).toBeLessThanOrEqual(1);
  const lm = d.landmarks;
  for (const p of [lm.leftEye, lm.rightEye, lm.nose, lm.mouthLeft, lm.mouthRight]) expect(inside(p, d.bboxXYWH)).toBe(true);
  // upright faces: both eyes above both mouth corners, image-left points on the left
  expect(Math.max(lm.leftEye[1], lm.rightEye[1])).toBeLessThan(Math.min(lm.mouthLeft[1], lm.mouthRight[1]));
  expect(lm.leftEye[0]).toBeLessThan(lm.rightEye[0]);
  expect(lm.mouthLeft[0]).toBeLessThan(lm.mouthRight[0]);
  expect(d.frameIndex).toBe(frame.index);
  expect(d.ptsMs).toBe(frame.ptsMs);
  for (const a of [d.yawDeg, d.pitchDeg, d.rollDeg]) expect(Number.isFinite(a)).toBe(true);
}

describe('HumanFaceDetector (wasm)', () => {
  let detector: HumanFaceDetector;

  beforeAll(async () => {
    await initBackend('wasm');
    detector = await createHumanFaceDetector({});
  });

  afterAll(async () => {
    await detector.close();
  });

  it('has a provenance id naming Human, its models and settings', () => {
    expect(detector.id).toMatch(/^human@3\.\d+\.\d+\/blazeface\+facemesh\+iris;minConfidence=0\.3;.*tile=none/);
  });

  it.each([
    'fasr-samples/gallery/000001.jpg',
    'fasr-samples/gallery/000004.jpg',
    'fasr-samples/gallery/000008.jpg',
    'celeba-wild-ids/images/7201/001085.jpg',
    'celeba-wild-ids/images/7203/025694.jpg',
    'celeba-wild-ids/images/7206/184177.jpg',
  ])('finds exactly one plausible face in %s, without leaking tensors', async (rel) => {
    const frame = await imageFrame(path.join(FACES, rel), 7);
    const before = tf.memory().numTensors;
    const found = await detector.detect(frame);
    expect(tf.memory().numTensors).toBe(before);
    expect(found).toHaveLength(1);
    expectPlausibleFace(found[0] as Detection, frame);
  });

  it('finds the five faces of faceapi-bbt/scenes/bbt3.jpg and six in bbt4.jpg', async () => {
    const f3 = await imageFrame(path.join(FACES, 'faceapi-bbt/scenes/bbt3.jpg'));
    const f4 = await imageFrame(path.join(FACES, 'faceapi-bbt/scenes/bbt4.jpg'));
    const d3 = await detector.detect(f3);
    const d4 = await detector.detect(f4);
    expect(d3).toHaveLength(5);
    expect(d4).toHaveLength(6);
    for (const d of d3) expectPlausibleFace(d, f3);
    // sorted by score, pairwise disjoint enough to be different people
    for (let i = 1; i < d4.length; i++) expect((d4[i - 1] as Detection).score).toBeGreaterThanOrEqual((d4[i] as Detection).score);
  });

  it('gives a frontal face a small |yaw| and a turned face a large one, with the documented sign', async () => {
    // bbt1.jpg: four people facing the camera. bbt2.jpg: the man on the right (box x ≈ 346) turns
    // toward the image's left (his nose is left of his eyes' midpoint): yaw > 0 by Human's convention.
    const frontal = await detector.detect(await imageFrame(path.join(FACES, 'faceapi-bbt/scenes/bbt1.jpg')));
    expect(frontal).toHaveLength(4);
    for (const d of frontal) expect(Math.abs(d.yawDeg)).toBeLessThan(10);
    const scene2 = await detector.detect(await imageFrame(path.join(FACES, 'faceapi-bbt/scenes/bbt2.jpg')));
    const right = scene2.reduce((a, b) => (b.bboxXYWH[0] > a.bboxXYWH[0] ? b : a));
    expect(right.yawDeg).toBeGreaterThan(18);
    const eyesMidX = (right.landmarks.leftEye[0] + right.landmarks.rightEye[0]) / 2;
    expect(right.landmarks.nose[0]).toBeLessThan(eyesMidX);
    const left = scene2.reduce((a, b) => (b.bboxXYWH[0] < a.bboxXYWH[0] ? b : a));
    expect(left.yawDeg).toBeLessThan(-5);
  });

  it('finds one face in frames of short_hamilton_clip.mp4 decoded by ffmpeg', async () => {
    const clip = path.join(SHARED, 'videos/face_recognition/short_hamilton_clip.mp4');
    for (const t of [6, 7]) {
      const frame = videoFrame(clip, t, 640, 360);
      const found = await detector.detect(frame);
      expect(found).toHaveLength(1);
      expectPlausibleFace(found[0] as Detection, frame);
    }
  });

  it('maps tiled and upscaled analysis back to frame pixels (same face, same place)', async () => {
    const frame = await imageFrame(path.join(FACES, 'faceapi-bbt/scenes/bbt2.jpg'));
    const plain = await detector.detect(frame);
    const tiled = await createHumanFaceDetector({ tileSizePx: 320, tileOverlapPx: 160, upscale: 1.5 });
    try {
      const before = tf.memory().numTensors;
      const found = await tiled.detect(frame);
      expect(tf.memory().numTensors).toBe(before);
      expect(found.length).toBeGreaterThanOrEqual(plain.length);
      for (const p of plain) {
        const match = found.find((d) => Math.hypot(d.landmarks.nose[0] - p.landmarks.nose[0], d.landmarks.nose[1] - p.landmarks.nose[1]) < 0.1 * p.bboxXYWH[2]);
        expect(match).toBeDefined();
      }
    } finally {
      await tiled.close();
    }
  });

  it('finds a 32 px face in a 1280x720 frame with 256 px tiles, where whole-frame analysis cannot', async () => {
    // fasr-samples faces fill their 128x128 image; shrunk to 32x32 the face box is ~32 px. The
    // bench (docs/embedders.md) found 0/10 such faces whole-frame and 10/10 with 256/64 tiles.
    const face = await sharp(path.join(FACES, 'fasr-samples/gallery/000003.jpg')).removeAlpha().resize(32, 32, { kernel: 'cubic' }).raw().toBuffer();
    const width = 1280;
    const height = 720;
    const rgb = new Uint8Array(width * height * 3).fill(128);
    const [x0, y0] = [700, 400];
    for (let y = 0; y < 32; y++) rgb.set(face.subarray(y * 32 * 3, (y + 1) * 32 * 3), ((y0 + y) * width + x0) * 3);
    const frame: Frame = { sourceId: 1, index: 3, ptsMs: 120, width, height, rgb };
    expect(await detector.detect(frame)).toHaveLength(0);
    const tiled = await createHumanFaceDetector({ tileSizePx: 256, tileOverlapPx: 64 });
    try {
      const found = await tiled.detect(frame);
      expect(found).toHaveLength(1);
      const d = found[0] as Detection;
      expect(inside([x0 + 16, y0 + 16], d.bboxXYWH)).toBe(true);
      expect(d.bboxXYWH[2]).toBeLessThan(64);
      expect(inside(d.landmarks.nose, [x0, y0, 32, 32])).toBe(true);
    } finally {
      await tiled.close();
    }
  });

  it('rejects a malformed frame before running, and detect after close', async () => {
    const bad: Frame = { sourceId: 1, index: 0, ptsMs: 0, width: 10, height: 10, rgb: new Uint8Array(10) };
    await expect(detector.detect(bad)).rejects.toThrow(InputError);
    await expect(detector.detect(bad)).rejects.toThrow('frame: rgb must be a Uint8Array of width*height*3 = 300 bytes, received 10');
    const other = await createHumanFaceDetector({ maxFaces: 1 });
    await other.close();
    await expect(other.detect(bad)).rejects.toThrow(/detect called after close\(\)/);
  });
});
