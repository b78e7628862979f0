import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../contracts';
import type { HostTensor } from '../checkpoint';
import { formatSafetensors, parseSafetensors } from '../checkpoint';
import type { JsonObject } from '../checkpoint';

/** Format tag of a training checkpoint's JSON. */
export const TRAINING_CHECKPOINT_FORMAT = 'fasr-train-checkpoint';
export const TRAINING_CHECKPOINT_VERSION = 1;

/** The tensor groups a checkpoint holds, each keyed by the model's variable names (tfjs layout). */
export const CHECKPOINT_GROUPS = ['param', 'ema', 'adam_m', 'adam_v'] as const;
export type CheckpointGroup = (typeof CHECKPOINT_GROUPS)[number];

/** The scalar state of a run at a checkpoint (the JSON beside the tensors). */
export interface TrainingCheckpointState {
  /** Optimisation steps completed. */
  readonly step: number;
  /** Adam's update count (torch `step`). */
  readonly adamUpdates: number;
  /** EMA `num_updates`. */
  readonly emaNumUpdates: number;
  /** Moving average of the loss shown in progress (null before the first step). */
  readonly lossEma: number | null;
  /** Training wall time so far over all runs, ms. */
  readonly elapsedMs: number;
  /** The randomness: counter-based Philox streams keyed by the seed, so (seed, step) is all the state. */
  readonly rng: { readonly scheme: 'philox4x32-counter'; readonly seed: number };
  /** The training config (JSON) the run was started with. */
  readonly config: JsonObject;
  /** Identity of the training data (dataset.json inputsHash and face count). */
  readonly dataset: { readonly inputsHash: string; readonly faces: number };
}

/** A checkpoint read back. The caller owns the tensors. */
export interface LoadedTrainingCheckpoint {
  readonly state: TrainingCheckpointState;
  readonly tensors: Readonly<Record<CheckpointGroup, Map<string, tf.Tensor>>>;
  readonly jsonPath: string;
  /** Newer checkpoint files that were not usable, and why (e.g. a write cut short by a kill). */
  readonly rejected: readonly { readonly file: string; readonly reason: string }[];
}

const NAME = /^step-(\d{9})\.json$/;

function stepName(step: number): string {
  return `step-${String(step).padStart(9, '0')}`;
}

function writeAtomic(file: string, bytes: Uint8Array | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Writes `checkpoints/step-NNNNNNNNN.safetensors` (every tensor as `<group>/<name>`, float32)
 * and then its JSON (state + the weights' sha256), each to a temp file renamed into place, so a
 * kill at any moment leaves either a complete checkpoint or one that {@link readLatestTrainingCheckpoint}
 * rejects. Older checkpoints beyond `keep` are deleted afterwards (JSON first).
 * @returns the JSON path.
 */
export function writeTrainingCheckpoint(
  outDir: string,
  state: TrainingCheckpointState,
  tensors: Readonly<Record<CheckpointGroup, ReadonlyMap<string, tf.Tensor>>>,
  keep: number,
): string {
  const dir = path.join(outDir, 'checkpoints');
  fs.mkdirSync(dir, { recursive: true });
  const host = new Map<string, HostTensor>();
  for (const group of CHECKPOINT_GROUPS) {
    for (const [name, t] of tensors[group]) {
      host.set(`${group}/${name}`, { dtype: 'float32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) });
    }
  }
  const base = stepName(state.step);
  const weights = formatSafetensors(host, { format: TRAINING_CHECKPOINT_FORMAT, step: String(state.step) });
  const sha256 = createHash('sha256').update(weights).digest('hex');
  writeAtomic(path.join(dir, `${base}.safetensors`), weights);
  const json = { format: TRAINING_CHECKPOINT_FORMAT, version: TRAINING_CHECKPOINT_VERSION, ...state, weights: { file: `${base}.safetensors`, sha256, bytes: weights.byteLength, tensors: host.size } };
  const jsonPath = path.join(dir, `${base}.json`);
  writeAtomic(jsonPath, `${JSON.stringify(json, null, 1)}\n`);
  const steps = listCheckpointSteps(outDir).filter((s) => s !== state.step);
  for (const old of steps.slice(Math.max(0, keep - 1))) {
    fs.rmSync(path.join(dir, `${stepName(old)}.json`), { force: true });
    fs.rmSync(path.join(dir, `${stepName(old)}.safetensors`), { force: true });
  }
  return jsonPath;
}

/** Steps of the checkpoint JSON files in `outDir/checkpoints`, newest first (temp files ignored). */
export function listCheckpointSteps(outDir: string): number[] {
  const dir = path.join(outDir, 'checkpoints');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => NAME.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
}

function parseState(raw: unknown, file: string): TrainingCheckpointState & { weights: { file: string; sha256: string; tensors: number } } {
  const o = raw as Record<string, unknown> | null;
  const w = o?.weights as Record<string, unknown> | undefined;
  const ok =
    o !== null &&
    typeof o === 'object' &&
    o.format === TRAINING_CHECKPOINT_FORMAT &&
    o.version === TRAINING_CHECKPOINT_VERSION &&
    Number.isInteger(o.step) &&
    Number.isInteger(o.adamUpdates) &&
    Number.isInteger(o.emaNumUpdates) &&
    (o.lossEma === null || typeof o.lossEma === 'number') &&
    typeof o.elapsedMs === 'number' &&
    typeof o.config === 'object' &&
    typeof o.dataset === 'object' &&
    typeof o.rng === 'object' &&
    w !== undefined &&
    typeof w.file === 'string' &&
    typeof w.sha256 === 'string' &&
    typeof w.tensors === 'number';
  if (!ok) throw new CheckpointError(`${file}: not a ${TRAINING_CHECKPOINT_FORMAT} v${TRAINING_CHECKPOINT_VERSION} file`, { path: file });
  return raw as TrainingCheckpointState & { weights: { file: string; sha256: string; tensors: number } };
}

/**
 * Reads the newest complete checkpoint of `outDir/checkpoints`: the highest-step JSON whose
 * weights file exists, has the recorded sha256 and parses. Newer, incomplete ones (a kill during
 * a write) are skipped and reported in `rejected`; temp files are never considered.
 * @returns undefined when there is no checkpoint file at all.
 * @throws CheckpointError when checkpoint files exist but none is usable.
 */
export function readLatestTrainingCheckpoint(outDir: string): LoadedTrainingCheckpoint | undefined {
  const dir = path.join(outDir, 'checkpoints');
  const steps = listCheckpointSteps(outDir);
  if (steps.length === 0) return undefined;
  const rejected: { file: string; reason: string }[] = [];
  for (const step of steps) {
    const jsonPath = path.join(dir, `${stepName(step)}.json`);
    try {
      const state = parseState(JSON.parse(fs.readFileSync(jsonPath, 'utf8')), jsonPath);
      const weightsPath = path.join(dir, path.basename(state.weights.file));
      if (!fs.existsSync(weightsPath)) throw new CheckpointError(`${weightsPath} is missing`, { path: weightsPath });
      const bytes = fs.readFileSync(weightsPath);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== state.weights.sha256) throw new CheckpointError(`${weightsPath}: sha256 ${sha} differs from the recorded ${state.weights.sha256}`, { path: weightsPath });
      const parsed = parseSafetensors(bytes, weightsPath);
      if (parsed.tensors.size !== state.weights.tensors) throw new CheckpointError(`${weightsPath}: ${parsed.tensors.size} tensors, expected ${state.weights.tensors}`);
      const tensors = { param: new Map(), ema: new Map(), adam_m: new Map(), adam_v: new Map() } as Record<CheckpointGroup, Map<string, tf.Tensor>>;
      for (const [key, t] of parsed.tensors) {
        const slash = key.indexOf('/');
        const group = key.slice(0, slash) as CheckpointGroup;
        if (!(CHECKPOINT_GROUPS as readonly string[]).includes(group) || t.dtype !== 'float32') {
          for (const g of CHECKPOINT_GROUPS) tf.dispose([...tensors[g].values()]);
          throw new CheckpointError(`${weightsPath}: unexpected tensor "${key}" (${t.dtype})`, { path: weightsPath, tensor: key });
        }
        tensors[group].set(key.slice(slash + 1), tf.tensor(t.data as Float32Array, [...t.shape], 'float32'));
      }
      const { weights: _weights, ...rest } = state as TrainingCheckpointState & { weights: unknown; format?: unknown; version?: unknown };
      void _weights;
      const { format: _f, version: _v, ...clean } = rest as TrainingCheckpointState & { format?: unknown; version?: unknown };
      void _f;
      void _v;
      return { state: clean, tensors, jsonPath, rejected };
    } catch (err) {
      if (!(err instanceof CheckpointError) && !(err instanceof SyntaxError)) throw err;
      rejected.push({ file: jsonPath, reason: err.message });
    }
  }
  throw new CheckpointError(`no usable checkpoint in ${dir}: ${rejected.map((r) => `${path.basename(r.file)}: ${r.reason}`).join('; ')}`, { path: dir });
}
