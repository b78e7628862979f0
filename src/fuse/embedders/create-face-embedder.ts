import { ConfigError } from '../../contracts';
import { createDlibResnetEmbedder } from './dlib-resnet-embedder';
import type { FaceEmbedder } from './face-embedder';
import { createFaceresEmbedder } from './faceres-embedder';
import { createLbpEmbedder } from './lbp-embedder';

/** The embedders by name: Human's faceres (1024-d), dlib's ResNet via face-api weights (128-d), LBP histograms (baseline). */
export const EMBEDDER_NAMES = ['faceres', 'dlib-resnet', 'lbp'] as const;
export type EmbedderName = (typeof EMBEDDER_NAMES)[number];

/**
 * The default embedder, chosen by bench/embedders.ts on 16–40 px faces (docs/embedders.md).
 * It is also the best one that runs with the installed packages alone.
 */
export const DEFAULT_EMBEDDER_NAME: EmbedderName = 'faceres';

/**
 * Creates an embedder by name with its (partial) config.
 * @throws ConfigError for an unknown name (listing the valid ones) or a bad config; whatever the
 *   chosen factory throws (CheckpointError when weights are missing).
 */
export async function createFaceEmbedder(name: string = DEFAULT_EMBEDDER_NAME, config: unknown = {}): Promise<FaceEmbedder> {
  switch (name) {
    case 'faceres':
      return createFaceresEmbedder(config);
    case 'dlib-resnet':
      return createDlibResnetEmbedder(config);
    case 'lbp':
      return createLbpEmbedder(config);
    default:
      throw new ConfigError(`embedder: expected one of ${EMBEDDER_NAMES.join(', ')}, received ${JSON.stringify(name)}`, { option: 'embedder' });
  }
}
