/** Kernels the wasm backend lacks (or runs slowly) for training, built from ops it has; registered explicitly. */
export { registerWasmTrainingKernels } from './register-wasm-training-kernels';
export type { WasmTrainingKernels } from './register-wasm-training-kernels';
export { conv2dBackpropFilterFromOps } from './conv2d-backprop-filter';
export { conv2dBackpropInputFromOps, conv2dBackpropInputSupported } from './conv2d-backprop-input';
export { depthwiseConv2dBackpropInputFromOps } from './depthwise-conv2d-backprop-input';
export { avgPoolGradFromOps, avgPoolGradSupported } from './avg-pool-grad';
