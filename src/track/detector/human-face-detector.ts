import * as tf from '@tensorflow/tfjs';
import { type Detection, type Frame, FasrError, InputError } from '../../contracts';
import { createHuman, type Human, type HumanConfig } from '../../models-runtime';
import { analysisTiles, type AnalysisTile } from './analysis-tiles';
import type { FaceDetector } from './face-detector';
import { type HumanFaceDetectorConfig, parseHumanFaceDetectorConfig } from './human-face-detector-config';
import { landmarksFromMesh, type MeshPoint } from './landmarks-from-mesh';
import { mergeDetections } from './merge-detections';

/** Human model names this detector needs loaded. */
const REQUIRED_MODELS = ['blazeface', 'facemesh', 'iris'] as const;

const RAD_TO_DEG = 180 / Math.PI;

/** The subset of Human's FaceResult this module reads (its loose types stop here). */
interface HumanFace {
  readonly boxScore: number;
  readonly box: readonly number[];
  readonly mesh: readonly MeshPoint[];
  readonly rotation?: { readonly angle: { readonly yaw: number; readonly pitch: number; readonly roll: number } } | null;
}

/** One analysis pass: a frame region and the factor it is enlarged by before detection. */
interface AnalysisPass {
  readonly region: AnalysisTile;
  readonly scale: number;
}

/** Validates a Frame's shape and buffer. @throws InputError */
export function validateFrame(frame: Frame): void {
  const { width, height, rgb } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InputError(`frame: width and height must be positive integers, received ${width}x${height}`, { reason: 'bad size' });
  }
  if (!(rgb instanceof Uint8Array) || rgb.length !== width * height * 3) {
    throw new InputError(`frame: rgb must be a Uint8Array of width*height*3 = ${width * height * 3} bytes, received ${rgb instanceof Uint8Array ? rgb.length : typeof rgb}`, {
      reason: 'bad buffer',
    });
  }
}

/**
 * Face detector on @vladmandic/human: blazeface boxes, the 468-point face mesh and the iris
 * model, on the active tfjs backend (wasm here). Each detection has the box, the blazeface score,
 * the 5 landmarks from the mesh (image-left points first) and yaw/pitch/roll in degrees from the
 * mesh rotation, signs as Human reports them: yaw > 0 when the head turns toward the image's
 * left (the subject's right; checked by the integration test); the pitch and roll signs are
 * Human's and not checked here. Limits on small faces: docs/embedders.md, "Detector".
 *
 * Create with {@link createHumanFaceDetector}. Calls to `detect` on one instance are serialised
 * (Human keeps per-call state).
 */
export class HumanFaceDetector implements FaceDetector {
  readonly id: string;
  readonly config: Readonly<HumanFaceDetectorConfig>;
  #human: Human | null;
  #queue: Promise<unknown> = Promise.resolve();

  /** @internal use {@link createHumanFaceDetector}. */
  constructor(human: Human, config: Readonly<HumanFaceDetectorConfig>) {
    this.#human = human;
    this.config = config;
    const c = config;
    this.id =
      `human@${human.version}/blazeface+facemesh+iris` +
      `;minConfidence=${c.minConfidence};maxFaces=${c.maxFaces};minFaceSizePx=${c.minFaceSizePx};iou=${c.iouThreshold};upscale=${c.upscale}` +
      `;tile=${c.tileSizePx === null ? 'none' : `${c.tileSizePx}/${c.tileOverlapPx}`};rotation=${c.rotationCorrection}`;
  }

  /** The passes run on a frame: the whole frame, then the tiles if tiling is on. */
  passes(width: number, height: number): AnalysisPass[] {
    const scale = this.config.upscale;
    const passes: AnalysisPass[] = [{ region: { x: 0, y: 0, width, height }, scale }];
    const tile = this.config.tileSizePx;
    if (tile !== null && (tile < width || tile < height)) {
      for (const region of analysisTiles(width, height, tile, this.config.tileOverlapPx)) passes.push({ region, scale });
    }
    return passes;
  }

  detect(frame: Frame): Promise<Detection[]> {
    const run = this.#queue.then(() => this.#detect(frame));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #detect(frame: Frame): Promise<Detection[]> {
    const human = this.#human;
    if (human === null) throw new FasrError('E_CLOSED', `${this.id}: detect called after close()`);
    validateFrame(frame);
    const image = tf.tensor4d(frame.rgb, [1, frame.height, frame.width, 3], 'int32');
    const found: Detection[] = [];
    try {
      for (const pass of this.passes(frame.width, frame.height)) {
        found.push(...(await this.#runPass(human, image, pass, frame)));
      }
    } finally {
      image.dispose();
    }
    const minSize = this.config.minFaceSizePx;
    const sized = found.filter((d) => Math.min(d.bboxXYWH[2], d.bboxXYWH[3]) >= minSize);
    return mergeDetections(sized, this.config.iouThreshold, this.config.maxFaces);
  }

  async #runPass(human: Human, image: tf.Tensor4D, pass: AnalysisPass, frame: Frame): Promise<Detection[]> {
    const { region, scale } = pass;
    const whole = region.width === frame.width && region.height === frame.height;
    const input =
      whole && scale === 1
        ? image
        : tf.tidy(() => {
            const crop = whole ? image : tf.slice(image, [0, region.y, region.x, 0], [1, region.height, region.width, 3]);
            if (scale === 1) return crop;
            const size: [number, number] = [Math.round(region.height * scale), Math.round(region.width * scale)];
            return tf.image.resizeBilinear(crop.toFloat(), size, false, true);
          });
    let faces: readonly HumanFace[];
    try {
      const result = await human.detect(input);
      if (result.error !== null && result.error !== undefined && result.error !== '') {
        throw new FasrError('E_DETECT', `${this.id}: Human reported an error on frame ${frame.index}: ${result.error}`, { frameIndex: frame.index });
      }
      faces = result.face;
    } finally {
      if (input !== image) input.dispose();
    }
    // Pass pixels -> frame pixels: undo the enlargement, then add the region offset.
    const sx = region.width / Math.round(region.width * scale);
    const sy = region.height / Math.round(region.height * scale);
    const toFrame = (p: readonly [number, number]): [number, number] => [region.x + p[0] * sx, region.y + p[1] * sy];
    const out: Detection[] = [];
    for (const f of faces) {
      const [bx, by, bw, bh] = f.box;
      if (bx === undefined || by === undefined || bw === undefined || bh === undefined) continue;
      const lm = landmarksFromMesh(f.mesh);
      const angle = f.rotation?.angle;
      const [x0, y0] = toFrame([bx, by]);
      out.push({
        frameIndex: frame.index,
        ptsMs: frame.ptsMs,
        bboxXYWH: [x0, y0, bw * sx, bh * sy],
        score: f.boxScore,
        landmarks: {
          leftEye: toFrame(lm.leftEye),
          rightEye: toFrame(lm.rightEye),
          nose: toFrame(lm.nose),
          mouthLeft: toFrame(lm.mouthLeft),
          mouthRight: toFrame(lm.mouthRight),
        },
        yawDeg: (angle?.yaw ?? Number.NaN) * RAD_TO_DEG,
        pitchDeg: (angle?.pitch ?? Number.NaN) * RAD_TO_DEG,
        rollDeg: (angle?.roll ?? Number.NaN) * RAD_TO_DEG,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#queue;
    // Human has no dispose: its model weights live in its bundle's module scope and are shared by
    // every Human instance of the process; dropping our reference is all that is ours to release.
    this.#human = null;
  }
}

/**
 * Creates a {@link HumanFaceDetector} with its own Human instance, models read from the
 * @vladmandic/human npm package (no network). Call `initBackend` first.
 *
 * @param config partial {@link HumanFaceDetectorConfig}; validated, defaults filled.
 * @throws ConfigError for an invalid config (before anything is loaded); BackendError,
 *   CheckpointError when Human cannot start.
 */
export async function createHumanFaceDetector(config: unknown = {}): Promise<HumanFaceDetector> {
  const c = parseHumanFaceDetectorConfig(config);
  const face: HumanConfig['face'] = {
    enabled: true,
    detector: {
      rotation: c.rotationCorrection,
      maxDetected: c.maxFaces,
      minConfidence: c.minConfidence,
      iouThreshold: c.iouThreshold,
      minSize: 0,
      skipFrames: 0,
      skipTime: 0,
      return: false,
      mask: false,
    },
    mesh: { enabled: true, keepInvalid: false },
    iris: { enabled: true, skipFrames: 0, skipTime: 0 },
    attention: { enabled: false },
    description: { enabled: false },
    emotion: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    gear: { enabled: false },
  };
  const human = await createHuman({ face, requiredModels: REQUIRED_MODELS });
  return new HumanFaceDetector(human, c);
}
