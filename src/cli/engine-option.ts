import { InputError } from '../contracts';
import { SR_ENGINE_NAMES, defaultSrEngine } from '../sr';
import type { SrEngineName } from '../sr';

/** Help text of an `--engine`-like option (default `auto`). */
export const ENGINE_OPTION_HELP = `SR inference engine: auto | ${SR_ENGINE_NAMES.join(' | ')} (auto: the fastest installed, onnx when onnxruntime-node is there)`;

/**
 * The engine an `--engine`-like option names: 'auto' is {@link defaultSrEngine}'s choice, with its reason.
 * @throws InputError naming the option and the valid values.
 */
export function resolveEngineOption(option: string, text: string): { readonly engine: SrEngineName; readonly reason: string } {
  if (text === 'auto') return defaultSrEngine();
  if (!(SR_ENGINE_NAMES as readonly string[]).includes(text)) throw new InputError(`--${option}: expected one of auto, ${SR_ENGINE_NAMES.join(', ')}, received ${JSON.stringify(text)}`, { option });
  return { engine: text as SrEngineName, reason: `--${option} ${text}` };
}
