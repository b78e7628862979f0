/**
 * src/runtime: the tfjs backend (`initBackend`: wasm, or tfjs-node where installed), the wasm
 * kernels the training path registers, and the package facts recorded with every output.
 */
export * from './backend';
export * from './package-info';
export * from './wasm-kernels';
