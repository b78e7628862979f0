const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The next float32 above a finite float32 value `x` (toward +∞). */
function nextUpFloat32(x: number): number {
  if (x === 0) return 1.401298464324817e-45;
  scratchF32[0] = x;
  scratchU32[0] = x > 0 ? (scratchU32[0] ?? 0) + 1 : (scratchU32[0] ?? 0) - 1;
  return scratchF32[0] ?? x;
}

/** Fused multiply-add `x*y + z` of float32 values, rounded once to float32 (as `vfmadd` does). */
export function fmaFloat32(x: number, y: number, z: number): number {
  const p = x * y; // exact: two 24-bit significands fit in 53 bits
  const s = p + z;
  const bb = s - p;
  const err = p - (s - bb) + (z - bb); // TwoSum: p + z = s + err exactly
  const r = Math.fround(s);
  if (err === 0 || r === s || !Number.isFinite(s)) return r;
  // s is not a float32; it lies between r and a neighbour. Only an exact tie can round wrongly.
  const lo = r < s ? r : -nextUpFloat32(-r);
  const hi = r < s ? nextUpFloat32(r) : r;
  if (s !== (lo + hi) / 2) return r;
  return err > 0 ? hi : lo;
}

const R_LN2F = Math.fround(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2UF = Math.fround(0.693145751953125);
const L2LF = Math.fround(1.428606765330187045e-6);
const EXP_POLY = [
  0.00139304355252534151077271, 0.00833336077630519866943359, 0.0416664853692054748535156, 0.166666671633720397949219, 0.5,
].map(Math.fround);
const EXP_POLY0 = Math.fround(0.000198527617612853646278381);

function rintHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * float32 `exp` as PyTorch's CPU kernels compute it (`Vectorized<float>::exp` → SLEEF
 * `Sleef_expf8_u10`, the SIMD variant with FMA; max error 1 ulp, not always correctly rounded).
 * Used so `VeSde.discreteSigmas` equal `torch.exp(torch.linspace(...))` bit for bit, e.g. exp of
 * float32(log 348) is 348.0 here and in torch, but 347.99997 when correctly rounded.
 */
export function expFloat32(d: number): number {
  const x = Math.fround(d);
  if (Number.isNaN(x)) return NaN;
  if (x < -104) return 0;
  if (x > 104) return Infinity;
  const q = rintHalfEven(Math.fround(x * R_LN2F));
  let s = fmaFloat32(q, -L2UF, x);
  s = fmaFloat32(q, -L2LF, s);
  let u = EXP_POLY0;
  for (const c of EXP_POLY) u = fmaFloat32(u, s, c);
  u = Math.fround(1 + fmaFloat32(Math.fround(s * s), u, s));
  return Math.fround(u * 2 ** q);
}
