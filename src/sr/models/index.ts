/** NCSN++ score network of FASR (see docs/sr-model.md). */
export { NcsnppModel, ncsnppSigmasBuffer } from './ncsnpp-model';
export type { NcsnppForwardOptions, NcsnppHook } from './ncsnpp-model';
export { checkNcsnppStateDict } from './check-ncsnpp-state-dict';
export { buildNcsnppSpec, countNcsnppParameters, groupNormGroups } from './ncsnpp-spec';
export type { NcsnppModuleSpec, NcsnppParamSpec, NcsnppSpec, ParamInit, ParamLayout } from './ncsnpp-spec';
export { mergeXY } from './merge-xy';
export { upsampleFir2d, downsampleFir2d, firKernel2d } from './fir-resample';
export { groupNorm } from './group-norm';
export { SeededRandom } from './seeded-random';
