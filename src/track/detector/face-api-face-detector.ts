import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError, CheckpointError, type Detection, FasrError, type Frame } from '../../contracts';
import { readModelArtifacts } from '../../models-runtime';
import { analysisTiles, type AnalysisTile } from './analysis-tiles';
import { type FaceApiFaceDetectorConfig, parseFaceApiFaceDetectorConfig } from './face-api-face-detector-config';
import type { FaceDetector } from './face-detector';
import { validateFrame } from './human-face-detector';
import { mergeDetections } from './merge-detections';
import { type Point2, poseFromLandmarks68 } from './pose-from-landmarks68';

/** npm package that ships the models and the tfjs-based runtime (MIT). */
export const FACE_API_DETECTOR_PACKAGE = '@vladmandic/face-api';

const MANIFESTS = {
  ssd: 'ssd_mobilenetv1_model-weights_manifest.json',
  tiny: 'tiny_face_detector_model-weights_manifest.json',
  '68': 'face_landmark_68_model-weights_manifest.json',
  '68-tiny': 'face_landmark_68_tiny_model-weights_manifest.json',
} as const;

/** The tfjs backends face-api's node-wasm build runs on, given they are already active. */
const BACKENDS = ['wasm', 'cpu'] as const;

// The subset of face-api's classes this module uses (its loose types stop here).
interface FaBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
interface FaDetection {
  readonly score: number;
  readonly box: FaBox;
}
interface FaLandmarks {
  readonly positions: readonly { readonly x: number; readonly y: number }[];
}
interface FaNet {
  loadFromWeightMap(weights: tf.NamedTensorMap): void;
  dispose(): void;
}
interface FaBoxNet extends FaNet {
  locateFaces(input: tf.Tensor3D, options: object): Promise<FaDetection[]>;
}
interface FaLandmarkNet extends FaNet {
  detectLandmarks(input: tf.Tensor3D[]): Promise<FaLandmarks | FaLandmarks[]>;
}
interface FaceApiModule {
  SsdMobilenetv1: new () => FaBoxNet;
  TinyFaceDetector: new () => FaBoxNet;
  FaceLandmark68Net: new () => FaLandmarkNet;
  FaceLandmark68TinyNet: new () => FaLandmarkNet;
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => object;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => object;
}

/** Loaded networks and the weight tensors they were built from (both released by close). */
interface Nets {
  readonly box: FaBoxNet;
  readonly landmarks: FaLandmarkNet;
  readonly weights: readonly tf.Tensor[];
  readonly boxOptions: object;
}

/**
 * Face detector on @vladmandic/face-api's models: SSD MobileNet v1 (or the Tiny Face Detector)
 * boxes and the 68-point landmark net, on the active tfjs backend (wasm here). Each detection has
 * the box, the box score, the 5 landmarks from the 68 points and yaw/pitch/roll estimated from them
 * ({@link poseFromLandmarks68}; signs as Human's). Optional square tiles (in addition to the whole
 * frame) bring small faces closer to the model's input size.
 *
 * SSD finds faces down to ~15 px in a 720p street frame that Human's blazeface misses (scores
 * 0.15–0.4 there: docs/tracking.md, "Small faces"). Create with {@link createFaceApiFaceDetector};
 * `detect` calls on one instance are serialised.
 */
export class FaceApiFaceDetector implements FaceDetector {
  readonly id: string;
  readonly config: Readonly<FaceApiFaceDetectorConfig>;
  #nets: Nets | null;
  #queue: Promise<unknown> = Promise.resolve();

  /** @internal use {@link createFaceApiFaceDetector}. */
  constructor(nets: Nets, config: Readonly<FaceApiFaceDetectorConfig>, version: string) {
    this.#nets = nets;
    this.config = config;
    const c = config;
    const box = c.model === 'ssd' ? 'ssd_mobilenetv1' : `tiny_face_detector@${c.tinyInputSizePx}`;
    const lm = c.landmarks === '68' ? 'face_landmark_68' : 'face_landmark_68_tiny';
    this.id =
      `face-api@${version}/${box}+${lm}` +
      `;minConfidence=${c.minConfidence};maxFaces=${c.maxFaces};minFaceSizePx=${c.minFaceSizePx};iou=${c.iouThreshold}` +
      `;tile=${c.tileSizePx === null ? 'none' : `${c.tileSizePx}/${c.tileOverlapPx}`}`;
  }

  /** The regions analysed in a frame: the whole frame, then the tiles if tiling is on. */
  regions(width: number, height: number): AnalysisTile[] {
    const out: AnalysisTile[] = [{ x: 0, y: 0, width, height }];
    const tile = this.config.tileSizePx;
    if (tile !== null && (tile < width || tile < height)) out.push(...analysisTiles(width, height, tile, this.config.tileOverlapPx));
    return out;
  }

  detect(frame: Frame): Promise<Detection[]> {
    const run = this.#queue.then(() => this.#detect(frame));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #detect(frame: Frame): Promise<Detection[]> {
    const nets = this.#nets;
    if (nets === null) throw new FasrError('E_CLOSED', `${this.id}: detect called after close()`);
    validateFrame(frame);
    const image = tf.tensor3d(frame.rgb, [frame.height, frame.width, 3], 'int32');
    try {
      const boxes: { box: readonly [number, number, number, number]; score: number }[] = [];
      for (const region of this.regions(frame.width, frame.height)) {
        const whole = region.width === frame.width && region.height === frame.height;
        const input = whole ? image : tf.slice(image, [region.y, region.x, 0], [region.height, region.width, 3]);
        try {
          for (const d of await nets.box.locateFaces(input, nets.boxOptions)) {
            boxes.push({ box: [region.x + d.box.x, region.y + d.box.y, d.box.width, d.box.height], score: d.score });
          }
        } finally {
          if (input !== image) input.dispose();
        }
      }
      const minSize = this.config.minFaceSizePx;
      const candidates: Detection[] = [];
      for (const b of boxes) {
        const clipped = clipBox(b.box, frame.width, frame.height);
        if (clipped === null || Math.min(clipped[2], clipped[3]) < minSize) continue;
        candidates.push(placeholder(frame, clipped, b.score));
      }
      const kept = mergeDetections(candidates, this.config.iouThreshold, this.config.maxFaces);
      return await this.#withLandmarks(nets, image, kept);
    } finally {
      image.dispose();
    }
  }

  /** Runs the landmark net on each kept box's crop and fills landmarks and angles. */
  async #withLandmarks(nets: Nets, image: tf.Tensor3D, kept: readonly Detection[]): Promise<Detection[]> {
    if (kept.length === 0) return [];
    const rects = kept.map((d) => intRect(d.bboxXYWH));
    const crops = rects.map(([x, y, w, h]) => tf.slice(image, [y, x, 0], [h, w, 3]));
    let found: FaLandmarks | FaLandmarks[];
    try {
      found = await nets.landmarks.detectLandmarks(crops);
    } finally {
      tf.dispose(crops);
    }
    const list = Array.isArray(found) ? found : [found];
    if (list.length !== kept.length) {
      throw new FasrError('E_DETECT', `${this.id}: landmark net returned ${list.length} results for ${kept.length} faces`);
    }
    return kept.map((d, i) => {
      const [x, y] = rects[i]!;
      const points: Point2[] = list[i]!.positions.map((p) => [x + p.x, y + p.y]);
      const pose = poseFromLandmarks68(points);
      return { ...d, landmarks: pose.landmarks, yawDeg: pose.yawDeg, pitchDeg: pose.pitchDeg, rollDeg: pose.rollDeg };
    });
  }

  async close(): Promise<void> {
    await this.#queue;
    const nets = this.#nets;
    this.#nets = null;
    if (nets !== null) {
      nets.box.dispose();
      nets.landmarks.dispose();
      tf.dispose([...nets.weights]);
    }
  }
}

function clipBox(b: readonly [number, number, number, number], width: number, height: number): [number, number, number, number] | null {
  const x0 = Math.max(0, b[0]);
  const y0 = Math.max(0, b[1]);
  const x1 = Math.min(width, b[0] + b[2]);
  const y1 = Math.min(height, b[1] + b[3]);
  return x1 - x0 >= 2 && y1 - y0 >= 2 ? [x0, y0, x1 - x0, y1 - y0] : null;
}

/** Integer pixel rectangle covering a (clipped) box, at least 2x2. */
function intRect(b: readonly [number, number, number, number]): [number, number, number, number] {
  const x = Math.floor(b[0]);
  const y = Math.floor(b[1]);
  return [x, y, Math.max(2, Math.ceil(b[0] + b[2]) - x), Math.max(2, Math.ceil(b[1] + b[3]) - y)];
}

function placeholder(frame: Frame, box: readonly [number, number, number, number], score: number): Detection {
  const c: [number, number] = [box[0] + box[2] / 2, box[1] + box[3] / 2];
  return {
    frameIndex: frame.index,
    ptsMs: frame.ptsMs,
    bboxXYWH: [box[0], box[1], box[2], box[3]],
    score,
    landmarks: { leftEye: c, rightEye: c, nose: c, mouthLeft: c, mouthRight: c },
    yawDeg: Number.NaN,
    pitchDeg: Number.NaN,
    rollDeg: Number.NaN,
  };
}

/** Folder of the installed face-api package (its package.json), or null when it is not installed. */
export function faceApiPackageDir(): string | null {
  try {
    return path.resolve(path.dirname(require.resolve(`${FACE_API_DETECTOR_PACKAGE}/model/${MANIFESTS.ssd}`)), '..');
  } catch {
    return null;
  }
}

function loadWeights(file: string): tf.NamedTensorMap {
  if (!fs.existsSync(file)) throw new CheckpointError(`face-api model file missing: ${file}`, { path: file });
  const artifacts = readModelArtifacts(file);
  if (artifacts.weightSpecs === undefined || !(artifacts.weightData instanceof ArrayBuffer)) {
    throw new CheckpointError(`${file}: no weights in the manifest`, { path: file });
  }
  return tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
}

function loadNet<T extends FaNet>(net: T, file: string, weights: tf.Tensor[]): T {
  const map = loadWeights(file);
  weights.push(...Object.values(map));
  try {
    net.loadFromWeightMap(map);
  } catch (err) {
    throw new CheckpointError(`${file}: weights do not match the network: ${err instanceof Error ? err.message : String(err)}`, { path: file });
  }
  return net;
}

/**
 * Creates a {@link FaceApiFaceDetector}: face-api's node-wasm build (loaded by file path; it
 * shares our @tensorflow/tfjs engine) with the box and landmark weights read strictly from its
 * `model/` folder (no network). Call `initBackend` first.
 *
 * @param config partial {@link FaceApiFaceDetectorConfig}; validated, defaults filled.
 * @throws ConfigError for an invalid config (before anything is loaded); BackendError when no
 *   supported backend is active; CheckpointError when the package or a model file is missing or
 *   does not match its network.
 */
export async function createFaceApiFaceDetector(config: unknown = {}): Promise<FaceApiFaceDetector> {
  const c = parseFaceApiFaceDetectorConfig(config);
  const backend = tf.getBackend();
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new BackendError(`face-api needs an active tfjs backend among ${BACKENDS.join(', ')}; active is ${JSON.stringify(backend)} (call initBackend first)`, { backend });
  }
  const dir = faceApiPackageDir();
  if (dir === null) {
    throw new CheckpointError(`face-api models not found: install the npm package ${FACE_API_DETECTOR_PACKAGE}`, { path: `${FACE_API_DETECTOR_PACKAGE}/model` });
  }
  const dist = path.join(dir, 'dist', 'face-api.node-wasm.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fa = require(dist) as FaceApiModule;
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  const weights: tf.Tensor[] = [];
  try {
    const box = loadNet(c.model === 'ssd' ? new fa.SsdMobilenetv1() : new fa.TinyFaceDetector(), path.join(dir, 'model', MANIFESTS[c.model]), weights);
    const landmarks = loadNet(c.landmarks === '68' ? new fa.FaceLandmark68Net() : new fa.FaceLandmark68TinyNet(), path.join(dir, 'model', MANIFESTS[c.landmarks]), weights);
    const boxOptions =
      c.model === 'ssd'
        ? new fa.SsdMobilenetv1Options({ minConfidence: c.minConfidence, maxResults: c.maxFaces })
        : new fa.TinyFaceDetectorOptions({ inputSize: c.tinyInputSizePx, scoreThreshold: c.minConfidence });
    return new FaceApiFaceDetector({ box, landmarks, weights, boxOptions }, c, version);
  } catch (err) {
    tf.dispose(weights);
    throw err;
  }
}
