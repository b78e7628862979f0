/** Converts 8-bit samples to float32 in [0, 1] (v / 255). */
export function uint8ToFloat(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] ?? 0) / 255;
  return out;
}
