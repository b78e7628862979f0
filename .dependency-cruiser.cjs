/**
 * The architecture rules of fasr (issue 19, README "Architecture"), checked by `npm test`
 * (test/architecture/dependency-rules.test.ts) and drawn into docs/img/layers.svg by
 * scripts/draw-layers.ts.
 *
 * Layers, top down: bin/ → src/cli → pipelines/ → the stage modules under src/ (ingest, track, fuse,
 * sr, store, image, export, eval, serve, runtime, models-runtime), which depend only on
 * src/contracts.ts and src/validate.ts (the foundation) and on each other through their index.ts.
 */
/** The stage modules: every folder of src/ except the CLI. */
const STAGES = '(ingest|track|fuse|sr|store|image|export|eval|serve|runtime|models-runtime)';
/** The compute stages, which know nothing of the store. */
const COMPUTE = '(ingest|track|fuse|sr|image)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: two modules that cannot be understood (or loaded) one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'stage-not-above',
      severity: 'error',
      comment: 'A stage module under src/ imports the composition layer (pipelines/) or the CLI: stages are a library that stands on its own.',
      from: { path: `^src/${STAGES}/` },
      to: { path: '^(pipelines/|src/cli/|bin/)' },
    },
    {
      name: 'compute-not-store',
      severity: 'error',
      comment: 'A compute stage (ingest, track, fuse, sr, image) imports the store: storing is the composition layer\'s business.',
      from: { path: `^src/${COMPUTE}/` },
      to: { path: '^src/store/' },
    },
    {
      name: 'cross-stage-through-index',
      severity: 'error',
      comment: 'One stage reaches into another\'s files: cross-stage imports go through the other stage\'s index.ts.',
      from: { path: `^src/${STAGES}/` },
      to: { path: `^src/${STAGES}/.+`, pathNot: [`^src/$1/`, `^src/${STAGES}/index\\.ts$`] },
    },
    {
      name: 'foundation-imports-nothing',
      severity: 'error',
      comment: 'src/contracts.ts (types, errors) and src/validate.ts (the one validation vocabulary) are the foundation every layer may import: they import nothing of the project but each other.',
      from: { path: '^src/(contracts|validate)\\.ts$' },
      to: { path: '^(src|pipelines|bin)/', pathNot: '^src/(contracts|validate)\\.ts$' },
    },
    {
      name: 'pipelines-through-index',
      severity: 'error',
      comment: 'The composition layer (or the CLI) reaches into a stage\'s files: it uses each stage through its index.ts.',
      from: { path: '^(pipelines|src/cli)/' },
      to: { path: `^src/${STAGES}/.+`, pathNot: `^src/${STAGES}/index\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(node_modules|dist|out)/' },
  },
};
