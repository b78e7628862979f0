import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { fileModelHandler } from './file-model-handler';

const PROBE_URL = 'file:///fasr-probe/model.json';

/**
 * Makes `file://` model URLs loadable by tfjs in Node without @tensorflow/tfjs-node (whose file
 * handler is what Human expects; Node's `fetch` does not implement `file:`). Registers one tfjs load
 * router, only if no handler for `file://` URLs exists yet — the check asks tfjs's own registry, so
 * calling this many times registers once and no module state is kept here.
 */
export function ensureFileUrlLoader(): void {
  if (tf.io.getLoadHandlers(PROBE_URL).length > 0) return;
  // tfjs's IORouter type says IOHandler, but its registry skips routers that return null (the
  // documented way to decline a URL); the cast states that contract.
  const router = (url: string | string[]): tf.io.IOHandler | null =>
    typeof url === 'string' && url.startsWith('file://') ? fileModelHandler(fileURLToPath(url)) : null;
  tf.io.registerLoadRouter(router as (url: string | string[]) => tf.io.IOHandler);
}
