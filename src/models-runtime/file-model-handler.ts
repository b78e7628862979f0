import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../contracts';

interface WeightsGroup {
  readonly paths: readonly string[];
  readonly weights: readonly tf.io.WeightsManifestEntry[];
}

/** Bytes one weight entry occupies in the .bin files (quantised entries store the quantised dtype). */
function entryBytes(entry: tf.io.WeightsManifestEntry): number {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  switch (dtype) {
    case 'uint8':
      return count;
    case 'uint16':
    case 'float16':
      return count * 2;
    case 'float32':
    case 'int32':
      return count * 4;
    case 'bool':
      return count;
    default:
      throw new CheckpointError(`weight ${entry.name}: unsupported dtype ${String(dtype)}`, { tensor: entry.name });
  }
}

function readFileOrThrow(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new CheckpointError(`${what} ${file} could not be read: ${err instanceof Error ? err.message : String(err)}`, { path: file });
  }
}

function parseManifest(json: unknown, file: string): WeightsGroup[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // A model.json has {weightsManifest: [...]}; a face-api style "-weights_manifest.json" is the array itself.
  const manifest = Array.isArray(json) ? json : isObject(json) ? json.weightsManifest : undefined;
  if (!Array.isArray(manifest) || manifest.length === 0) {
    throw new CheckpointError(`${file}: expected a non-empty weightsManifest array`, { path: file });
  }
  return manifest.map((group, i) => {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new CheckpointError(`${file}: weightsManifest[${i}] must have "paths" and "weights" arrays`, { path: file });
    }
    return { paths: group.paths as string[], weights: group.weights as tf.io.WeightsManifestEntry[] };
  });
}

/**
 * Reads a tfjs model (graph-model `model.json`, or a bare weights manifest array as face-api ships)
 * and its weight shards from the local file system, strictly: a missing shard, or shards whose total
 * size differs from what the manifest declares, throws.
 *
 * @param manifestFile path of the `.json` file; shards are resolved relative to its folder.
 * @returns model artifacts (topology absent for a bare manifest) ready for `tf.loadGraphModel` or
 *   `tf.io.decodeWeights`.
 * @throws CheckpointError for unreadable or inconsistent files.
 */
export function readModelArtifacts(manifestFile: string): tf.io.ModelArtifacts {
  const text = readFileOrThrow(manifestFile, 'model file').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CheckpointError(`${manifestFile}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { path: manifestFile });
  }
  const groups = parseManifest(json, manifestFile);
  const dir = path.dirname(manifestFile);
  const shards: Buffer[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of groups) {
    const groupBuffers = group.paths.map((p) => readFileOrThrow(path.join(dir, p), 'weight shard'));
    const actual = groupBuffers.reduce((a, b) => a + b.length, 0);
    const expected = group.weights.reduce((a, w) => a + entryBytes(w), 0);
    if (actual !== expected) {
      throw new CheckpointError(`${manifestFile}: weight shards ${group.paths.join(', ')} hold ${actual} bytes, the manifest declares ${expected}`, {
        path: manifestFile,
        expected,
        actual,
      });
    }
    shards.push(...groupBuffers);
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.length) as ArrayBuffer;
  const obj = Array.isArray(json) ? {} : (json as Record<string, unknown>);
  const artifacts: tf.io.ModelArtifacts = { weightSpecs, weightData };
  if (obj.modelTopology !== undefined) artifacts.modelTopology = obj.modelTopology as tf.io.ModelArtifacts['modelTopology'];
  if (typeof obj.format === 'string') artifacts.format = obj.format;
  if (typeof obj.generatedBy === 'string') artifacts.generatedBy = obj.generatedBy;
  if (typeof obj.convertedBy === 'string') artifacts.convertedBy = obj.convertedBy;
  if (obj.signature !== undefined) artifacts.signature = obj.signature as Record<string, unknown>;
  if (obj.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = obj.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'];
  return artifacts;
}

/** A tfjs IOHandler that loads `manifestFile` with {@link readModelArtifacts}. */
export function fileModelHandler(manifestFile: string): tf.io.IOHandler {
  return { load: async () => readModelArtifacts(manifestFile) };
}
