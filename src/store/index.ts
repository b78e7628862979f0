/**
 * The SQLite store the pipeline writes into. The only module that imports better-sqlite3.
 * Schema and transaction contract: docs/store-schema.md.
 */
export { openStore, DEFAULT_STORE_OPTIONS } from './open-store';
export { isStoreUnwritable } from './store-unwritable';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';
export { float32ToBlob, blobToFloat32 } from './vector-blob';
export * from './store';
export { trackResultInput, cropInputFromFaceCrop, type TrackExtras } from './track-result-input';
