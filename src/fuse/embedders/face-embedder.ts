import type { FaceCrop } from '../../contracts';

/**
 * Turns aligned face crops into identity descriptors for fusion (F_M in the FASR paper).
 * Implementations own their models; outputs are L2-normalised, so cosine similarity is a dot
 * product.
 */
export interface FaceEmbedder {
  /** Provenance: method, model, version (stored with every embedding). */
  readonly id: string;
  /** Length of each descriptor. */
  readonly dim: number;
  /** Side of the square image the model sees; crops of any size are resized to it (bilinear). */
  readonly inputSizePx: number;
  /**
   * One unit-norm descriptor of length `dim` per crop, in order; deterministic.
   * @throws InputError for a malformed crop; an error after `close()`.
   */
  embed(crops: readonly FaceCrop[]): Promise<Float32Array[]>;
  /** Releases the model; later `embed` calls throw. Idempotent. */
  close(): Promise<void>;
}
