/**
 * src/ingest: ffmpeg/ffprobe resolution, probing, and decoding video files into a
 * memory-bounded, consumer-paced stream of frames. No ML here.
 */
export { resolveFfmpegBinaries, type BinaryOrigin, type FfmpegBinaries, type ResolveBinariesOptions, type ResolvedBinary } from './ffmpeg-binaries';
export { probeSource, type ProbeOptions, type Rational, type SourceProbe } from './probe-source';
export { DAMAGE_POLICIES, DEFAULT_DECODE_OPTIONS, resolveDecodeOptions, type DamagePolicy, type DecodeOptions, type ResolvedDecodeOptions } from './decode-options';
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
