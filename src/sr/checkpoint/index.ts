/**
 * Checkpoint readers and writers for the SR model: the authors' PyTorch checkpoints (zip and
 * legacy `torch.save` formats, read by a safe allowlist unpickler), torch-saved tensors, `.npy`,
 * and the project's own safetensors model files with a JSON sidecar (config + model card).
 */
export type { HostDType, HostData, HostTensor, StateDict } from './host-tensor';
export { numel } from './host-tensor';
export { formatNpy, parseNpy, readNpy } from './npy';
export type { PickleDict, PickleKey, PickleValue } from './pickle-reader';
export { readTorchFile } from './torch-file';
export { TorchTensor, isTorchTensor } from './torch-tensor';
export { readTorchTensor } from './read-torch-tensor';
export type { AdamParamGroup, AdamParamState, EmaState, FasrCheckpoint, LoadTorchStateDictOptions } from './fasr-checkpoint';
export { NCSNPP_NON_TRAINABLE_KEYS, loadTorchStateDict, readFasrCheckpoint } from './fasr-checkpoint';
export type { Safetensors } from './safetensors';
export { formatSafetensors, parseSafetensors } from './safetensors';
export type { JsonObject, JsonValue, LoadModelFileOptions, LoadedModelFile, ModelCard, SaveModelFileOptions, SavedModelFile } from './model-file';
export { loadModelFile, saveModelFile } from './model-file';
