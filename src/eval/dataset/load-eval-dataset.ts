import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../contracts';

/** How the dataset's files were laid out. */
export type EvalDatasetLayout = 'fasr-samples' | 'identity-dirs' | 'labels-csv';

/**
 * One identity's images. With `fixedRoles` (the fasr-samples layout) `files[0]` is the gallery
 * image, `files[1]` the probe and the rest the feature images; otherwise roles are given in file
 * order to the images whose face survives preparation (first = gallery, second = probe, rest =
 * features). An image whose bytes equal the gallery's, the probe's or one of `probeCopies` is
 * never used again (prepareEvalFaces): the probe must not be inside its own F_M.
 */
export interface EvalIdentitySource {
  readonly id: string;
  readonly files: readonly string[];
  readonly fixedRoles: boolean;
  /**
   * Files that are the probe in another form, not evaluated themselves (fasr-samples:
   * `probe_LR/0000NN.jpg`, byte-identical to one of the identity's LR_imgs).
   */
  readonly probeCopies: readonly string[];
  /**
   * The feature images are already low-resolution (fasr-samples: the authors' LR_imgs, made by
   * their degradation and upsampled back): F_M is made from them as they are, not degraded again.
   * Otherwise they are HR photos and are degraded like the probe.
   */
  readonly featuresLowRes: boolean;
}

/** A dataset found on disk, before any image is read. */
export interface EvalDatasetSource {
  readonly layout: EvalDatasetLayout;
  /** Absolute path of the directory or labels.csv given. */
  readonly path: string;
  /** Identities in evaluation order (after `limit`). */
  readonly identities: readonly EvalIdentitySource[];
  /** Identities in the dataset before `limit`. */
  readonly totalIdentities: number;
  /** Entries passed over while listing (a sub-folder without images, …), with the reason. */
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
}

/** Image file extensions read from identity folders (sharp's formats and PGM/PPM). */
export const EVAL_IMAGE_EXTENSIONS = Object.freeze(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.pgm', '.ppm'] as const);

const collator = new Intl.Collator('en', { numeric: true });

function isImage(file: string): boolean {
  return (EVAL_IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

async function listImages(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isImage(e.name))
    .map((e) => e.name)
    .sort(collator.compare)
    .map((n) => path.join(dir, n));
}

/** Splits one CSV line (RFC 4180 quoting). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * labels.csv: one `file,identity` row per image, files relative to the CSV's folder; an optional
 * header row whose first field is file/filename/path/image. Identities keep the order of their
 * first row, files the order of their rows.
 * @throws InputError for a row without two fields or an empty file.
 */
async function fromLabelsCsv(file: string): Promise<Map<string, string[]>> {
  const text = await fs.readFile(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const byId = new Map<string, string[]>();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = parseCsvLine(line);
    if (i === 0 && /^(file|filename|path|image)$/i.test((fields[0] ?? '').trim())) return;
    const [f, id] = fields.map((s) => s.trim());
    if (f === undefined || id === undefined || f === '' || id === '') {
      throw new InputError(`--dataset: ${file} line ${i + 1}: expected "file,identity", received ${JSON.stringify(line)}`, { path: file, reason: 'bad row' });
    }
    const list = byId.get(id) ?? [];
    list.push(path.resolve(path.dirname(file), f));
    byId.set(id, list);
  });
  if (byId.size === 0) throw new InputError(`--dataset: ${file} has no "file,identity" rows`, { path: file, reason: 'empty' });
  return byId;
}

/**
 * Finds an evaluation dataset on disk: a labels.csv (`file,identity`), the fasr-samples layout
 * (`gallery/0000NN.jpg`, `probe_HR/0000NN.jpg`, `LR_imgs/0NN/*.jpg`: the FASR authors' sample), or
 * a folder of identity folders (one sub-folder of images per identity). Reads no image.
 * @param limit keep the first `limit` identities (in the order above), or all when undefined.
 * @throws InputError for a missing path, an unknown layout or an empty dataset.
 */
export async function loadEvalDataset(datasetPath: string, limit?: number): Promise<EvalDatasetSource> {
  const abs = path.resolve(datasetPath);
  const st = await fs.stat(abs).catch(() => null);
  if (st === null) throw new InputError(`--dataset: ${abs} does not exist (expected a folder of identity folders, a fasr-samples folder or a labels.csv)`, { path: abs, reason: 'missing' });
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) throw new InputError(`limit: expected an integer >= 1, received ${String(limit)}`, { option: 'limit' });
  const ignored: { path: string; reason: string }[] = [];
  let layout: EvalDatasetLayout;
  let identities: EvalIdentitySource[];
  if (st.isFile()) {
    if (path.extname(abs).toLowerCase() !== '.csv') throw new InputError(`--dataset: ${abs} is a file but not a .csv (expected labels.csv with "file,identity" rows, or a folder)`, { path: abs, reason: 'not csv' });
    layout = 'labels-csv';
    identities = [...(await fromLabelsCsv(abs))].map(([id, files]) => ({ id, files, fixedRoles: false, probeCopies: [], featuresLowRes: false }));
  } else {
    const entries = (await fs.readdir(abs, { withFileTypes: true })).sort((a, b) => collator.compare(a.name, b.name));
    const names = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    if (names.has('gallery') && names.has('probe_HR')) {
      layout = 'fasr-samples';
      identities = [];
      for (const g of await listImages(path.join(abs, 'gallery'))) {
        const stem = path.basename(g, path.extname(g));
        const probe = path.join(abs, 'probe_HR', path.basename(g));
        const n = Number.parseInt(stem, 10);
        const featureDir = path.join(abs, 'LR_imgs', String(n).padStart(3, '0'));
        if (!(await fs.stat(probe).catch(() => null))) {
          ignored.push({ path: g, reason: `no probe_HR/${path.basename(g)}` });
          continue;
        }
        const features = (await fs.stat(featureDir).catch(() => null)) ? await listImages(featureDir) : [];
        const probeLr = path.join(abs, 'probe_LR', path.basename(g));
        const probeCopies = (await fs.stat(probeLr).catch(() => null)) ? [probeLr] : [];
        identities.push({ id: stem, files: [g, probe, ...features], fixedRoles: true, probeCopies, featuresLowRes: true });
      }
    } else {
      layout = 'identity-dirs';
      identities = [];
      for (const e of entries) {
        const p = path.join(abs, e.name);
        if (!e.isDirectory()) {
          ignored.push({ path: p, reason: 'not a folder' });
          continue;
        }
        const files = await listImages(p);
        if (files.length === 0) {
          ignored.push({ path: p, reason: `no image files (${EVAL_IMAGE_EXTENSIONS.join(' ')})` });
          continue;
        }
        identities.push({ id: e.name, files, fixedRoles: false, probeCopies: [], featuresLowRes: false });
      }
    }
  }
  if (identities.length === 0) {
    throw new InputError(`--dataset: no identities found in ${abs} (expected a labels.csv, a fasr-samples folder with gallery/ and probe_HR/, or one folder of images per identity)`, {
      path: abs,
      reason: 'empty',
    });
  }
  return {
    layout,
    path: abs,
    identities: limit === undefined ? identities : identities.slice(0, limit),
    totalIdentities: identities.length,
    ignored,
  };
}
