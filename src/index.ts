/**
 * fasr as a library (package.json `main`): the stage modules, each as a namespace, and the
 * foundation. The composition layer (process pipeline, batch, watch, queue drivers, the
 * store-facing SR step) is `pipelines/`, built on these; the `fasr` CLI is `src/cli`.
 *
 *   const { ingest, track, fuse, sr, store } = require('fasr');
 */
export * from './contracts';
export * as validate from './validate';
export * as runtime from './runtime';
export * as modelsRuntime from './models-runtime';
export * as ingest from './ingest';
export * as track from './track';
export * as fuse from './fuse';
export * as image from './image';
export * as sr from './sr';
export * as store from './store';
export * as exporter from './export';
export * as serve from './serve';
export * as evaluation from './eval';
