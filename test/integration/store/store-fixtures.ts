import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { ScoredDetection } from '../../../src/contracts';
import type { DetectionResultInput, TrackResultInput } from '../../../src/store';

/** A fresh temp directory per test; removed by the returned cleanup. */
export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-store-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A deterministic fake clock: 1_700_000_000_000, then +1 ms per call. */
export function fakeClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A real RGB PNG of the given size filled with a value pattern depending on `seed`. */
export function makePng(widthPx: number, heightPx: number, seed = 0): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(widthPx, 0);
  ihdr.writeUInt32BE(heightPx, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(heightPx * (1 + widthPx * 3));
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx * 3; x++) raw[y * (1 + widthPx * 3) + 1 + x] = (x * 7 + y * 13 + seed) & 0xff;
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

/** Raw RGB bytes of a crop, pattern depending on `seed`. */
export function makeRgb(widthPx: number, heightPx: number, seed: number): Uint8Array {
  const out = new Uint8Array(widthPx * heightPx * 3);
  for (let i = 0; i < out.length; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

/** A deterministic pseudo-random unit-ish vector (mulberry32). */
export function makeVector(dim: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    v[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return v;
}

export function makeDetection(frameIndex: number, over: Partial<ScoredDetection> = {}): ScoredDetection {
  return {
    frameIndex,
    ptsMs: frameIndex * 40,
    bboxXYWH: [100.5 + frameIndex, 50.25, 64, 72],
    score: 0.93,
    landmarks: {
      leftEye: [115.5, 70.25],
      rightEye: [145.75, 70.5],
      nose: [130, 85.125],
      mouthLeft: [118, 100],
      mouthRight: [142, 100.5],
    },
    yawDeg: -12.5,
    pitchDeg: 3.25,
    rollDeg: 1.5,
    quality: 0.5 + (frameIndex % 400) / 1000,
    sharpness: 123.456,
    frontalness: 0.8,
    ...over,
  };
}

/**
 * A track of `n` detections from frame `firstFrame`, each with an 'aligned128'-like rgb8 crop
 * (8x8 to keep files small), an embedding of `dim` for model 'emb-a', and an F_M over all but the last.
 */
export function makeTrack(trackKey: number, n: number, firstFrame = 0, dim = 16): TrackResultInput {
  const detections: DetectionResultInput[] = [];
  for (let i = 0; i < n; i++) {
    detections.push({
      detection: makeDetection(firstFrame + i),
      crops: [
        { kind: 'aligned128', format: 'rgb8', widthPx: 8, heightPx: 8, image: makeRgb(8, 8, trackKey * 100 + i) },
        { kind: 'lr0-model', format: 'png', widthPx: 4, heightPx: 4, image: makePng(4, 4, i) },
      ],
      embeddings: [{ modelId: 'emb-a', vector: makeVector(dim, trackKey * 1000 + i), cropKind: 'aligned128' }],
    });
  }
  const members = Array.from({ length: Math.max(1, n - 1) }, (_, i) => i);
  return {
    trackKey,
    detections,
    lr0Index: n - 1,
    fused: [
      {
        featureVector: makeVector(dim, trackKey * 7 + 3),
        embedderId: 'emb-a',
        method: 'mean-3sigma',
        memberIndices: members,
        rejectedIndices: n > 1 ? [n - 1] : [],
      },
    ],
  };
}
