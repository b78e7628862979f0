import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InputError } from '../contracts';
import { readModelArtifacts } from '../models-runtime';
import { installedPackageVersion } from '../runtime';

/** The package whose x8 model the `esrgan` method runs (MIT; weights inside the npm package). */
export const ESRGAN_PACKAGE = '@upscalerjs/esrgan-thick';

/** UpscalerJS's model definition (the parts used): its `setup` registers the model's custom layers with the tfjs it is given. */
interface UpscalerModelDefinition {
  readonly scale: number;
  readonly inputRange: readonly [number, number];
  readonly outputRange: readonly [number, number];
  readonly setup?: (tfjs: typeof tf) => void;
}

/** An ESRGAN upscaler on the active tfjs backend. Dispose it when done. */
export interface EsrganUpscaler {
  /** e.g. `@upscalerjs/esrgan-thick@1.0.0/x8`. */
  readonly id: string;
  /** sha256 of the model.json and its weight shards, in manifest order. */
  readonly sha256: string;
  readonly scale: number;
  /**
   * Upscales LR images (RGB in [0,1], HWC, `lrSizePx` square) by `scale`; outputs RGB in [0,1],
   * HWC, `lrSizePx * scale` square, clipped to [0,1].
   */
  upscale(lrHWC: readonly Float32Array[], lrSizePx: number): Float32Array[];
  dispose(): void;
}

/** The folder of the package's package.json above its resolved entry (its export map hides package.json). */
function packageDir(entry: string): string {
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name === ESRGAN_PACKAGE) return dir;
    if (path.dirname(dir) === dir) throw new InputError(`esrgan: no package.json of ${ESRGAN_PACKAGE} above ${entry}`, { reason: 'not installed' });
  }
}

/**
 * Loads UpscalerJS's ESRGAN-thick x8 layers model from its npm package with the project's tfjs
 * (the package's peer range pins an older tfjs; package.json `overrides` makes it use ours): its
 * custom layers (MultiplyBeta, PixelShuffle8x) are registered by the package's own `setup`, and
 * its model definition gives the value ranges (rrdn: input and output in [0, 1]).
 * @throws InputError when the package is not installed; CheckpointError for missing or
 *   inconsistent model files or an unexpected model definition.
 */
export async function loadEsrganX8(): Promise<EsrganUpscaler> {
  const version = installedPackageVersion(ESRGAN_PACKAGE);
  if (version === null) throw new InputError(`esrgan: the package ${ESRGAN_PACKAGE} is not installed (npm install ${ESRGAN_PACKAGE})`, { reason: 'not installed' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const def = require(`${ESRGAN_PACKAGE}/8x`) as UpscalerModelDefinition;
  const pkgDir = packageDir(require.resolve(`${ESRGAN_PACKAGE}/8x`));
  const manifest = path.join(pkgDir, 'models', 'x8', 'model.json');
  if (def.scale !== 8 || def.inputRange[0] !== 0 || def.inputRange[1] !== 1 || def.outputRange[0] !== 0 || def.outputRange[1] !== 1 || typeof def.setup !== 'function') {
    throw new CheckpointError(`esrgan: ${ESRGAN_PACKAGE}@${version}/8x: expected scale 8, ranges [0,1] and a setup function, received scale ${def.scale}, input ${JSON.stringify(def.inputRange)}, output ${JSON.stringify(def.outputRange)}`, { path: manifest });
  }
  def.setup(tf);
  const artifacts = readModelArtifacts(manifest);
  const hash = createHash('sha256').update(fs.readFileSync(manifest));
  hash.update(Buffer.from(artifacts.weightData as ArrayBuffer));
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  let disposed = false;
  return {
    id: `${ESRGAN_PACKAGE}@${version}/x8`,
    sha256: hash.digest('hex'),
    scale: 8,
    upscale(lrHWC: readonly Float32Array[], lrSizePx: number): Float32Array[] {
      if (disposed) throw new InputError('esrgan: upscaler used after dispose()');
      const out: Float32Array[] = [];
      for (const img of lrHWC) {
        if (img.length !== lrSizePx * lrSizePx * 3) throw new InputError(`esrgan: expected ${lrSizePx}x${lrSizePx}x3 values, received ${img.length}`);
        const y = tf.tidy(() => (model.predict(tf.tensor4d(img, [1, lrSizePx, lrSizePx, 3])) as tf.Tensor).clipByValue(0, 1));
        out.push(y.dataSync() as Float32Array);
        y.dispose();
      }
      return out;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      model.dispose();
    },
  };
}
