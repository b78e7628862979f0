import { InputError } from '../../contracts';

/**
 * Validates a tensor shape requested from a noise source: an array of non-negative integers.
 * @returns the number of elements.
 * @throws InputError naming the caller and the received value.
 */
export function checkNoiseShape(where: string, shape: unknown): number {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new InputError(`${where}: shape must be an array of non-negative integers, received ${safeJson(shape)}`, {
      option: 'shape',
    });
  }
  return (shape as number[]).reduce((a, b) => a * b, 1);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
