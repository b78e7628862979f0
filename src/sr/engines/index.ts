/**
 * Inference engines for the FASR score network: the tfjs model (src/sr/models) and its ONNX
 * export run by onnxruntime-node (CPU or CUDA). Both implement `ScoreNetwork`, so
 * `makeScoreFn(engine, sde.sigma)` feeds any sampler. See docs/engines.md.
 */
export { SR_ENGINE_NAMES } from './sr-engine';
export type { SrEngine, SrEngineName, SrEngineTiming } from './sr-engine';
export { createSrEngine, parseSrEngineName } from './create-sr-engine';
export { defaultSrEngine } from './default-sr-engine';
export type { DefaultSrEngine } from './default-sr-engine';
export type { CreateSrEngineOptions } from './create-sr-engine';
export { TfjsSrEngine } from './tfjs-sr-engine';
export { OnnxSrEngine } from './onnx-sr-engine';
export {
  DEFAULT_ONNX_ENGINE_CONFIG,
  ONNX_ENGINE_ENV,
  ONNX_EXECUTION_PROVIDERS,
  ONNX_GRAPH_FORMS,
  ONNX_GRAPH_OPTIMIZATION_LEVELS,
  onnxEngineConfigFromEnv,
  parseOnnxEngineConfig,
  resolveGraphForm,
} from './onnx-engine-config';
export type { OnnxEngineConfig, OnnxExecutionProvider, OnnxGraphFormChoice, OnnxGraphOptimizationLevel } from './onnx-engine-config';
export { forwardBatched } from './forward-batched';
export type { ScoreRequest } from './forward-batched';
export { exportNcsnppOnnx, NCSNPP_ONNX_GRAPH_FORMS, NCSNPP_ONNX_IO, NCSNPP_ONNX_OPSET, WINOGRAD_MAP_SIZES, WINOGRAD_MIN_CHANNELS } from './onnx/export-ncsnpp-onnx';
export type { NcsnppOnnxGraphForm } from './onnx/export-ncsnpp-onnx';
export { createOnnxTrainStep, loadOnnxRuntime } from './onnx-train-step';
export type { OnnxTrainInputs, OnnxTrainResult, OnnxTrainStep, OnnxTrainStepOptions } from './onnx-train-step';
export { buildNcsnppTrainModel, exportNcsnppTrainOnnx, nchwcConvGraph, ncsnppTrainParams, NCHWC_DOMAIN, NCSNPP_TRAIN_IO } from './onnx/export-ncsnpp-train-onnx';
export { detectNchwcBlockSize } from './onnx/nchwc-block-size';
export type { NcsnppTrainGraph, NcsnppTrainGraphOptions, NcsnppTrainModel, NcsnppTrainParam } from './onnx/export-ncsnpp-train-onnx';
export { CONV_WEIGHT_GRADIENTS } from './onnx/onnx-autodiff';
export type { ConvWeightGradient, EmitGradientsOptions } from './onnx/onnx-autodiff';
