import { CheckpointError } from '../../contracts';
import { checkOptionKeys } from '../../validate';
import type { HostTensor, StateDict } from './host-tensor';
import type { PickleKey, PickleValue } from './pickle-reader';
import { describeValue } from './pickle-reader';
import type { OpenTorchFile } from './torch-file';
import { openTorchFile } from './torch-file';
import { TorchTensor } from './torch-tensor';

/**
 * Names (without the `module.` prefix) of the NCSN++ state_dict entries that are not trainable
 * parameters and therefore have no EMA shadow: the float64 buffer `sigmas` and the frozen
 * Gaussian Fourier projection `all_modules.0.W` (fixtures README §1).
 */
export const NCSNPP_NON_TRAINABLE_KEYS: readonly string[] = Object.freeze(['sigmas', 'all_modules.0.W']);

/** Which weights {@link loadTorchStateDict} returns, and how to map the EMA shadow list. */
export interface LoadTorchStateDictOptions {
  /** `'model'`: the raw trained weights; `'ema'`: every trainable tensor replaced by its EMA shadow (used for sampling). */
  readonly weights: 'model' | 'ema';
  /**
   * State-dict names (prefix removed) that have no EMA shadow (buffers and frozen parameters),
   * in any order. Default {@link NCSNPP_NON_TRAINABLE_KEYS}.
   */
  readonly nonTrainableKeys?: readonly string[];
}

/** Adam's per-parameter state. */
export interface AdamParamState {
  readonly step: number;
  readonly expAvg: HostTensor;
  readonly expAvgSq: HostTensor;
  /** Present only with amsgrad. */
  readonly maxExpAvgSq: HostTensor | null;
}

/** One Adam parameter group. `params` are indices into `named_parameters()` order. */
export interface AdamParamGroup {
  readonly lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  readonly params: readonly number[];
  /** Every other entry of the group (e.g. `foreach`, `maximize`), as stored. */
  readonly extra: ReadonlyMap<string, PickleValue>;
}

/** The EMA of the score model (`ExponentialMovingAverage.state_dict()`). */
export interface EmaState {
  readonly decay: number;
  readonly numUpdates: number;
  /** One tensor per trainable parameter, in `named_parameters()` order. */
  readonly shadowParams: readonly HostTensor[];
}

/** Everything in a checkpoint written by the authors' `utils.save_checkpoint`. */
export interface FasrCheckpoint {
  readonly format: 'zip' | 'legacy';
  /** Training step (`'step'`). */
  readonly step: number;
  /** `'model'` with the prefix below removed. */
  readonly model: StateDict;
  /** The prefix removed from every `'model'` key: `'module.'` (DataParallel) or `''`. */
  readonly keyPrefix: string;
  readonly ema: EmaState;
  readonly optimizer: { readonly state: ReadonlyMap<number, AdamParamState>; readonly paramGroups: readonly AdamParamGroup[] };
}

function err(file: string, msg: string, ctx: Record<string, unknown> = {}): CheckpointError {
  return new CheckpointError(`${file}: ${msg}`, { path: file, ...ctx });
}

function asDict(v: PickleValue | undefined, what: string, file: string): Map<PickleKey, PickleValue> {
  if (v === undefined) throw err(file, `${what} is missing`);
  if (!(v instanceof Map)) throw err(file, `${what} must be a dict, got ${describeValue(v)}`);
  return v;
}

function asNumber(v: PickleValue | undefined, what: string, file: string): number {
  if (typeof v === 'number') return v;
  // torch >= 1.12 stores Adam's step as a 0-dim tensor.
  if (v instanceof TorchTensor && v.shape.length === 0 && v.dtype !== 'bool') return Number(v.data[0]);
  throw err(file, `${what} must be a number, got ${describeValue(v)}`);
}

function asTensor(v: PickleValue | undefined, what: string, file: string): TorchTensor {
  if (!(v instanceof TorchTensor)) throw err(file, `${what} must be a tensor, got ${describeValue(v)}`, { tensor: what });
  return v;
}

function checkKeys(d: Map<PickleKey, PickleValue>, required: readonly string[], what: string, file: string, exact: boolean): void {
  const missing = required.filter((k) => !d.has(k));
  if (missing.length > 0) throw err(file, `${what} lacks ${missing.map((k) => `'${k}'`).join(', ')}; found keys ${[...d.keys()].map(String).join(', ')}`);
  if (exact) {
    const extra = [...d.keys()].filter((k) => typeof k !== 'string' || !required.includes(k));
    if (extra.length > 0) throw err(file, `${what} has unexpected keys ${extra.map((k) => `'${String(k)}'`).join(', ')}; expected ${required.join(', ')}`);
  }
}

/** Rejects names that would be dangerous as object keys downstream. */
function checkName(name: string, file: string): void {
  if (name.length === 0 || name.split('.').some((seg) => seg === '__proto__' || seg.length === 0)) {
    throw err(file, `invalid state_dict key ${JSON.stringify(name)}`, { tensor: name });
  }
}

/** The `'model'` state dict with its prefix removed, tensors still lazy. */
function modelTensors(root: Map<PickleKey, PickleValue>, file: string): { prefix: string; tensors: Map<string, TorchTensor> } {
  const model = asDict(root.get('model'), "'model'", file);
  if (model.size === 0) throw err(file, "'model' state_dict is empty");
  const names: string[] = [];
  for (const k of model.keys()) {
    if (typeof k !== 'string') throw err(file, `'model' has a non-string key ${describeValue(k)}`);
    names.push(k);
  }
  const prefixed = names.filter((k) => k.startsWith('module.')).length;
  if (prefixed !== 0 && prefixed !== names.length) {
    throw err(file, `'model' mixes keys with and without the 'module.' prefix (${prefixed} of ${names.length} prefixed)`);
  }
  const prefix = prefixed === 0 ? '' : 'module.';
  const tensors = new Map<string, TorchTensor>();
  for (const k of names) {
    const name = k.slice(prefix.length);
    checkName(name, file);
    tensors.set(name, asTensor(model.get(k), `model '${k}'`, file));
  }
  return { prefix, tensors };
}

function emaShadow(root: Map<PickleKey, PickleValue>, file: string): { decay: number; numUpdates: number; shadow: TorchTensor[] } {
  const ema = asDict(root.get('ema'), "'ema'", file);
  checkKeys(ema, ['decay', 'num_updates', 'shadow_params'], "'ema'", file, false);
  const list = ema.get('shadow_params');
  if (!Array.isArray(list)) throw err(file, `'ema'.shadow_params must be a list, got ${describeValue(list)}`);
  const shadow = (list as readonly PickleValue[]).map((t, i) => asTensor(t, `ema.shadow_params[${i}]`, file));
  return { decay: asNumber(ema.get('decay'), "'ema'.decay", file), numUpdates: asNumber(ema.get('num_updates'), "'ema'.num_updates", file), shadow };
}

/**
 * Pairs each trainable tensor (state_dict order minus `nonTrainable`) with its EMA shadow.
 * @throws CheckpointError naming the tensor for a count, shape or dtype mismatch.
 */
function mapShadow(model: Map<string, TorchTensor>, shadow: readonly TorchTensor[], nonTrainable: readonly string[], file: string): Map<string, TorchTensor> {
  for (const k of nonTrainable) {
    if (!model.has(k)) throw err(file, `non-trainable tensor '${k}' is not in 'model'; keys without shadow must exist`, { tensor: k });
  }
  const trainable = [...model.keys()].filter((k) => !nonTrainable.includes(k));
  if (trainable.length !== shadow.length) {
    throw err(file, `'ema'.shadow_params has ${shadow.length} tensors, expected ${trainable.length} (trainable tensors of 'model')`, {
      expected: trainable.length,
      actual: shadow.length,
    });
  }
  const out = new Map<string, TorchTensor>();
  trainable.forEach((name, i) => {
    const m = model.get(name) as TorchTensor;
    const s = shadow[i] as TorchTensor;
    if (s.shape.length !== m.shape.length || s.shape.some((n, d) => n !== m.shape[d])) {
      throw err(file, `EMA shadow ${i} for '${name}' has shape [${s.shape.join(', ')}], expected [${m.shape.join(', ')}]`, {
        tensor: name,
        expected: m.shape,
        actual: s.shape,
      });
    }
    if (s.dtype !== m.dtype) {
      throw err(file, `EMA shadow ${i} for '${name}' has dtype ${s.dtype}, expected ${m.dtype}`, { tensor: name, expected: m.dtype, actual: s.dtype });
    }
    out.set(name, s);
  });
  return out;
}

function withFile<T>(file: string, f: (t: OpenTorchFile, root: Map<PickleKey, PickleValue>) => T): T {
  const t = openTorchFile(file);
  try {
    const root = asDict(t.root, 'the checkpoint root', file);
    return f(t, root);
  } finally {
    t.close();
  }
}

function checkOptions(fn: string, opts: unknown, valid: readonly string[]): { weights: 'model' | 'ema'; nonTrainable: readonly string[] } {
  const o = checkOptionKeys(fn, opts, valid, { error: CheckpointError });
  const weights = valid.includes('weights') ? o.weights : 'ema';
  if (weights !== 'model' && weights !== 'ema') {
    throw new CheckpointError(`${fn}: weights must be 'model' or 'ema', got ${JSON.stringify(weights)}`);
  }
  const keys = o.nonTrainableKeys ?? NCSNPP_NON_TRAINABLE_KEYS;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new CheckpointError(`${fn}: nonTrainableKeys must be an array of strings`);
  return { weights, nonTrainable: keys as string[] };
}

/**
 * Loads the score model's weights from the authors' checkpoint (`utils.save_checkpoint`; zip or
 * legacy `torch.save` format) as a state dict without the `module.` prefix, in the file's order.
 * With `weights: 'ema'` each trainable tensor is replaced by `ema.shadow_params[i]` in
 * `named_parameters()` order; the non-trainable ones (`sigmas`, `all_modules.0.W`) stay from
 * `'model'` (fixtures README §1). Tensors keep their stored dtype (`sigmas` is float64).
 * Only the needed storages are read.
 * @throws CheckpointError for a missing/corrupt/hostile file, a missing `'model'`/`'ema'`, or an
 *   EMA list whose length, shapes or dtypes do not match (naming the tensor).
 */
export async function loadTorchStateDict(file: string, opts: LoadTorchStateDictOptions): Promise<StateDict> {
  const { weights, nonTrainable } = checkOptions('loadTorchStateDict', opts, ['weights', 'nonTrainableKeys']);
  if (typeof file !== 'string' || file.length === 0) throw new CheckpointError(`loadTorchStateDict: file must be a non-empty path, got ${String(file)}`);
  return withFile(file, (_t, root) => {
    const { tensors } = modelTensors(root, file);
    let chosen = tensors;
    if (weights === 'ema') {
      const shadow = mapShadow(tensors, emaShadow(root, file).shadow, nonTrainable, file);
      chosen = new Map([...tensors].map(([k, t]) => [k, shadow.get(k) ?? t]));
    }
    const out = new Map<string, HostTensor>();
    for (const [k, t] of chosen) out.set(k, t.toHostTensor());
    return out;
  });
}

function adamState(v: PickleValue | undefined, file: string): ReadonlyMap<number, AdamParamState> {
  const state = asDict(v, "'optimizer'.state", file);
  const out = new Map<number, AdamParamState>();
  for (const [k, s] of state) {
    if (typeof k !== 'number') throw err(file, `'optimizer'.state key ${describeValue(k)} is not a parameter index`);
    const d = asDict(s, `'optimizer'.state[${k}]`, file);
    checkKeys(d, ['step', 'exp_avg', 'exp_avg_sq'], `'optimizer'.state[${k}]`, file, false);
    const max = d.get('max_exp_avg_sq');
    out.set(k, {
      step: asNumber(d.get('step'), `'optimizer'.state[${k}].step`, file),
      expAvg: asTensor(d.get('exp_avg'), `optimizer.state[${k}].exp_avg`, file).toHostTensor(),
      expAvgSq: asTensor(d.get('exp_avg_sq'), `optimizer.state[${k}].exp_avg_sq`, file).toHostTensor(),
      maxExpAvgSq: max === undefined ? null : asTensor(max, `optimizer.state[${k}].max_exp_avg_sq`, file).toHostTensor(),
    });
  }
  return out;
}

function adamGroups(v: PickleValue | undefined, file: string): AdamParamGroup[] {
  if (!Array.isArray(v)) throw err(file, `'optimizer'.param_groups must be a list, got ${describeValue(v)}`);
  return (v as readonly PickleValue[]).map((g, i) => {
    const what = `'optimizer'.param_groups[${i}]`;
    const d = asDict(g, what, file);
    const known = ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'params'];
    checkKeys(d, known, what, file, false);
    const betas = d.get('betas');
    if (!Array.isArray(betas) || betas.length !== 2 || typeof betas[0] !== 'number' || typeof betas[1] !== 'number') {
      throw err(file, `${what}.betas must be two numbers, got ${describeValue(betas)}`);
    }
    const params = d.get('params');
    if (!Array.isArray(params) || !params.every((p) => typeof p === 'number' && Number.isSafeInteger(p))) {
      throw err(file, `${what}.params must be a list of ints, got ${describeValue(params)}`);
    }
    const amsgrad = d.get('amsgrad');
    if (typeof amsgrad !== 'boolean') throw err(file, `${what}.amsgrad must be a bool, got ${describeValue(amsgrad)}`);
    const extra = new Map<string, PickleValue>();
    for (const [k, x] of d) if (typeof k === 'string' && !known.includes(k)) extra.set(k, x);
    return {
      lr: asNumber(d.get('lr'), `${what}.lr`, file),
      betas: [betas[0], betas[1]] as const,
      eps: asNumber(d.get('eps'), `${what}.eps`, file),
      weightDecay: asNumber(d.get('weight_decay'), `${what}.weight_decay`, file),
      amsgrad,
      params: [...(params as number[])],
      extra,
    };
  });
}

/**
 * Reads everything in an authors' checkpoint: `'model'` (prefix removed), the EMA
 * (decay, num_updates, shadow list checked against `'model'`), Adam's state and parameter groups,
 * and `'step'` — for resuming training or inspection.
 * @throws CheckpointError for anything missing, extra at the top level, malformed or hostile.
 */
export async function readFasrCheckpoint(file: string, opts: { readonly nonTrainableKeys?: readonly string[] } = {}): Promise<FasrCheckpoint> {
  const { nonTrainable } = checkOptions('readFasrCheckpoint', opts, ['nonTrainableKeys']);
  if (typeof file !== 'string' || file.length === 0) throw new CheckpointError(`readFasrCheckpoint: file must be a non-empty path, got ${String(file)}`);
  return withFile(file, (t, root) => {
    checkKeys(root, ['optimizer', 'model', 'ema', 'step'], 'the checkpoint', file, true);
    t.loadAll();
    const { prefix, tensors } = modelTensors(root, file);
    const ema = emaShadow(root, file);
    mapShadow(tensors, ema.shadow, nonTrainable, file);
    const optimizer = asDict(root.get('optimizer'), "'optimizer'", file);
    checkKeys(optimizer, ['state', 'param_groups'], "'optimizer'", file, true);
    const step = root.get('step');
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) throw err(file, `'step' must be a non-negative int, got ${describeValue(step)}`);
    return {
      format: t.format,
      step,
      model: new Map([...tensors].map(([k, x]) => [k, x.toHostTensor()])),
      keyPrefix: prefix,
      ema: { decay: ema.decay, numUpdates: ema.numUpdates, shadowParams: ema.shadow.map((x) => x.toHostTensor()) },
      optimizer: { state: adamState(optimizer.get('state'), file), paramGroups: adamGroups(optimizer.get('param_groups'), file) },
    };
  });
}
