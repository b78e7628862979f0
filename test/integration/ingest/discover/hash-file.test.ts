import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../../../src/contracts';
import { hashFile, type HashFileOptions } from '../../../../src/ingest';

const HAMILTON = path.resolve(__dirname, '../../../../../shared/data/videos/face_recognition/short_hamilton_clip.mp4');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fasr-hash-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('hashFile', () => {
  test('known SHA-256 of small contents (FIPS 180-2 "abc", and the empty file)', async () => {
    const abc = path.join(dir, 'abc');
    fs.writeFileSync(abc, 'abc');
    const r = await hashFile(abc);
    expect(r.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(r.sizeBytes).toBe(3);
    expect(r.mtimeMs).toBe(fs.statSync(abc).mtimeMs);
    expect(r.reused).toBe(false);
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '');
    expect((await hashFile(empty)).sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('a file larger than many chunks, streamed with a small buffer, equals the one-shot digest', async () => {
    // 24 MiB + 123 bytes of a seeded pattern (not a chunk multiple: the tail is read too).
    const big = path.join(dir, 'big.bin');
    const size = 24 * 1024 * 1024 + 123;
    const buf = Buffer.alloc(size);
    let x = 12345;
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      buf[i] = x >>> 24;
    }
    fs.writeFileSync(big, buf);
    const expected = createHash('sha256').update(buf).digest('hex');
    const heapBefore = process.memoryUsage().arrayBuffers;
    const r = await hashFile(big, { chunkBytes: 64 * 1024 });
    expect(r.sha256).toBe(expected);
    expect(r.sizeBytes).toBe(size);
    // Bounded memory: the read does not hold the file (generous: 8 MiB for a 24 MiB file).
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(8 * 1024 * 1024);
  });

  test('a real clip: the same digest as a one-shot read', async () => {
    const r = await hashFile(HAMILTON);
    expect(r.sha256).toBe(createHash('sha256').update(fs.readFileSync(HAMILTON)).digest('hex'));
  });

  test('fast path: reused only when asked and size and mtime both match', async () => {
    const p = path.join(dir, 'clip.mp4');
    fs.writeFileSync(p, 'version 1');
    // Whole seconds: a fractional mtime would not survive utimes exactly.
    fs.utimesSync(p, 1_700_000_000, 1_700_000_000);
    const first = await hashFile(p);
    expect(first.mtimeMs).toBe(1_700_000_000_000);
    // Same size, same mtime, different content: the documented risk of the fast path.
    fs.writeFileSync(p, 'version 2');
    fs.utimesSync(p, 1_700_000_000, 1_700_000_000);
    const trusted = await hashFile(p, { previous: first, trustSizeAndMtime: true });
    expect(trusted.reused).toBe(true);
    expect(trusted.sha256).toBe(first.sha256);
    const careful = await hashFile(p, { previous: first });
    expect(careful.reused).toBe(false);
    expect(careful.sha256).not.toBe(first.sha256);
    // A different mtime is enough to re-hash.
    fs.utimesSync(p, 1_700_000_005, 1_700_000_005);
    const moved = await hashFile(p, { previous: first, trustSizeAndMtime: true });
    expect(moved.reused).toBe(false);
    expect(moved.sha256).toBe(careful.sha256);
  });

  test('a file that grows while it is hashed (a recorder still writing) is refused', async () => {
    const p = path.join(dir, 'growing.mp4');
    fs.writeFileSync(p, Buffer.alloc(8 * 1024 * 1024, 1));
    const fd = fs.openSync(p, 'a');
    // Keep appending, as a recorder does, while the 2048 small reads run (they yield to timers).
    const writer = setInterval(() => fs.writeSync(fd, Buffer.alloc(1024, 2)), 1);
    try {
      await expect(hashFile(p, { chunkBytes: 4096 })).rejects.toThrow(/: changed while hashing \(size \d+ -> \d+ bytes, read \d+; mtime/);
    } finally {
      clearInterval(writer);
      fs.closeSync(fd);
    }
  });

  test('missing file, directory, abort, bad options', async () => {
    const missing = path.join(dir, 'missing.mp4');
    const e = await hashFile(missing).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).context).toMatchObject({ path: missing, reason: 'not found' });
    await expect(hashFile(dir)).rejects.toThrow(`hashFile: ${dir}: not a regular file`);
    const p = path.join(dir, 'a');
    fs.writeFileSync(p, 'a');
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await expect(hashFile(p, { signal: ac.signal })).rejects.toThrow('stop now');
    await expect(hashFile(p, { chunkBytes: 10 })).rejects.toThrow('hashFile.chunkBytes: expected an integer in [4096, 67108864] (bytes), received 10');
    await expect(hashFile(p, { previous: { sha256: 'abc', sizeBytes: 1, mtimeMs: 0 } })).rejects.toThrow(/hashFile\.previous: expected \{sha256: 64 lower-case hex digits/);
    await expect(hashFile(p, { trustMtime: true } as unknown as HashFileOptions)).rejects.toThrow('hashFile: unknown option "trustMtime"');
  });
});
