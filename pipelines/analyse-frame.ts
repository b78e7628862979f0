import { FasrError, InputError, type Detection, type FaceCrop, type FaceLandmarks5, type Frame, type ScoredDetection } from '../src/contracts';
import type { DecodedFrame } from '../src/ingest';
import { addUncoveredDetections, alignFace, ffhqCrop, scoreDetection, WorkerFaceDetector } from '../src/track';
import type { ProcessConfig } from './process-config';
import type { ProcessDeps } from './process-deps';

/** The small-face pass on one frame: not run, run on the analysis copy ('probe'), run on the full-resolution frame ('full'). */
export type SmallFaceRun = 'none' | 'probe' | 'full';

/** A scored detection with the key that links it to its crops within one source. */
export interface PipelineDetection extends ScoredDetection {
  /** Unique within a source, in detection order. */
  readonly detectionKey: number;
}

/** The two crops cut from the full-resolution frame for one detection. */
export interface DetectionCrops {
  /** FFHQ-aligned crop at `align.modelSizePx` (what the embedder and the SR model see). */
  readonly aligned: FaceCrop;
  /** FFHQ-aligned crop at the face's own resolution (capped at `align.exportMaxPx`), for export. */
  readonly native: FaceCrop;
}

/** What one frame gives the tracker and the crop keeper. */
export interface FrameAnalysis {
  readonly frameIndex: number;
  readonly ptsMs: number;
  readonly detections: readonly PipelineDetection[];
  /** Per detection, the unit-norm embedding of its aligned crop, or null where `select` left it out. */
  readonly embeddings: readonly (Float32Array | null)[];
  /** The aligned model-size crop of each detection, same order (the native crop is cut later, only when kept: {@link cutNativeCrop}). */
  readonly aligned: readonly FaceCrop[];
  /** Detections dropped because the detector gave no head angles (needed by the quality score). */
  readonly droppedNoPose: number;
  /** Detections dropped because their landmarks cannot orient a face (eyes and mouth coincide: alignFace's 'degenerate landmarks'). */
  readonly droppedDegenerate: number;
  /** Faces the small-face pass added (0 when it did not run). */
  readonly smallFacesAdded: number;
  /** Wall time of the frame's stages, ms: the detector; the small-face pass (0 when it did not run); alignment and quality of every detection; the embedding batch. */
  readonly timingMs: { readonly detect: number; readonly smallFaces: number; readonly alignQuality: number; readonly embed: number };
}

function scalePoint(p: readonly [number, number], sx: number, sy: number): [number, number] {
  return [p[0] * sx, p[1] * sy];
}

/** Maps a detection found on the analysis copy to full-resolution frame pixels (multiplies by the copy's scale). */
export function detectionToFullResolution(d: Detection, scaleX: number, scaleY: number): Detection {
  if (scaleX === 1 && scaleY === 1) return d;
  const [x, y, w, h] = d.bboxXYWH;
  const lm: FaceLandmarks5 = {
    leftEye: scalePoint(d.landmarks.leftEye, scaleX, scaleY),
    rightEye: scalePoint(d.landmarks.rightEye, scaleX, scaleY),
    nose: scalePoint(d.landmarks.nose, scaleX, scaleY),
    mouthLeft: scalePoint(d.landmarks.mouthLeft, scaleX, scaleY),
    mouthRight: scalePoint(d.landmarks.mouthRight, scaleX, scaleY),
  };
  return { ...d, bboxXYWH: [x * scaleX, y * scaleY, w * scaleX, h * scaleY], landmarks: lm };
}

/** What {@link detectFrame} gives: a frame's detections, scored and aligned, before any embedding. */
export interface FrameDetections {
  readonly frameIndex: number;
  readonly ptsMs: number;
  readonly detections: readonly PipelineDetection[];
  /** The aligned model-size crop of each detection, same order. */
  readonly aligned: readonly FaceCrop[];
  readonly droppedNoPose: number;
  readonly droppedDegenerate: number;
  readonly smallFacesAdded: number;
  /** Wall time, ms: the detector; the small-face pass (0 when it did not run; with `smallFaces.worker` only the wait for it after the main detector); alignment and quality. */
  readonly timingMs: { readonly detect: number; readonly smallFaces: number; readonly alignQuality: number };
}

/**
 * The first half of {@link analyseFrame}: detect → map to full resolution → align → quality, no
 * embedding. The pipeline runs it on the next frame while the embedder (in its own thread) embeds
 * the previous one.
 */
export async function detectFrame(frame: DecodedFrame, config: Readonly<ProcessConfig>, deps: ProcessDeps, nextKey: number, smallFaces: SmallFaceRun = 'none'): Promise<FrameDetections> {
  const ana = frame.analysis;
  const analysisFrame: Frame = ana === null ? frame : { sourceId: frame.sourceId, index: frame.index, ptsMs: frame.ptsMs, width: ana.width, height: ana.height, rgb: ana.rgb };
  const pass = deps.smallFaceDetector;
  if (smallFaces !== 'none' && pass == null) {
    throw new FasrError('E_PIPELINE', `frame ${frame.index}: the small-face pass is asked for but deps hold no small-face detector (createProcessDeps with smallFaces.enabled)`);
  }
  const onCopy = smallFaces === 'probe' && ana !== null;
  const runPass = async (): Promise<Detection[]> => {
    if (pass == null) return [];
    return onCopy ? (await pass.detect(analysisFrame)).map((d) => detectionToFullResolution(d, ana.scaleX, ana.scaleY)) : pass.detect(frame);
  };
  const t0 = performance.now();
  // A pass in its own thread (smallFaces.worker) starts first and detects beside the main detector.
  const beside = smallFaces !== 'none' && pass instanceof WorkerFaceDetector ? runPass() : null;
  beside?.catch(() => undefined); // observed below; a main-detector error must not leave it unhandled
  const main = (await deps.detector.detect(analysisFrame)).map((d) => (ana === null ? d : detectionToFullResolution(d, ana.scaleX, ana.scaleY)));
  const tMain = performance.now();
  let found = main;
  if (smallFaces !== 'none') {
    const passFound = await (beside ?? runPass());
    const small = passFound.filter((d) => Math.min(d.bboxXYWH[2], d.bboxXYWH[3]) <= config.smallFaces.maxFacePx);
    found = addUncoveredDetections(main, small, config.smallFaces.detector.iouThreshold);
  }
  const smallFacesAdded = found.length - main.length;
  const t1 = performance.now();
  const detections: PipelineDetection[] = [];
  const alignedCrops: FaceCrop[] = [];
  let droppedNoPose = 0;
  let droppedDegenerate = 0;
  const { modelSizePx, quadScale } = config.align;
  for (const d of found) {
    if (!Number.isFinite(d.yawDeg) || !Number.isFinite(d.pitchDeg) || !Number.isFinite(d.rollDeg)) {
      droppedNoPose += 1;
      continue;
    }
    let aligned: FaceCrop;
    try {
      aligned = alignFace(frame, d.landmarks, { sizePx: modelSizePx, quadScale }).crop;
    } catch (err) {
      // A detection whose landmarks collapse is not a usable face; it is counted, anything else is a real error.
      if (err instanceof InputError && err.context.reason === 'degenerate landmarks') {
        droppedDegenerate += 1;
        continue;
      }
      throw err;
    }
    const scored = scoreDetection(d, aligned, config.quality);
    detections.push({ ...scored, detectionKey: nextKey + detections.length });
    alignedCrops.push(aligned);
  }
  const timingMs = { detect: tMain - t0, smallFaces: t1 - tMain, alignQuality: performance.now() - t1 };
  return { frameIndex: frame.index, ptsMs: frame.ptsMs, detections, aligned: alignedCrops, droppedNoPose, droppedDegenerate, smallFacesAdded, timingMs };
}

/**
 * The second half of {@link analyseFrame}: embeds the aligned crops flagged in `chosen` in one
 * embedder call. Per detection, its unit-norm embedding, or null where not chosen.
 * @throws FasrError when the embedder returns a different number of vectors.
 */
export async function embedChosen(frame: FrameDetections, chosen: readonly boolean[], embedder: ProcessDeps['embedder']): Promise<(Float32Array | null)[]> {
  const toEmbed = frame.aligned.filter((_, i) => chosen[i] === true);
  const vectors = toEmbed.length > 0 ? await embedder.embed(toEmbed) : [];
  let next = 0;
  const embeddings = frame.detections.map((_, i) => (chosen[i] === true ? (vectors[next++] ?? null) : null));
  if (next !== vectors.length || embeddings.some((e, i) => chosen[i] === true && e === null)) {
    throw new FasrError('E_PIPELINE', `frame ${frame.frameIndex}: the embedder returned ${vectors.length} embeddings for ${toEmbed.length} crops`);
  }
  return embeddings;
}

/**
 * One frame through detect → align → quality → embed ({@link detectFrame}, then
 * {@link embedChosen}): faces are detected on the analysis copy (`frame.analysis`, or the frame
 * itself), mapped to full resolution, aligned from the full-resolution frame (FFHQ crop at the
 * model size), scored, and the selected ones embedded in one call (the embedder batches them).
 * Nothing of the frame is kept: the crops are copies.
 *
 * With `smallFaces` 'probe' or 'full' the small-face pass (`deps.smallFaceDetector`, docs/pipeline.md
 * "Small faces by default") also runs: 'probe' on the analysis copy (cheap: it only has to find
 * whether small faces are there), 'full' on the full-resolution frame (sharper boxes and landmarks
 * for the faces it tracks); its faces of at most `smallFaces.maxFacePx` (full-resolution px) that
 * overlap none of the main detector's are added after them.
 *
 * @param nextKey the first detection key to use; keys are nextKey, nextKey+1, …
 * @param select which scored detections to embed (one flag each); default: all.
 * @param smallFaces whether and on which image the small-face pass runs (pipelines/small-face-pass.ts decides).
 */
export async function analyseFrame(
  frame: DecodedFrame,
  config: Readonly<ProcessConfig>,
  deps: ProcessDeps,
  nextKey: number,
  select: (detections: readonly PipelineDetection[]) => readonly boolean[] = (ds) => ds.map(() => true),
  smallFaces: SmallFaceRun = 'none',
): Promise<FrameAnalysis> {
  const found = await detectFrame(frame, config, deps, nextKey, smallFaces);
  const t2 = performance.now();
  const chosen = found.detections.length > 0 ? select(found.detections) : [];
  const embeddings = await embedChosen(found, chosen, deps.embedder);
  const timingMs = { ...found.timingMs, embed: performance.now() - t2 };
  const { detections, aligned, droppedNoPose, droppedDegenerate, smallFacesAdded } = found;
  return { frameIndex: frame.index, ptsMs: frame.ptsMs, detections, embeddings, aligned, droppedNoPose, droppedDegenerate, smallFacesAdded, timingMs };
}

/**
 * The export crop of a detection: FFHQ-aligned at the face's own resolution (round(qsize)),
 * capped at `align.exportMaxPx`, cut from the full-resolution frame. Costly for big faces (a
 * 512-px warp), so the pipeline cuts it only for detections the crop keeper will hold.
 */
export function cutNativeCrop(frame: DecodedFrame, d: Detection, config: Readonly<ProcessConfig>): FaceCrop {
  const { quadScale, exportMaxPx } = config.align;
  const nativePx = Math.min(exportMaxPx, Math.max(8, Math.round(ffhqCrop(d.landmarks, 1, quadScale).quadSizePx)));
  return alignFace(frame, d.landmarks, { sizePx: nativePx, quadScale }).crop;
}
