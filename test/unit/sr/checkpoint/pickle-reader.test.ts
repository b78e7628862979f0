import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CheckpointError } from '../../../../src/contracts';
import type { PickleValue } from '../../../../src/sr/checkpoint/pickle-reader';
import { unpickle } from '../../../../src/sr/checkpoint/pickle-reader';
import { resolveTorchGlobal } from '../../../../src/sr/checkpoint/torch-globals';
import { PickleBytes } from './pickle-bytes';

function load(p: PickleBytes | Uint8Array, extra: { maxMemoEntries?: number; maxStackDepth?: number } = {}): PickleValue {
  const bytes = p instanceof PickleBytes ? p.bytes() : p;
  return unpickle(bytes, { resolveGlobal: (m, n, off) => resolveTorchGlobal(m, n, off), name: 't.pkl', ...extra }).value;
}

function thrown(f: () => unknown): CheckpointError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('expected a CheckpointError, nothing was thrown');
}

describe('safe unpickler: data', () => {
  it('reads dicts as Maps, lists, frozen tuples, ints, longs, floats, strings, bytes and memo references', () => {
    const p = new PickleBytes().proto(4).frame(0).emptyDict().memoize().mark();
    p.shortStr('a').emptyList().memoize().mark().int(1).int(300).int(-5).int(70000).appends();
    p.shortStr('b').float(0.1).int(7).tuple2();
    p.shortStr('big').long1([0, 0, 0, 0, 0, 0, 0, 0, 1]); // 2^64
    p.shortStr('neg').long1([0xff, 0xfe]); // -257
    p.shortStr('raw').binbytes([1, 2, 3]);
    p.shortStr('same').binget(1); // the list again (memo index 1 by MEMOIZE)
    p.shortStr('t').bool(true).none().tuple2();
    p.setitems().stop();
    const v = load(p) as Map<string, PickleValue>;
    expect(v).toBeInstanceOf(Map);
    expect(v.get('a')).toEqual([1, 300, -5, 70000]);
    expect(v.get('b')).toEqual([0.1, 7]);
    expect(Object.isFrozen(v.get('b'))).toBe(true);
    expect(v.get('big')).toBe(2n ** 64n);
    expect(v.get('neg')).toBe(-257);
    expect(v.get('raw')).toEqual(Uint8Array.from([1, 2, 3]));
    expect(v.get('same')).toBe(v.get('a'));
    expect(v.get('t')).toEqual([true, null]);
  });

  it('keeps a __proto__ key as plain data: no prototype pollution', () => {
    const p = new PickleBytes().proto().emptyDict().str('__proto__').emptyDict().str('polluted').bool(true).setitem().setitem().stop();
    const v = load(p) as Map<string, PickleValue>;
    expect([...v.keys()]).toEqual(['__proto__']);
    expect(v.get('__proto__')).toBeInstanceOf(Map);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('safe unpickler: hostile input executes nothing and names the global', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-pickle-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['os', 'system'],
    ['posix', 'system'],
    ['subprocess', 'Popen'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['__builtin__', 'getattr'],
    ['torch', 'load'],
    ['collections', 'defaultdict'],
  ])("GLOBAL '%s\\n%s' + REDUCE is refused", (module, name) => {
    const marker = path.join(dir, 'pwned');
    // \x80\x02 c<module>\n<name>\n X<cmd> \x85 R .  — what pickle.dumps(os.system-reducer) produces.
    const p = new PickleBytes().proto().global(module, name).str(`touch ${marker}`).tuple1().reduce().stop();
    const e = thrown(() => load(p));
    expect(e.message).toContain(`forbidden global '${module}.${name}'`);
    expect(e.message).toContain('at offset 2');
    expect(e.context.global).toBe(`${module}.${name}`);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('STACK_GLOBAL builtins.eval (protocol 4) is refused before the call', () => {
    const marker = path.join(dir, 'pwned-eval');
    const p = new PickleBytes().proto(4).shortStr('builtins').memoize().shortStr('eval').memoize().stackGlobal();
    p.shortStr(`__import__('os').system('touch ${marker}')`).tuple1().reduce().stop();
    const e = thrown(() => load(p));
    expect(e.message).toMatch(/forbidden global 'builtins\.eval' at offset \d+/);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('STACK_GLOBAL with non-string operands is malformed', () => {
    const p = new PickleBytes().proto(4).int(1).int(2).stackGlobal().stop();
    expect(() => load(p)).toThrow(/STACK_GLOBAL needs two strings, got number 1, number 2/);
  });

  it('REDUCE on a non-callable and BUILD on a dict with attributes are refused', () => {
    expect(() => load(new PickleBytes().proto().str('os.system').emptyTuple().reduce().stop())).toThrow(/cannot call str "os.system"/);
    const build = new PickleBytes().proto().emptyDict().emptyDict().str('__class__').int(1).setitem().build().stop();
    expect(() => load(build)).toThrow(/BUILD on dict\[0\] with state dict\[1\] is not allowed/);
    // An allowlisted storage class is data, not a callable.
    expect(() => load(new PickleBytes().proto().global('torch', 'FloatStorage').emptyTuple().reduce().stop())).toThrow(/cannot call torch\.FloatStorage/);
  });

  it('names unknown and unsupported opcodes with their offset', () => {
    expect(() => load(Uint8Array.from([0x80, 0x02, 0xff, 0x2e]))).toThrow(/unknown pickle opcode 0xff .*at offset 2/);
    // INST would import and instantiate a class: unsupported.
    expect(() => load(Uint8Array.from([0x80, 0x02, 0x28, 0x69, ...Buffer.from('os\nsystem\n'), 0x2e]))).toThrow(/unsupported pickle opcode \(opcode INST at offset 3\)/);
    expect(() => load(Uint8Array.from([0x80, 0x06, 0x4e, 0x2e]))).toThrow(/unsupported pickle protocol 6/);
  });

  it('rejects truncated streams, an empty stream, stack underflow and a missing memo entry', () => {
    const full = new PickleBytes().proto().str('hello world').stop().bytes();
    expect(() => load(full.subarray(0, 8))).toThrow(/truncated pickle: needs 11 more bytes/);
    expect(() => load(full.subarray(0, full.length - 1))).toThrow(/no STOP opcode/);
    expect(() => load(new Uint8Array(0))).toThrow(/no STOP opcode/);
    expect(() => load(new PickleBytes().proto().setitem().stop())).toThrow(/stack underflow/);
    expect(() => load(new PickleBytes().proto().binget(9).stop())).toThrow(/memo index 9 was never stored/);
    expect(() => load(new PickleBytes().proto().none().none().stop())).toThrow(/stack not empty at STOP/);
  });

  it('bounds the memo and the stack', () => {
    const memo = new PickleBytes().proto().none();
    for (let i = 0; i < 20; i++) memo.longBinput(i * 1000);
    expect(() => load(memo.stop(), { maxMemoEntries: 10 })).toThrow(/memo limit of 10 entries exceeded/);
    const deep = new PickleBytes().proto();
    for (let i = 0; i < 50; i++) deep.none();
    expect(() => load(deep.stop(), { maxStackDepth: 32 })).toThrow(/stack limit of 32 values exceeded/);
  });

  it('refuses appending to a tuple and unhashable dict keys', () => {
    expect(() => load(new PickleBytes().proto().emptyTuple().int(1).append().stop())).toThrow(/APPEND target is tuple\[0\], not a list/);
    expect(() => load(new PickleBytes().proto().emptyDict().emptyList().int(1).setitem().stop())).toThrow(/unsupported dict key type list\[0\]/);
  });
});
