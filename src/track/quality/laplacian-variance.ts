import { InputError } from '../../contracts';

/**
 * Variance of the 4-neighbour Laplacian [0 1 0; 1 −4 1; 0 1 0] (OpenCV `Laplacian`, ksize 1)
 * over the interior pixels of a grey image — the classic focus measure (Pech-Pacheco et al. 2000).
 * @param grey height*width values (any scale; the result scales with its square).
 * @throws InputError on a size mismatch or an image smaller than 3x3.
 */
export function laplacianVariance(grey: ArrayLike<number>, height: number, width: number): number {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 3 || width < 3 || grey.length !== height * width) {
    throw new InputError(`laplacianVariance: expected a grey image of at least 3x3 with height*width values, got ${height}x${width} and ${grey.length} values`);
  }
  let s = 0;
  let ss = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = (grey[i - width] ?? 0) + (grey[i + width] ?? 0) + (grey[i - 1] ?? 0) + (grey[i + 1] ?? 0) - 4 * (grey[i] ?? 0);
      s += v;
      ss += v * v;
    }
  }
  const n = (height - 2) * (width - 2);
  return Math.max(0, ss / n - (s / n) ** 2);
}
