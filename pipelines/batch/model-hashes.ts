import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { humanModelDir } from '../../src/models-runtime';

/**
 * A content hash of the Human model files a detector or embedder id names (e.g. the id
 * "human@3.3.6/blazeface+facemesh+iris;…" names blazeface, facemesh and iris): sha256 over the
 * lines "<file> <sha256 of the file>\n" of their .json and .bin files, sorted by name, so a changed
 * weight file changes the provenance. null when the id names none of the models in the package
 * (an embedder from another package).
 */
export function humanModelsSha256(componentId: string): string | null {
  let dir: string;
  try {
    dir = humanModelDir();
  } catch {
    return null;
  }
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((f) => /\.(json|bin)$/.test(f));
  } catch {
    return null;
  }
  const words = new Set(componentId.toLowerCase().split(/[^a-z0-9]+/));
  const used = names.filter((f) => words.has(f.replace(/\.(json|bin)$/, '').toLowerCase())).sort();
  if (used.length === 0) return null;
  const all = createHash('sha256');
  for (const f of used) all.update(`${f} ${createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')}\n`);
  return all.digest('hex');
}

/** Run-row versions of a detector and an embedder: their ids and, where known, their model files' hashes. */
export function componentVersions(detectorId: string, embedderId: string): Record<string, string> {
  const out: Record<string, string> = { detector: detectorId, embedder: embedderId };
  const d = humanModelsSha256(detectorId);
  if (d !== null) out.detectorSha256 = d;
  const e = humanModelsSha256(embedderId);
  if (e !== null) out.embedderSha256 = e;
  return out;
}
