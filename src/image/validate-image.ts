import { InputError } from '../contracts';

/**
 * Checks that `data` holds exactly height*width*channels values and that the sizes are positive
 * integers. Shared by every public entry point of src/image.
 * @throws InputError naming `what` and the mismatch.
 */
export function validateImageShape(
  what: string,
  dataLength: number,
  height: number,
  width: number,
  channels: number,
): void {
  for (const [name, v] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new InputError(`${what}: ${name} must be a positive integer, got ${String(v)}`, { option: name, reason: 'bad size' });
    }
  }
  const expected = height * width * channels;
  if (dataLength !== expected) {
    throw new InputError(
      `${what}: expected ${height}x${width}x${channels} = ${expected} values (HWC), got ${dataLength}`,
      { reason: 'length mismatch', expected, actual: dataLength },
    );
  }
}
