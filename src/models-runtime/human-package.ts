import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Root folder of the installed @vladmandic/human package (resolved without loading it). */
export function humanPackageDir(): string {
  // The package's export map hides package.json and dist/*; the main entry resolves, and it lies in dist/.
  return path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..');
}

/** Folder of the models shipped inside the @vladmandic/human npm package (blazeface, facemesh, iris, faceres, ...). */
export function humanModelDir(): string {
  return path.join(humanPackageDir(), 'models');
}

/** `file://` URL (with trailing slash) of {@link humanModelDir}, the form Human's `modelBasePath` wants. */
export function humanModelBaseUrl(): string {
  return pathToFileURL(humanModelDir()).href + '/';
}
