import { InputError } from '../contracts';
import { DEFAULT_KEEP_NATIVE_MIN_SIDE_PX, MAX_KEEP_NATIVE_MIN_SIDE_PX } from '../../pipelines';

/** Help text of the keep-native flags (`fasr sr --keep-native-min-side`, `--sr-keep-native-min-side` of process and batch). */
export const KEEP_NATIVE_OPTION_HELP = `a track whose LR_0 native crop is at least this many px on a side is not synthesized: its native crop is stored as its output, with the reason (0: off; default ${DEFAULT_KEEP_NATIVE_MIN_SIDE_PX}; docs/pipeline.md)`;

/**
 * A keep-native threshold from the command line: absent → the default (128); 0 → off (null);
 * else an integer in [1, 4096].
 * @param flag the option's name without dashes, for the message.
 * @throws InputError `--<flag>: expected an integer in [0, 4096], received "..."`.
 */
export function keepNativeOption(flag: string, text: string | undefined): number | null {
  if (text === undefined) return DEFAULT_KEEP_NATIVE_MIN_SIDE_PX;
  const px = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(px) || px < 0 || px > MAX_KEEP_NATIVE_MIN_SIDE_PX) {
    throw new InputError(`--${flag}: expected an integer in [0, ${MAX_KEEP_NATIVE_MIN_SIDE_PX}], received ${JSON.stringify(text)}`, { option: flag });
  }
  return px === 0 ? null : px;
}
