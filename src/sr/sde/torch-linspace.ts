/**
 * `torch.linspace(start, end, steps)` in float32 exactly as PyTorch's CPU kernel computes it:
 * start and end are rounded to float32, `step = (end - start) / (steps - 1)` in float32, and
 * value i is `start + step*i` for i < steps/2 and `end - step*(steps-1-i)` otherwise (so both ends
 * are exact). `steps = 1` gives `[start]`.
 *
 * PyTorch evaluates chunks of 8/16 elements with a vectorised `arange` from a chunk base, which
 * can differ from this scalar formula by 1 ulp for steps ≥ 16; the fixtures (steps = 4) are exact.
 */
export function torchLinspaceFloat32(start: number, end: number, steps: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const s = f(start);
  const e = f(end);
  const step = f(f(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f(s + f(step * i)) : f(e - f(step * (steps - 1 - i)));
  }
  return out;
}
