import * as fs from 'node:fs';
import { InputError } from '../contracts';

/** Reads a --config JSON object (the `process` section of a pipeline). */
export function readProcessConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { option: 'config', path: file });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`--config: ${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`, { option: 'config', path: file });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InputError(`--config: ${file} must hold a JSON object`, { option: 'config' });
  return doc as Record<string, unknown>;
}

/** --config, then --fps on top, as a pipeline's `process` section. */
export function processSection(opts: { readonly config?: string; readonly fps?: string }): Record<string, unknown> {
  const section = opts.config !== undefined ? readProcessConfigFile(opts.config) : {};
  if (opts.fps !== undefined) {
    const fps = Number(opts.fps);
    if (opts.fps.trim() === '' || !Number.isFinite(fps)) throw new InputError(`--fps: expected a number in (0, 240], received ${JSON.stringify(opts.fps)}`, { option: 'fps' });
    const decode = section.decode;
    section.decode = { ...(typeof decode === 'object' && decode !== null ? decode : {}), fps };
  }
  return section;
}

/** A whole number > 0 from a CLI value. */
export function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new InputError(`${option}: expected a whole number > 0, received ${JSON.stringify(value)}`, { option });
  return n;
}
