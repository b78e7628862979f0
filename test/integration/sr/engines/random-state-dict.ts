/**
 * Seeded random NCSN++ weights that keep activations O(1) through every module (unlike the paper's
 * init_scale 0, whose residual branches start at ~1e-10 and hide most of the network from a
 * comparison): every weight N(0, 1/fan_in), GroupNorm scales 1 + N(0, 0.1^2), biases N(0, 0.1^2).
 */
import type { HostTensor, StateDict } from '../../../../src/sr/checkpoint';
import type { NcsnppConfig } from '../../../../src/sr/model-config';
import { buildNcsnppSpec, ncsnppSigmasBuffer } from '../../../../src/sr/models';

/**
 * mulberry32 uniform generator + Box-Muller: seeded N(0,1) draws. Math functions are bound to
 * locals: global lookups inside jest's vm context are slow enough to matter for 71M draws.
 */
function normalGenerator(seed: number): () => number {
  const { imul, sqrt, log, cos, PI } = Math;
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => sqrt(-2 * log(uniform())) * cos(2 * PI * uniform());
}

/** A full state dict for `config` with the O(1)-activation random weights described above. */
export function randomStateDict(config: NcsnppConfig, seed: number): StateDict {
  const normal = normalGenerator(seed);
  const sd = new Map<string, HostTensor>();
  for (const p of buildNcsnppSpec(config).params) {
    if (p.buffer) {
      sd.set(p.name, { dtype: 'float64', shape: [...p.shape], data: ncsnppSigmasBuffer(config) });
      continue;
    }
    const n = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isGnScale = p.layout === 'vector' && /GroupNorm_?\d*\.weight$|^all_modules\.\d+\.weight$/.test(p.name);
    if (p.name === 'all_modules.0.W') for (let i = 0; i < n; i++) data[i] = normal() * config.fourierScale;
    else if (p.layout === 'vector') for (let i = 0; i < n; i++) data[i] = (isGnScale ? 1 : 0) + 0.1 * normal();
    else {
      // conv OIHW / linear (out,in): fan_in = n / out; NIN (in,out): fan_in = in.
      const fanIn = p.layout === 'nin' ? (p.shape[0] ?? 1) : n / (p.shape[0] ?? 1);
      const std = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < n; i++) data[i] = normal() * std;
    }
    sd.set(p.name, { dtype: 'float32', shape: [...p.shape], data });
  }
  return sd;
}

