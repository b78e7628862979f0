import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../contracts';

/** Which tracks `exportTracks` writes, and where. */
export interface ExportOptions {
  /** Output directory (absolute after parsing); created if missing. Every file written stays inside it. */
  readonly outDir: string;
  /** Only tracks of these source ids. Empty: no source filter. */
  readonly sourceIds: readonly number[];
  /** Only these track ids (exported whatever their status). Empty: no track filter. */
  readonly trackIds: readonly number[];
  /**
   * Only tracks seen at or after this wall-clock time, Unix epoch ms (the track's end is at or
   * after it; sources without a recording time never match). null: no time filter.
   */
  readonly sinceMs: number | null;
  /** Also export tracks the pipeline rejected (too short, too small, ...). Default false. */
  readonly includeRejected: boolean;
  /** Largest number of F_M member crops written and shown per track, integer 1–256. Default 16. */
  readonly maxCrops: number;
  /** Side of a contact-sheet tile, px, integer 32–512. Default 128 (the model's HR size). */
  readonly tilePx: number;
}

const id = z.number().int().positive();
const schema = z
  .object({
    outDir: z.string().min(1),
    sourceIds: z.array(id).default([]),
    trackIds: z.array(id).default([]),
    sinceMs: z.number().finite().nullable().default(null),
    includeRejected: z.boolean().default(false),
    maxCrops: z.number().int().min(1).max(256).default(16),
    tilePx: z.number().int().min(32).max(512).default(128),
  })
  .strict();

/**
 * Validates export options (unknown keys rejected) and fills the defaults; `outDir` is made absolute.
 * @throws ConfigError naming each bad key, what was expected and what was received.
 */
export function parseExportOptions(input: unknown): Readonly<ExportOptions> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? `unknown option(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}; valid: ${Object.keys(schema.shape).join(', ')}`
        : `${i.path.join('.') || '(options)'}: ${i.message}`,
    );
    throw new ConfigError(`invalid export options: ${issues.join('; ')}`, { issues: r.error.issues });
  }
  const v = r.data;
  return Object.freeze({ ...v, outDir: path.resolve(v.outDir), sourceIds: Object.freeze([...v.sourceIds]), trackIds: Object.freeze([...v.trackIds]) });
}
