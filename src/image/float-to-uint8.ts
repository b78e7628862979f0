import { InputError } from '../contracts';

/**
 * Converts float samples in [0, 1] to 8 bits: clip to [0, 1], then round half away from zero of
 * v*255 (as `np.clip(x*255, 0, 255).round()`, up to ties). The one quantisation step of the pipeline.
 * @throws InputError on a NaN sample (a NaN image is a bug upstream, not a black pixel).
 */
export function floatToUint8(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] ?? 0;
    if (Number.isNaN(v)) throw new InputError(`floatToUint8: sample ${i} is NaN`, { reason: 'NaN' });
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}
