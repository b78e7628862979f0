/**
 * pipelines: composition and configuration of the stages (no maths, no SQL). `processSource`
 * turns one video into stored tracks with LR_0 and F_M; `processSources` runs a batch as one
 * store run. Detail: docs/pipeline.md.
 */
export { parseProcessConfig, parseProcessDetectorConfig, DEFAULT_PROCESS_CONFIG, DETECTOR_NAMES, DETECTOR_PRESETS, FUSION_METHODS, PIPELINE_TRACKER_OVERRIDES } from './process-config';
export type { DetectorName, DetectorPresetName, ProcessDetectorConfig, ProcessConfig, ProcessDecodeConfig, ProcessAlignConfig, ProcessRetentionConfig, ProcessFusionConfig, ProcessMotionGateConfig, ProcessEmbedConfig, FusionMethod } from './process-config';
export { createProcessDeps, closeProcessDeps, createNamedDetector, detectorProvenance } from './process-deps';
export { SmallFacePass, SMALL_FACE_REASONS } from './small-face-pass';
export type { SmallFaceCounts, SmallFaceReason } from './small-face-pass';
export type { ProcessDeps, CreatedProcessDeps } from './process-deps';
export { processSource } from './process-source';
export type { SourceOutcome, SourceProgress, ProcessSourceOptions } from './process-source';
export { registerSource } from './register-source';
export type { RegisteredSource } from './register-source';
export { computeSourceResults } from './compute-source-results';
export type { ComputeFigures, ComputeSourceOptions, ComputeStats, SourceComputation } from './compute-source-results';
export { DetectionGate, GATE_REASONS, type GateCounts, type GateReason } from './detection-gate';
export { writeSourceResults } from './write-source-results';
export type { SourceWriteOutcome } from './write-source-results';
export { processSources } from './process-sources';
export type { ProcessSummary, ProcessSourcesOptions } from './process-sources';
export { CROP_KINDS, buildTrackResult, fuseTrack, fusionMemberIndices, modelLr0 } from './build-track-result';
export { analyseFrame, cutNativeCrop, detectFrame, detectionToFullResolution, embedChosen } from './analyse-frame';
export type { PipelineDetection, DetectionCrops, FrameAnalysis, FrameDetections, SmallFaceRun } from './analyse-frame';
export { CropKeeper } from './crop-keeper';
export { EMBED_REASONS, EmbedAdmission } from './embed-admission';
export type { EmbedReason } from './embed-admission';
export type { KeptCrops } from './crop-keeper';
export { loadPipelineFile, parsePipeline, PIPELINE_KINDS } from './pipeline-file';
export type { PipelineSpec, PipelineKind, BatchPipeline, WatchPipeline, ExportPipeline, PipelineExportSpec, PipelineSrSpec } from './pipeline-file';
export { createTrackEnhancer, enhanceTrack, enhanceTracks } from './enhance-track';
export type { EnhanceTrackOptions, EnhanceTrackResult, EnhanceTracksOptions, SrTrackStore } from './enhance-track';
export { DEFAULT_LR_SCALE, isKeptNative, srProvenanceText, trackSrRequest } from './track-sr-request';
export type { KeptNativeRequest, SrProvenance, SrRequestModel, TrackSrRequest, TrackSrRequestOptions, TrackSrWork } from './track-sr-request';
export { enhanceSrRequests, keptNativeOutput, KEPT_NATIVE_BACKEND, KEPT_NATIVE_LABEL } from './enhance-sr-requests';
export type { EnhanceSrRequestsOptions, EnhancedSrRequest, KeptNativeAnswer, SrOutputFields } from './enhance-sr-requests';
export { DEFAULT_KEEP_NATIVE_MIN_SIDE_PX, MAX_KEEP_NATIVE_MIN_SIDE_PX, NATIVE_CROP_KIND, decideKeepNative, keepNativeReason, parseKeepNativeMinSidePx } from './keep-native';
export type { KeepNativeDecision } from './keep-native';
export { findStoredSrOutput, type StoredSrOutputQuery } from './find-stored-sr-output';
