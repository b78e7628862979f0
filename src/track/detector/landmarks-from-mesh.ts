import type { FaceLandmarks5 } from '../../contracts';

/** MediaPipe face-mesh indices (Human's 468/478-point mesh) of the five landmarks. */
export const MESH_INDEX = Object.freeze({
  /** Iris centres (present when the iris model ran: 478 points). 473 is on the image's left. */
  irisImageLeft: 473,
  irisImageRight: 468,
  /** Eye corners (always present): image-left eye 33 (outer) / 133 (inner), image-right 362 (inner) / 263 (outer). */
  eyeImageLeft: [33, 133] as const,
  eyeImageRight: [362, 263] as const,
  noseTip: 1,
  mouthImageLeft: 61,
  mouthImageRight: 291,
});

/** A mesh point as Human gives it: [x, y, z?]. */
export type MeshPoint = readonly [number, number, number?] | readonly number[];

function point(mesh: readonly MeshPoint[], i: number): [number, number] {
  const p = mesh[i];
  const x = p?.[0];
  const y = p?.[1];
  if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) {
    throw new RangeError(`face mesh point ${i} is missing or not finite (mesh has ${mesh.length} points)`);
  }
  return [x, y];
}

function mid(a: [number, number], b: [number, number]): [number, number] {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
}

/**
 * The five landmarks from a face mesh, in the mesh's pixel coordinates: eye centres from the
 * iris centres when the mesh has them (478 points), else the midpoint of the eye corners;
 * nose tip; mouth corners. Image-left points first (see FaceDetector's convention).
 * @throws RangeError when the mesh has fewer than 468 points or a needed point is not finite.
 */
export function landmarksFromMesh(mesh: readonly MeshPoint[]): FaceLandmarks5 {
  if (mesh.length < 468) throw new RangeError(`face mesh must have 468 or 478 points, received ${mesh.length}`);
  const hasIris = mesh.length >= 478;
  const leftEye = hasIris ? point(mesh, MESH_INDEX.irisImageLeft) : mid(point(mesh, MESH_INDEX.eyeImageLeft[0]), point(mesh, MESH_INDEX.eyeImageLeft[1]));
  const rightEye = hasIris ? point(mesh, MESH_INDEX.irisImageRight) : mid(point(mesh, MESH_INDEX.eyeImageRight[0]), point(mesh, MESH_INDEX.eyeImageRight[1]));
  return {
    leftEye,
    rightEye,
    nose: point(mesh, MESH_INDEX.noseTip),
    mouthLeft: point(mesh, MESH_INDEX.mouthImageLeft),
    mouthRight: point(mesh, MESH_INDEX.mouthImageRight),
  };
}
