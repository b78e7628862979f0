/**
 * Loading pretrained models from local files: Human (detector, mesh, iris, faceres) on the active
 * tfjs backend, and tfjs model/manifest files read strictly from disk. Shared by track and fuse.
 */
export { createHuman } from './create-human';
export type { CreateHumanOptions, Human, HumanConfig } from './create-human';
export { fileModelHandler, readModelArtifacts } from './file-model-handler';
export { ensureFileUrlLoader } from './file-url-loader';
export { humanModelBaseUrl, humanModelDir, humanPackageDir } from './human-package';
