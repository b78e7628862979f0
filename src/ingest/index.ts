/**
 * src/ingest: finding source files (inputs, globs, watched folders), hashing them, ffmpeg/ffprobe
 * resolution, probing, and decoding video files into a
 * memory-bounded, consumer-paced stream of frames. No ML here.
 */
export { resolveFfmpegBinaries, type BinaryOrigin, type FfmpegBinaries, type ResolveBinariesOptions, type ResolvedBinary } from './ffmpeg-binaries';
export { probeSource, type ProbeOptions, type Rational, type SourceProbe } from './probe-source';
export {
  DAMAGE_POLICIES,
  DEFAULT_DECODE_OPTIONS,
  FULL_FRAME_FORMATS,
  resolveDecodeOptions,
  type DamagePolicy,
  type DecodeOptions,
  type FullFrameFormat,
  type ResolvedDecodeOptions,
} from './decode-options';
export {
  FrameDecoder,
  openFrameDecoder,
  type AnalysisImage,
  type DamageReport,
  type DecodedFrame,
  type DecodeEnd,
  type DecoderStats,
} from './frame-decoder';
export { decodeFrames, type FrameFlowControl } from './decode-frames';
export { Yuv420Frame } from './yuv420-frame';

// Source discovery (files, directories, globs), content hashing, recorder layouts, safe output names.
export { DEFAULT_VIDEO_EXTENSIONS, extensionOf } from './discover/video-extensions';
export { expandInputs, type DiscoveredFile, type ExpandInputsOptions, type ExpandInputsResult, type InputReport } from './discover/expand-inputs';
export { hashFile, type FileFingerprint, type HashFileOptions, type HashFileResult } from './discover/hash-file';
export {
  checkLayoutPatterns,
  DEFAULT_LAYOUT_PATTERNS,
  layoutPatternFromSpec,
  parseSourceLayout,
  type LayoutClock,
  type LayoutPattern,
  type SourceLayout,
} from './discover/source-layout';
export { safeRelativeName } from './discover/safe-relative-name';
export { joinInside } from './discover/join-inside';

// Watch folders (NVR recordings): files handed on once completely written.
export { FolderWatch, watchFolders, type ReadyFile, type WatchStats } from './watch/watch-folders';
export {
  DEFAULT_WATCH_OPTIONS,
  resolveWatchOptions,
  type ReadyCheck,
  type ReadyCheckResult,
  type ResolvedWatchOptions,
  type WatchFoldersOptions,
} from './watch/watch-options';
export { isTemporaryName, TEMPORARY_NAME_PATTERNS } from './watch/is-temporary-name';
export { probeReadyCheck } from './watch/probe-ready-check';
export { ReadyQueue } from './watch/ready-queue';

// Change detection for gating the detector: grey thumbnails and their difference.
export { greyThumbnail, type GreyThumbnail } from './change/grey-thumbnail';
export { changedFraction } from './change/changed-fraction';
