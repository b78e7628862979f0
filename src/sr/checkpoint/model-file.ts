import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { CheckpointError } from '../../contracts';
import { checkOptionKeys } from '../../validate';
import type { StateDict } from './host-tensor';
import { formatSafetensors, parseSafetensors } from './safetensors';

/** A JSON value (what a model config may contain). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
/** A model config: a JSON object owned by the model code (e.g. the NCSN++ config). */
export type JsonObject = { readonly [key: string]: JsonValue };

const cardSchema = z
  .object({
    /** Model name, e.g. `fasr-ncsnpp-celeba-128`. */
    name: z.string().min(1),
    /** What the model does, in a sentence or two. */
    description: z.string().min(1),
    /** Architecture and SDE, e.g. `NCSN++ (VE SDE), nf 128`. */
    architecture: z.string().min(1),
    /** Where the weights come from: a training run, or a converted checkpoint (path, sha256, commit). */
    source: z.string().min(1),
    /** Training data and its licence. */
    data: z.object({ datasets: z.array(z.string().min(1)).min(1), licence: z.string().min(1) }).strict(),
    /** Licence of the weights themselves. */
    licence: z.string().min(1),
    intendedUse: z.string().min(1),
    limitations: z.string().min(1),
    /** Optimisation steps the weights were trained for. */
    steps: z.number().int().nonnegative(),
    /** Evaluation results by name (e.g. `psnrDb`, `identityCosine`). */
    metrics: z.record(z.string(), z.number().finite()),
    /** ISO 8601 creation time. */
    createdAt: z.string().datetime({ offset: true }),
    notes: z.string().optional(),
  })
  .strict();

/** The model card stored beside the weights (what, from which data under which licence, how good). */
export type ModelCard = z.infer<typeof cardSchema>;

const FORMAT = 'fasr-model';
const FORMAT_VERSION = 1;

const sidecarSchema = z
  .object({
    format: z.literal(FORMAT),
    formatVersion: z.literal(FORMAT_VERSION),
    weights: z
      .object({
        file: z.string().regex(/^[A-Za-z0-9._-]+\.safetensors$/, 'a plain file name ending in .safetensors'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        bytes: z.number().int().nonnegative(),
        tensors: z.number().int().nonnegative(),
      })
      .strict(),
    config: z.record(z.string(), z.unknown()),
    /** What the network computes and how it is sampled (src/sr/formulation.ts); absent = the paper's. */
    formulation: z.record(z.string(), z.unknown()).optional(),
    card: cardSchema,
  })
  .strict();

/** Where {@link saveModelFile} wrote. */
export interface SavedModelFile {
  readonly weightsPath: string;
  readonly sidecarPath: string;
  /** sha256 of the weights file, lowercase hex. */
  readonly sha256: string;
  readonly bytes: number;
}

/** What {@link loadModelFile} returns. */
export interface LoadedModelFile<C> {
  readonly stateDict: StateDict;
  readonly config: C;
  readonly card: ModelCard;
  /** The sidecar's `formulation` (unvalidated JSON object), or null when absent (the paper's). */
  readonly formulation: JsonObject | null;
  /** sha256 of the weights file (verified against the sidecar), lowercase hex. */
  readonly sha256: string;
  readonly weightsPath: string;
  readonly sidecarPath: string;
}

/** Options of {@link saveModelFile}. */
export interface SaveModelFileOptions {
  /** Replace existing files. Default false (an existing file is an error). */
  readonly overwrite?: boolean;
  /** The model's formulation (src/sr/formulation.ts), stored in the sidecar; omit for the paper's. */
  readonly formulation?: JsonObject;
}

/** Options of {@link loadModelFile}. */
export interface LoadModelFileOptions<C> {
  /** Validates and types the stored config (e.g. a zod schema's `parse`); its errors propagate. */
  readonly parseConfig?: (raw: JsonObject) => C;
}

/** Resolves `<dir>` | `<name>.safetensors` | `<name>.json` to the two paths. */
function resolvePaths(target: string): { weightsPath: string; sidecarPath: string } {
  if (target.endsWith('.safetensors')) return { weightsPath: target, sidecarPath: `${target.slice(0, -'.safetensors'.length)}.json` };
  if (target.endsWith('.json')) return { weightsPath: `${target.slice(0, -'.json'.length)}.safetensors`, sidecarPath: target };
  return { weightsPath: path.join(target, 'model.safetensors'), sidecarPath: path.join(target, 'model.json') };
}

function checkJson(v: unknown, where: string, depth = 0): void {
  if (depth > 64) throw new CheckpointError(`config: nesting deeper than 64 at ${where}`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CheckpointError(`config: ${where} is ${v}; JSON needs a finite number`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkJson(x, `${where}[${i}]`, depth + 1));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkJson(x, `${where}.${k}`, depth + 1);
    return;
  }
  throw new CheckpointError(`config: ${where} is a ${typeof v} (${Object.prototype.toString.call(v)}), not a JSON value`);
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/**
 * Saves a model as `<name>.safetensors` (the weights; metadata carries the format and the
 * card's name) plus the sidecar `<name>.json` with the config, the model card and the weights'
 * sha256. `target` is a directory (→ `model.safetensors`, `model.json`) or a `.safetensors` path.
 * Everything is validated before anything is written; each file is written atomically.
 * @throws CheckpointError for an invalid state dict, config or card, or an existing file without `overwrite`.
 */
export async function saveModelFile(
  target: string,
  stateDict: StateDict,
  config: JsonObject,
  card: ModelCard,
  opts: SaveModelFileOptions = {},
): Promise<SavedModelFile> {
  checkOptionKeys('saveModelFile', opts, ['overwrite', 'formulation'], { error: CheckpointError });
  if (opts.formulation !== undefined) checkJson(opts.formulation, 'formulation');
  if (typeof target !== 'string' || target.length === 0) throw new CheckpointError('saveModelFile: target must be a non-empty path');
  if (!(stateDict instanceof Map) || stateDict.size === 0) throw new CheckpointError('saveModelFile: stateDict must be a non-empty Map');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new CheckpointError('saveModelFile: config must be a JSON object');
  checkJson(config, 'config');
  const parsedCard = cardSchema.safeParse(card);
  if (!parsedCard.success) {
    throw new CheckpointError(`saveModelFile: invalid model card: ${parsedCard.error.issues.map((i) => `${i.path.join('.') || '(card)'}: ${i.message}`).join('; ')}`);
  }
  const { weightsPath, sidecarPath } = resolvePaths(target);
  const weights = formatSafetensors(stateDict, { format: FORMAT, 'fasr.formatVersion': String(FORMAT_VERSION), 'fasr.name': parsedCard.data.name });
  const sha256 = sha256Hex(weights);
  const sidecar = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    weights: { file: path.basename(weightsPath), sha256, bytes: weights.byteLength, tensors: stateDict.size },
    config,
    ...(opts.formulation === undefined ? {} : { formulation: opts.formulation }),
    card: parsedCard.data,
  };
  sidecarSchema.parse(sidecar);
  if (opts.overwrite !== true) {
    for (const p of [weightsPath, sidecarPath]) {
      if (fs.existsSync(p)) throw new CheckpointError(`saveModelFile: ${p} exists; pass { overwrite: true } to replace it`, { path: p });
    }
  }
  await fs.promises.mkdir(path.dirname(weightsPath), { recursive: true });
  writeAtomic(weightsPath, weights);
  writeAtomic(sidecarPath, `${JSON.stringify(sidecar, null, 2)}\n`);
  return { weightsPath, sidecarPath, sha256, bytes: weights.byteLength };
}

/**
 * Loads a model saved by {@link saveModelFile} from its directory, `.safetensors` or `.json`
 * path: checks the sidecar's schema, the weights' sha256 and tensor count, and parses the
 * safetensors strictly.
 * @throws CheckpointError for a missing or invalid sidecar, a sha256 mismatch (weights changed
 *   or not the sidecar's), or an invalid weights file.
 */
export async function loadModelFile<C = JsonObject>(target: string, opts: LoadModelFileOptions<C> = {}): Promise<LoadedModelFile<C>> {
  checkOptionKeys('loadModelFile', opts, ['parseConfig'], { error: CheckpointError });
  const { sidecarPath } = resolvePaths(target);
  let text: string;
  try {
    text = await fs.promises.readFile(sidecarPath, 'utf8');
  } catch (e) {
    throw new CheckpointError(`${sidecarPath}: cannot read model sidecar (${e instanceof Error ? e.message : String(e)})`, { path: sidecarPath });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${sidecarPath}: not JSON (${e instanceof Error ? e.message : String(e)})`, { path: sidecarPath });
  }
  const parsed = sidecarSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CheckpointError(
      `${sidecarPath}: invalid model sidecar: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      { path: sidecarPath },
    );
  }
  const side = parsed.data;
  // The weights file is named by the sidecar, and always next to it.
  const weightsPath = path.join(path.dirname(sidecarPath), side.weights.file);
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(weightsPath);
  } catch (e) {
    throw new CheckpointError(`${weightsPath}: cannot read model weights (${e instanceof Error ? e.message : String(e)})`, { path: weightsPath });
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== side.weights.sha256 || bytes.byteLength !== side.weights.bytes) {
    throw new CheckpointError(
      `${weightsPath}: sha256 ${sha256} (${bytes.byteLength} bytes) does not match the sidecar's ${side.weights.sha256} (${side.weights.bytes} bytes)`,
      { path: weightsPath, expected: side.weights.sha256, actual: sha256 },
    );
  }
  const st = parseSafetensors(bytes, weightsPath);
  if (st.metadata.format !== FORMAT) {
    throw new CheckpointError(`${weightsPath}: metadata format is ${JSON.stringify(st.metadata.format)}, expected '${FORMAT}'`, { path: weightsPath });
  }
  if (st.tensors.size !== side.weights.tensors) {
    throw new CheckpointError(`${weightsPath}: ${st.tensors.size} tensors, the sidecar says ${side.weights.tensors}`, { path: weightsPath });
  }
  const configRaw = side.config as JsonObject;
  const config = opts.parseConfig === undefined ? (configRaw as unknown as C) : opts.parseConfig(configRaw);
  return { stateDict: st.tensors, config, card: side.card, formulation: (side.formulation as JsonObject | undefined) ?? null, sha256, weightsPath, sidecarPath };
}
