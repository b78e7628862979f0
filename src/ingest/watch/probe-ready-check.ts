import { InputError } from '../../contracts';
import type { FfmpegBinaries } from '../ffmpeg-binaries';
import { probeSource } from '../probe-source';
import type { ReadyCheck } from './watch-options';

/**
 * A {@link ReadyCheck} that asks ffprobe: ready when `probeSource` succeeds (a container it can
 * parse, a video stream, a known codec). An MP4 still being written has no index (`moov`) yet and
 * is "not ready" with ffprobe's reason; so is a file that is not a video at all, until
 * `readyCheckMaxWaitMs` hands it on with that reason. Costs one ffprobe per settled file
 * (tens of ms), and one per retry.
 * @param timeoutMs time allowed for each ffprobe, ms. Default 30000.
 */
export function probeReadyCheck(binaries: FfmpegBinaries, timeoutMs = 30000): ReadyCheck {
  return async (filePath: string) => {
    try {
      await probeSource(filePath, binaries, { timeoutMs });
      return { ready: true };
    } catch (err) {
      if (err instanceof InputError) {
        const reason = typeof err.context.reason === 'string' ? err.context.reason : err.message;
        return { ready: false, reason };
      }
      throw err;
    }
  };
}
