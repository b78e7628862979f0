import { landmarksFromMesh, MESH_INDEX } from '../../../../src/track/detector';

function mesh(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => [i, 1000 + i, 0]);
}

describe('landmarksFromMesh', () => {
  it('takes the iris centres when the mesh has 478 points', () => {
    const lm = landmarksFromMesh(mesh(478));
    expect(lm.leftEye).toEqual([MESH_INDEX.irisImageLeft, 1000 + MESH_INDEX.irisImageLeft]);
    expect(lm.rightEye).toEqual([468, 1468]);
    expect(lm.nose).toEqual([1, 1001]);
    expect(lm.mouthLeft).toEqual([61, 1061]);
    expect(lm.mouthRight).toEqual([291, 1291]);
  });

  it('falls back to the eye-corner midpoints without iris points', () => {
    const lm = landmarksFromMesh(mesh(468));
    expect(lm.leftEye).toEqual([(33 + 133) / 2, 1000 + (33 + 133) / 2]);
    expect(lm.rightEye).toEqual([(362 + 263) / 2, 1000 + (362 + 263) / 2]);
  });

  it('rejects a short mesh or a non-finite point', () => {
    expect(() => landmarksFromMesh(mesh(100))).toThrow('face mesh must have 468 or 478 points, received 100');
    const m = mesh(478);
    m[1] = [Number.NaN, 0];
    expect(() => landmarksFromMesh(m)).toThrow('face mesh point 1 is missing or not finite (mesh has 478 points)');
  });
});
