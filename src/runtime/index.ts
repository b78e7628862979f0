/**
 * src/runtime: the tfjs backend (`initBackend`: wasm, or tfjs-node where installed), the wasm
 * kernels the training path registers, the package facts recorded with every output, and the
 * process plumbing shared by the stages: worker threads of a module (`startModuleThread`), a model
 * in its own thread (`ModelThread`, `serveModelThread`), whether a process is alive.
 */
export * from './backend';
export * from './model-thread';
export * from './module-thread';
export * from './package-info';
export * from './process-alive';
export * from './wasm-kernels';
