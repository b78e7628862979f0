/** Injectable randomness for the SR samplers and the training loss. */
export type { NoiseKind, NoiseSource } from './noise-source';
export { SeededNoiseSource } from './seeded-noise-source';
export { ReplayNoiseSource } from './replay-noise-source';
export type { NoiseRecording } from './replay-noise-source';
export { RecordingNoiseSource } from './recording-noise-source';
export { philox4x32 } from './philox';
