/**
 * src/sr, the SR stage: the VE SDE (`sde/`), the NCSN++ score model and its config (`models/`,
 * `model-config.ts`), where they meet (`score-fn.ts`), samplers, seeded noise, the training loss,
 * checkpoint readers/writers, training (`train/`), inference engines (tfjs, ONNX) and the enhancement service
 * (`enhance/`: `loadSrModel`, `enhanceFaces`, `enhanceTrack`, `enhanceImageFiles`). Code outside
 * src/sr imports this file only. Docs: docs/sr-model.md, docs/sr-usage.md.
 */
export * from './checkpoint';
export * from './engines';
export * from './enhance';
export * from './losses';
export * from './model-config';
export * from './models';
export * from './noise';
export * from './samplers';
export * from './train';
export * from './score-fn';
export * from './formulation';
export * from './sde';
