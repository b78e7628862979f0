import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../src/contracts';
import { defaultSrEngine, parseSrSamplingConfig } from '../src/sr';
import type { SrSamplingConfig } from '../src/sr';
import { parseKeepNativeMinSidePx } from './keep-native';
import { parseProcessConfig, type ProcessConfig } from './process-config';

/** Pipeline file kinds: a night's batch, a watch over NVR folders, an export of stored tracks. */
export const PIPELINE_KINDS = Object.freeze(['batch', 'watch', 'export'] as const);
export type PipelineKind = (typeof PIPELINE_KINDS)[number];

/** The export step: where and what (see src/export `ExportOptions`). */
export interface PipelineExportSpec {
  /** Output directory (absolute). */
  readonly out: string;
  readonly sourceIds: readonly number[];
  /** Source paths (absolute), resolved to ids in the store when the pipeline runs. */
  readonly sourcePaths: readonly string[];
  readonly trackIds: readonly number[];
  /** Wall-clock lower bound, Unix epoch ms; null: none. */
  readonly sinceMs: number | null;
  readonly includeRejected: boolean;
  readonly maxCrops: number;
  readonly tilePx: number;
}

/** The SR step of a batch: every ok track of the batch's sources enhanced with `enhanceTrack` (src/sr). */
export interface PipelineSrSpec {
  /** Model file (absolute): a fasr model (model.json / .safetensors) or the authors' .pth; null: the one bundled under models/. */
  readonly model: string | null;
  /** Config of a .pth checkpoint: a preset name or a JSON file (absolute); null: loadSrModel's default. */
  readonly config: string | null;
  /** Inference engine: 'tfjs' or 'onnx'. Default: the fastest installed (defaultSrEngine: onnx). */
  readonly engine: 'tfjs' | 'onnx';
  /** Sampling options as the file gives them (sampler, steps, snr, samplerOptions, batchSize), recorded with the SR run. */
  readonly sampling: Readonly<Record<string, unknown>>;
  /** `sampling` parsed once, when the file is read (`parseSrSamplingConfig`); enhanceTrack takes it as it is. */
  readonly samplingConfig: Readonly<SrSamplingConfig>;
  /** Noise seed, integer >= 0. Default 0. */
  readonly seed: number;
  /** 'fm' (the track's F_M, default) or 'zero'. */
  readonly conditioning: 'fm' | 'zero';
  /**
   * Keep-native threshold, px, integer in [1, 4096] (pipelines/keep-native.ts): a track whose LR_0
   * native crop is at least this on a side is not synthesized; its output is that crop, stored as
   * 'kept-native' with the reason. null (or 0 in the file): off. Default 128.
   */
  readonly keepNativeMinSidePx: number | null;
}

interface PipelineBase {
  /** The pipeline file (absolute), for messages and the run row. */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  /** SQLite store (absolute). */
  readonly db: string;
}

/** A night's batch: files, directories, globs; then optionally an export of what it stored. */
export interface BatchPipeline extends PipelineBase {
  readonly kind: 'batch';
  /** Files, directories or globs, absolute (relative ones are taken from the pipeline file's folder). */
  readonly inputs: readonly string[];
  readonly force: boolean;
  readonly backend: string;
  readonly videoExtensions: readonly string[] | null;
  readonly includeHidden: boolean;
  readonly process: Readonly<ProcessConfig>;
  /** SR of every ok track of the batch's sources, after the batch and before the export; null: no SR. */
  readonly sr: Readonly<PipelineSrSpec> | null;
  /** Export after the batch (the tracks of the sources in this batch); null: no export. */
  readonly export: Readonly<PipelineExportSpec> | null;
}

/** Folders an NVR writes into, processed as files complete, until SIGINT/SIGTERM. */
export interface WatchPipeline extends PipelineBase {
  readonly kind: 'watch';
  readonly folders: readonly string[];
  readonly force: boolean;
  readonly backend: string;
  readonly process: Readonly<ProcessConfig>;
  readonly watch: {
    readonly stabilityMs: number;
    readonly pollIntervalMs: number;
    readonly usePolling: boolean;
    readonly includeExisting: boolean;
    readonly depth: number | null;
    readonly videoExtensions: readonly string[] | null;
    /** Reconciliation scan interval, ms (0: none); see src/ingest `WatchFoldersOptions.rescanIntervalMs`. Default 30000. */
    readonly rescanIntervalMs: number;
  };
}

/** An export of stored tracks. */
export interface ExportPipeline extends PipelineBase {
  readonly kind: 'export';
  readonly export: Readonly<PipelineExportSpec>;
}

/** A parsed, validated pipeline file; every path absolute. */
export type PipelineSpec = BatchPipeline | WatchPipeline | ExportPipeline;

const pathList = z.array(z.string().min(1, 'must be a non-empty path')).min(1, 'must list at least one path');
const isoTime = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) && Number.isFinite(Date.parse(s)), {
  message: 'must be an ISO 8601 date or time with a zone, e.g. "2024-01-15" or "2024-01-15T08:00:00Z"',
});
const exportFields = {
  out: z.string().min(1),
  sources: z.array(z.union([z.number().int().positive(), z.string().min(1)])).default([]),
  tracks: z.array(z.number().int().positive()).default([]),
  since: isoTime.nullable().default(null),
  includeRejected: z.boolean().default(false),
  maxCrops: z.number().int().min(1).max(256).default(16),
  tilePx: z.number().int().min(32).max(512).default(128),
};
const common = {
  $schema: z.string().optional(),
  description: z.string().default(''),
  db: z.string().min(1).default('fasr.sqlite'),
};
const backend = z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto');
const videoExtensions = z.array(z.string().min(1)).min(1).nullable().default(null);

const batchSchema = z
  .object({
    ...common,
    kind: z.literal('batch'),
    inputs: pathList,
    force: z.boolean().default(false),
    backend,
    videoExtensions,
    includeHidden: z.boolean().default(false),
    process: z.record(z.unknown()).default({}),
    sr: z
      .object({
        model: z.string().min(1).nullable().default(null),
        config: z.string().min(1).nullable().default(null),
        engine: z.enum(['tfjs', 'onnx']).default(() => defaultSrEngine().engine),
        sampler: z.string().min(1).optional(),
        steps: z.number().int().min(1).max(100_000).optional(),
        snr: z.number().finite().gt(0).optional(),
        samplerOptions: z.record(z.unknown()).optional(),
        batchSize: z.number().int().min(1).max(64).optional(),
        seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
        conditioning: z.enum(['fm', 'zero']).default('fm'),
        // checked by parseKeepNativeMinSidePx (the project's message for it), below
        keepNativeMinSidePx: z.unknown().optional(),
      })
      .strict()
      .nullable()
      .default(null),
    export: z.object({ out: exportFields.out, includeRejected: exportFields.includeRejected, maxCrops: exportFields.maxCrops, tilePx: exportFields.tilePx }).strict().nullable().default(null),
  })
  .strict();
const watchSchema = z
  .object({
    ...common,
    kind: z.literal('watch'),
    folders: pathList,
    force: z.boolean().default(false),
    backend,
    process: z.record(z.unknown()).default({}),
    watch: z
      .object({
        stabilityMs: z.number().int().min(50).max(3_600_000).default(5000),
        pollIntervalMs: z.number().int().min(10).max(60_000).default(500),
        usePolling: z.boolean().default(false),
        includeExisting: z.boolean().default(true),
        depth: z.number().int().min(0).max(1000).nullable().default(null),
        videoExtensions,
        rescanIntervalMs: z.union([z.literal(0), z.number().int().min(100).max(86_400_000)]).default(30000),
      })
      .strict()
      .default({}),
  })
  .strict();
const exportSchema = z
  .object({ ...common, kind: z.literal('export'), ...exportFields })
  .strict();
const schema = z.discriminatedUnion('kind', [batchSchema, watchSchema, exportSchema]);

/** `$.a.b[0]` for a zod issue path. */
function jsonPath(p: readonly (string | number)[]): string {
  return '$' + p.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
}

function issueText(file: string, i: z.ZodIssue): string {
  const at = jsonPath(i.path);
  if (i.code === 'unrecognized_keys') return `${file}: ${at}: unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (i.code === 'invalid_union_discriminator') return `${file}: ${at}: expected one of ${PIPELINE_KINDS.join(', ')}`;
  return `${file}: ${at}: ${i.message}`;
}

function exportSpec(base: string, e: { out: string; sources?: (number | string)[]; tracks?: number[]; since?: string | null; includeRejected: boolean; maxCrops: number; tilePx: number }): PipelineExportSpec {
  const sources = e.sources ?? [];
  return Object.freeze({
    out: path.resolve(base, e.out),
    sourceIds: Object.freeze(sources.filter((s): s is number => typeof s === 'number')),
    sourcePaths: Object.freeze(sources.filter((s): s is string => typeof s === 'string').map((s) => path.resolve(base, s))),
    trackIds: Object.freeze([...(e.tracks ?? [])]),
    sinceMs: e.since === undefined || e.since === null ? null : Date.parse(e.since),
    includeRejected: e.includeRejected,
    maxCrops: e.maxCrops,
    tilePx: e.tilePx,
  });
}

/**
 * Validates a pipeline document (already parsed JSON): `kind` picks the schema (batch, watch,
 * export); unknown keys are rejected at every level; the `process` section is checked by
 * `parseProcessConfig`. Relative paths (db, inputs, folders, out, source paths) are resolved from
 * `baseDir` (the pipeline file's folder, so a pipeline runs the same from any working directory).
 * @param file name used in messages.
 * @throws ConfigError whose message names the file and the JSON path of every problem
 *   (e.g. `pipelines/overnight.json: $.inputs[0]: Expected string, received number`).
 */
export function parsePipeline(doc: unknown, file: string, baseDir: string): PipelineSpec {
  const r = schema.safeParse(doc);
  if (!r.success) {
    throw new ConfigError(`invalid pipeline file: ${r.error.issues.map((i) => issueText(file, i)).join('; ')}`, { file, issues: r.error.issues });
  }
  const d = r.data;
  const base = {
    file: path.resolve(file),
    name: path.basename(file).replace(/\.json$/i, ''),
    description: d.description,
    db: path.resolve(baseDir, d.db),
  };
  const processConfig = (section: Record<string, unknown>): Readonly<ProcessConfig> => {
    try {
      return parseProcessConfig(section);
    } catch (err) {
      throw new ConfigError(`invalid pipeline file: ${file}: $.process: ${err instanceof Error ? err.message : String(err)}`, { file });
    }
  };
  const srSampling = (sampling: Readonly<Record<string, unknown>>): Readonly<SrSamplingConfig> => {
    try {
      return parseSrSamplingConfig(sampling, '$.sr');
    } catch (err) {
      throw new ConfigError(`invalid pipeline file: ${file}: ${err instanceof Error ? err.message : String(err)}`, { file });
    }
  };
  const keepNative = (value: unknown): number | null => {
    try {
      return parseKeepNativeMinSidePx('$.sr', value);
    } catch (err) {
      throw new ConfigError(`invalid pipeline file: ${file}: ${err instanceof Error ? err.message : String(err)}`, { file });
    }
  };
  if (d.kind === 'batch') {
    const sampling: Readonly<Record<string, unknown>> = Object.freeze(
      Object.fromEntries((['sampler', 'steps', 'snr', 'samplerOptions', 'batchSize'] as const).filter((k) => d.sr?.[k] !== undefined).map((k) => [k, d.sr?.[k]])),
    );
    return Object.freeze({
      ...base,
      kind: 'batch',
      inputs: Object.freeze(d.inputs.map((i) => path.resolve(baseDir, i))),
      force: d.force,
      backend: d.backend,
      videoExtensions: d.videoExtensions,
      includeHidden: d.includeHidden,
      process: processConfig(d.process),
      sr:
        d.sr === null
          ? null
          : Object.freeze({
              // A config that names a file is resolved like the other paths; a preset name stays as it is.
              model: d.sr.model === null ? null : path.resolve(baseDir, d.sr.model),
              config: d.sr.config === null ? null : d.sr.config.endsWith('.json') ? path.resolve(baseDir, d.sr.config) : d.sr.config,
              engine: d.sr.engine,
              sampling,
              samplingConfig: srSampling(sampling),
              seed: d.sr.seed,
              conditioning: d.sr.conditioning,
              keepNativeMinSidePx: keepNative(d.sr.keepNativeMinSidePx),
            }),
      export: d.export === null ? null : exportSpec(baseDir, d.export),
    });
  }
  if (d.kind === 'watch') {
    return Object.freeze({
      ...base,
      kind: 'watch',
      folders: Object.freeze(d.folders.map((f) => path.resolve(baseDir, f))),
      force: d.force,
      backend: d.backend,
      process: processConfig(d.process),
      watch: Object.freeze({ ...d.watch }),
    });
  }
  return Object.freeze({ ...base, kind: 'export', export: exportSpec(baseDir, d) });
}

/**
 * Reads and validates a pipeline file (JSON). See {@link parsePipeline}.
 * @throws ConfigError naming the file: unreadable, not JSON (with the parser's position), or invalid.
 */
export function loadPipelineFile(file: string): PipelineSpec {
  if (typeof file !== 'string' || file.trim() === '') throw new ConfigError('loadPipelineFile: give the path of a pipeline file (.json)', { file });
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the pipeline file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { file });
  }
  return parsePipeline(doc, file, path.dirname(path.resolve(file)));
}
