import { TextDecoder } from 'node:util';
import { CheckpointError } from '../../contracts';

/** A Python dict key the reader accepts (hashable scalars only). */
export type PickleKey = string | number | bigint | boolean | null;

/**
 * What the safe unpickler produces. Python dicts become `Map`s (never plain objects, so a key
 * such as `__proto__` is just data), lists become arrays, tuples frozen arrays, bytes
 * `Uint8Array`s, ints `number`s (or `bigint` beyond 2^53), floats `number`s. Anything else is an
 * instance of {@link PickleObject} made by an allowlisted global.
 */
export type PickleValue = null | boolean | number | bigint | string | Uint8Array | PickleValue[] | readonly PickleValue[] | PickleDict | PickleObject;

export type PickleDict = Map<PickleKey, PickleValue>;

/** Base class of the opaque values that allowlisted globals create. */
export abstract class PickleObject {
  /** A short description for error messages, e.g. `torch.FloatStorage`. */
  abstract describe(): string;
  /**
   * Applies a BUILD opcode's state. The default refuses: BUILD on an arbitrary object would
   * mean setting attributes, which the reader never does.
   */
  setState(state: PickleValue, offset: number): void {
    throw new CheckpointError(`pickle: BUILD at offset ${offset} is not allowed on ${this.describe()} (state ${describeValue(state)})`);
  }
}

/**
 * A global the allowlist resolves to something callable (REDUCE / NEWOBJ). `call` receives
 * already-unpickled arguments and must be a pure constructor of data: nothing is executed.
 */
export class PickleCallable extends PickleObject {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly PickleValue[], offset: number) => PickleValue,
  ) {
    super();
  }
  describe(): string {
    return this.qualifiedName;
  }
}

/** Limits and hooks for {@link unpickle}. */
export interface UnpickleOptions {
  /**
   * Maps `module`, `name` to a value. Must throw (CheckpointError naming the global) for
   * anything not on its allowlist. Called for GLOBAL and STACK_GLOBAL.
   */
  readonly resolveGlobal: (module: string, name: string, offset: number) => PickleValue;
  /** Resolves a persistent id (BINPERSID); absent = persistent ids are an error. */
  readonly persistentLoad?: (pid: PickleValue, offset: number) => PickleValue;
  /** Maximum number of memo entries. Default 4,000,000. */
  readonly maxMemoEntries?: number;
  /** Maximum number of values on the stack plus mark stack. Default 1,000,000. */
  readonly maxStackDepth?: number;
  /** Name for error messages. */
  readonly name?: string;
}

/** Result of {@link unpickle}: the value and the offset just after its STOP opcode. */
export interface UnpickleResult {
  readonly value: PickleValue;
  readonly end: number;
}

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3',
  0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** A one-line description of a value for error messages (never its full content). */
export function describeValue(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (v instanceof Map) return `dict[${v.size}]`;
  if (v instanceof PickleObject) return v.describe();
  return `${Object.isFrozen(v) ? 'tuple' : 'list'}[${v.length}]`;
}

function isKey(v: PickleValue): v is PickleKey {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

/** Sentinel for MARK on the stack; never escapes the reader. */
const MARK_SENTINEL: unique symbol = Symbol('mark');
type StackItem = PickleValue | typeof MARK_SENTINEL;

/**
 * A safe unpickler for the opcodes of protocols 2–5 that `torch.save` and `pickle.dump` emit for
 * data (dicts, lists, tuples, scalars, strings, bytes) plus GLOBAL/STACK_GLOBAL, REDUCE, NEWOBJ,
 * BUILD and BINPERSID routed through `opts`. No Python object is ever instantiated and nothing is
 * executed: a global is only a name looked up in the caller's allowlist.
 *
 * @param bytes the pickle stream; reading starts at `start` and stops after STOP.
 * @throws CheckpointError for a forbidden global (named), an unknown or unsupported opcode (named,
 *   with its offset), a truncated stream, a memo/stack limit, or a malformed structure.
 */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions, start = 0): UnpickleResult {
  const name = opts.name ?? 'pickle';
  const maxMemo = opts.maxMemoEntries ?? 4_000_000;
  const maxDepth = opts.maxStackDepth ?? 1_000_000;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const memo = new Map<number, PickleValue>();
  let stack: StackItem[] = [];
  const marks: StackItem[][] = [];
  let depth = 0; // values held on all stacks
  let pos = start;
  let op = 0;
  let opPos = start;

  const fail = (msg: string): never => {
    throw new CheckpointError(`${name}: ${msg} (opcode ${OPCODE_NAMES[op] ?? `0x${op.toString(16)}`} at offset ${opPos})`, {
      path: name,
      offset: opPos,
    });
  };
  const need = (n: number): void => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.length) fail(`truncated pickle: needs ${n} more bytes, ${bytes.length - pos} left`);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++] as number;
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is out of range`);
    return Number(v);
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail('truncated pickle: missing newline');
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const push = (v: PickleValue): void => {
    if (++depth > maxDepth) fail(`stack limit of ${maxDepth} values exceeded`);
    stack.push(v);
  };
  const pop = (): PickleValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop();
    if (v === MARK_SENTINEL || v === undefined) return fail('unexpected MARK on the stack');
    depth--;
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK_SENTINEL) return fail('stack underflow');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const items = stack;
    const prev = marks.pop();
    if (prev === undefined) return fail('no MARK to pop to');
    stack = prev;
    depth -= items.length;
    for (const it of items) if (it === MARK_SENTINEL) fail('nested MARK');
    return items as PickleValue[];
  };
  const decode = (dec: TextDecoder, b: Uint8Array): string => {
    try {
      return dec.decode(b);
    } catch {
      return fail('invalid UTF-8 in string');
    }
  };
  const memoPut = (idx: number, v: PickleValue): void => {
    if (!memo.has(idx) && memo.size >= maxMemo) fail(`memo limit of ${maxMemo} entries exceeded`);
    memo.set(idx, v);
  };
  const memoGet = (idx: number): PickleValue => {
    const v = memo.get(idx);
    if (v === undefined) return fail(`memo index ${idx} was never stored`);
    return v;
  };
  const setItem = (d: PickleValue, k: PickleValue, v: PickleValue): void => {
    if (!(d instanceof Map)) return fail(`SETITEM target is ${describeValue(d)}, not a dict`);
    if (!isKey(k)) return fail(`unsupported dict key type ${describeValue(k)}`);
    d.set(k, v);
  };
  const appendTo = (l: PickleValue, items: readonly PickleValue[]): void => {
    if (!Array.isArray(l) || Object.isFrozen(l)) return fail(`APPEND target is ${describeValue(l)}, not a list`);
    for (const it of items) (l as PickleValue[]).push(it);
  };
  const tuple = (items: PickleValue[]): readonly PickleValue[] => Object.freeze(items);
  const callValue = (fn: PickleValue, args: PickleValue): PickleValue => {
    if (!(fn instanceof PickleCallable)) return fail(`cannot call ${describeValue(fn)}: only allowlisted callables can be called`);
    if (!Array.isArray(args) || !Object.isFrozen(args)) return fail(`arguments of ${fn.qualifiedName} must be a tuple, got ${describeValue(args)}`);
    return fn.call(args, opPos);
  };
  const longFromBytes = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (((b[b.length - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    opPos = pos;
    if (pos >= bytes.length) {
      op = -1;
      fail('truncated pickle: no STOP opcode');
    }
    op = bytes[pos++] as number;
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto > 5) fail(`unsupported pickle protocol ${proto}`);
        break;
      }
      case 0x95: // FRAME: framing is only a hint for buffered readers.
        need(u64());
        break;
      case 0x2e: {
        const v = pop();
        if (stack.length !== 0 || marks.length !== 0) fail('stack not empty at STOP');
        return { value: v, end: pos };
      }
      case 0x28:
        marks.push(stack);
        stack = [];
        if (marks.length > maxDepth) fail(`mark limit of ${maxDepth} exceeded`);
        break;
      case 0x30:
        if (stack.length === 0 && marks.length > 0) popMark();
        else pop();
        break;
      case 0x31:
        popMark();
        break;
      case 0x32:
        push(top());
        break;
      case 0x4e:
        push(null);
        break;
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x4a:
        need(4);
        push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b:
        push(u8());
        break;
      case 0x4d:
        need(2);
        push(dv.getUint16(pos, true));
        pos += 2;
        break;
      case 0x8a:
        push(longFromBytes(take(u8())));
        break;
      case 0x8b: {
        const n = u32();
        if (n > 4096) fail(`LONG4 of ${n} bytes is too large`);
        push(longFromBytes(take(n)));
        break;
      }
      case 0x47:
        need(8);
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58:
        push(decode(utf8, take(u32())));
        break;
      case 0x8c:
        push(decode(utf8, take(u8())));
        break;
      case 0x8d:
        push(decode(utf8, take(u64())));
        break;
      case 0x54: {
        // Python 2 str: bytes decoded as latin-1 (the only lossless choice).
        need(4);
        const n = dv.getInt32(pos, true);
        pos += 4;
        if (n < 0) fail('negative BINSTRING length');
        push(decode(latin1, take(n)));
        break;
      }
      case 0x55:
        push(decode(latin1, take(u8())));
        break;
      case 0x42:
        push(new Uint8Array(take(u32())));
        break;
      case 0x43:
        push(new Uint8Array(take(u8())));
        break;
      case 0x8e:
      case 0x96:
        push(new Uint8Array(take(u64())));
        break;
      case 0x7d:
        push(new Map<PickleKey, PickleValue>());
        break;
      case 0x64: {
        const items = popMark();
        if (items.length % 2 !== 0) fail('DICT with an odd number of items');
        const d = new Map<PickleKey, PickleValue>();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i] as PickleValue, items[i + 1] as PickleValue);
        push(d);
        break;
      }
      case 0x5d:
        push([]);
        break;
      case 0x6c:
        push(popMark());
        break;
      case 0x29:
        push(tuple([]));
        break;
      case 0x74:
        push(tuple(popMark()));
        break;
      case 0x85: {
        const a = pop();
        push(tuple([a]));
        break;
      }
      case 0x86: {
        const b = pop();
        const a = pop();
        push(tuple([a, b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        push(tuple([a, b, c]));
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        const items = popMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i] as PickleValue, items[i + 1] as PickleValue);
        break;
      }
      case 0x61: {
        const v = pop();
        appendTo(top(), [v]);
        break;
      }
      case 0x65: {
        const items = popMark();
        appendTo(top(), items);
        break;
      }
      case 0x71:
        memoPut(u8(), top());
        break;
      case 0x72:
        memoPut(u32(), top());
        break;
      case 0x94:
        memoPut(memo.size, top());
        break;
      case 0x70: {
        const idx = Number.parseInt(line(), 10);
        if (!Number.isSafeInteger(idx) || idx < 0) fail('bad PUT index');
        memoPut(idx, top());
        break;
      }
      case 0x68:
        push(memoGet(u8()));
        break;
      case 0x6a:
        push(memoGet(u32()));
        break;
      case 0x67: {
        const idx = Number.parseInt(line(), 10);
        if (!Number.isSafeInteger(idx) || idx < 0) fail('bad GET index');
        push(memoGet(idx));
        break;
      }
      case 0x63: {
        const module = line();
        const attr = line();
        push(opts.resolveGlobal(module, attr, opPos));
        break;
      }
      case 0x93: {
        const attr = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof attr !== 'string') {
          fail(`STACK_GLOBAL needs two strings, got ${describeValue(module)}, ${describeValue(attr)}`);
        }
        push(opts.resolveGlobal(module as string, attr as string, opPos));
        break;
      }
      case 0x52: {
        const args = pop();
        const fn = pop();
        push(callValue(fn, args));
        break;
      }
      case 0x81: {
        const args = pop();
        const cls = pop();
        push(callValue(cls, args));
        break;
      }
      case 0x92: {
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size !== 0) fail(`NEWOBJ_EX with keyword arguments is not supported (${describeValue(kwargs)})`);
        push(callValue(cls, args));
        break;
      }
      case 0x62: {
        const state = pop();
        const obj = top();
        if (obj instanceof PickleObject) obj.setState(state, opPos);
        else if (obj instanceof Map && (state === null || (state instanceof Map && [...state.keys()].every((k) => k === '_metadata')))) {
          // A state_dict OrderedDict carries its module versions as the attribute `_metadata`;
          // it is not part of the data, and no other attribute is accepted.
        } else fail(`BUILD on ${describeValue(obj)} with state ${describeValue(state)} is not allowed`);
        break;
      }
      case 0x51: {
        const pid = pop();
        if (opts.persistentLoad === undefined) fail('persistent id found but this file kind has no persistent storage');
        push(opts.persistentLoad!(pid, opPos));
        break;
      }
      default:
        fail(OPCODE_NAMES[op] === undefined ? `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}` : 'unsupported pickle opcode');
    }
  }
}
