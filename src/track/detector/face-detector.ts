import type { Detection, Frame } from '../../contracts';

/**
 * Finds faces in one frame. Implementations own their models; results are in full-resolution
 * frame pixels and carry the frame's `index` and `ptsMs`.
 *
 * Landmark convention (all implementations): `leftEye`, `mouthLeft` are the points on the
 * image's left for an upright face (the subject's right eye / mouth corner), the order of the
 * ArcFace / insightface 5-point template. Angles are degrees, 0 = frontal.
 */
export interface FaceDetector {
  /** Provenance: implementation, library version, models and the settings that change results. */
  readonly id: string;
  /**
   * Detects the faces in `frame`, highest score first.
   * @throws InputError for a malformed frame; an error when the detector is closed.
   */
  detect(frame: Frame): Promise<Detection[]>;
  /** Releases what the detector holds; later `detect` calls throw. Idempotent. */
  close(): Promise<void>;
}
