import { InputError } from '../../contracts';

/**
 * Throws an InputError naming the option, what was expected and what was received.
 * @param where the function or option group, e.g. "expandInputs option"
 */
export function failOption(where: string, name: string, expected: string, received: unknown): never {
  let shown: string;
  try {
    shown = received instanceof RegExp ? String(received) : (JSON.stringify(received) ?? String(received));
  } catch {
    shown = String(received);
  }
  throw new InputError(`${where} "${name}": expected ${expected}, received ${shown}`, { option: name });
}

/**
 * Rejects a non-object and any key not in `valid` (a misspelled option must not be ignored).
 * @throws InputError listing the valid keys.
 */
export function checkOptionKeys(where: string, opts: unknown, valid: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) failOption(where, 'options', 'an object', opts);
  for (const key of Object.keys(opts)) {
    if (!valid.includes(key)) {
      throw new InputError(`unknown ${where} "${key}"; valid options: ${valid.join(', ')}`, { option: key });
    }
  }
}
