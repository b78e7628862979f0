import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Config as HumanConfig, Human } from '@vladmandic/human';
import { BackendError, CheckpointError } from '../contracts';
import { wasmBinaryDir } from '../runtime';
import { ensureFileUrlLoader } from './file-url-loader';
import { humanModelBaseUrl, humanPackageDir } from './human-package';

export type { Human, HumanConfig };

/** The tfjs backends Human's node-wasm build can run on, given they are already active. */
const HUMAN_BACKENDS = ['wasm', 'cpu', 'tensorflow'] as const;

/** Options for {@link createHuman}. */
export interface CreateHumanOptions {
  /** Human's face section (detector, mesh, iris, description, ...); everything else is disabled. */
  readonly face: HumanConfig['face'];
  /** Human model names (`human.models.loaded()`) that must be loaded, else creation fails. */
  readonly requiredModels: readonly string[];
}

/**
 * Creates and loads a Human instance on the tfjs backend that is already active (call
 * `initBackend` first), with models from the npm package (no network) and every frame-to-frame
 * cache turned off, so each `detect` call depends on its input only.
 *
 * Human is loaded from its `dist/human.node-wasm.js` build by file path: the package's default
 * Node entry needs @tensorflow/tfjs-node. That build shares our @tensorflow/tfjs-core engine.
 *
 * Note: Human keeps its loaded models in module-level variables inside its bundle, so instances
 * created in one process share model weights; each instance still has its own config.
 *
 * @throws BackendError when no supported backend is active; CheckpointError when a required model
 *   did not load (Human itself only logs such failures).
 */
export async function createHuman(options: CreateHumanOptions): Promise<Human> {
  const backend = tf.getBackend();
  if (!(HUMAN_BACKENDS as readonly string[]).includes(backend)) {
    throw new BackendError(`Human needs an active tfjs backend among ${HUMAN_BACKENDS.join(', ')}; active is ${JSON.stringify(backend)} (call initBackend first)`, {
      backend,
    });
  }
  ensureFileUrlLoader();
  const distFile = path.join(humanPackageDir(), 'dist', 'human.node-wasm.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(distFile) as { Human: new (config?: Partial<HumanConfig>) => Human };
  const config: Partial<HumanConfig> = {
    backend: backend as HumanConfig['backend'],
    wasmPath: wasmBinaryDir(),
    modelBasePath: humanModelBaseUrl(),
    debug: false,
    async: false,
    warmup: 'none',
    cacheModels: false,
    // Human re-uses earlier results when frames look alike (cacheSensitivity, skipFrames/skipTime):
    // right for a webcam demo, wrong for independent frames and tiles.
    cacheSensitivity: 0,
    skipAllowed: false,
    face: options.face,
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    filter: { enabled: false },
  };
  const human = new mod.Human(config);
  await human.load();
  const loaded = human.models.loaded();
  const missing = options.requiredModels.filter((m) => !loaded.includes(m));
  if (missing.length > 0) {
    throw new CheckpointError(`Human models failed to load: ${missing.join(', ')} (loaded: ${loaded.join(', ') || 'none'}; model folder ${humanModelBaseUrl()})`, {
      path: humanModelBaseUrl(),
      expected: options.requiredModels,
      actual: loaded,
    });
  }
  return human;
}
