import type { JsonValue } from '../store';

/**
 * Turns a stored sampler label (src/sr `samplerLabel`, e.g.
 * `pc(steps=3,snr=0.16,nSteps=1,eps=0.00001,langevinStepSize=per-sample)`) back into the sampling
 * options of `enhanceTrack`: `{ sampler, steps, snr, samplerOptions }` (numbers, booleans and null
 * parsed as `parseSamplerOptionPairs` does). A label without options (`pc`) gives only the sampler.
 * null when the text is not a label of that form.
 */
export function samplerLabelOptions(label: string, steps: number): Record<string, JsonValue> | null {
  const m = /^([a-z][a-z0-9-]*)(?:\((.*)\))?$/.exec(label);
  if (m === null) return null;
  const out: Record<string, JsonValue> = { sampler: m[1] ?? '' };
  const extra: Record<string, JsonValue> = {};
  const body = m[2] ?? '';
  for (const pair of body === '' ? [] : body.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) return null;
    const key = pair.slice(0, at);
    const text = pair.slice(at + 1);
    const num = Number(text);
    const value: JsonValue = text === 'true' ? true : text === 'false' ? false : text === 'null' ? null : text.trim() !== '' && Number.isFinite(num) ? num : text;
    if (key === 'steps' || key === 'snr') out[key] = value;
    else extra[key] = value;
  }
  if (!('steps' in out) && out.sampler !== 'adaptive') out.steps = steps;
  if (Object.keys(extra).length > 0) out.samplerOptions = extra;
  return out;
}
