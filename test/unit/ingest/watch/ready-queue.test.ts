import { ReadyQueue } from '../../../../src/ingest';

interface Item {
  path: string;
  mtimeMs: number;
  tag?: string;
}

describe('ReadyQueue', () => {
  test('takes the oldest mtime first, equal times by path, whatever the push order', () => {
    const q = new ReadyQueue<Item>();
    for (const it of [
      { path: '/c', mtimeMs: 30 },
      { path: '/a', mtimeMs: 10 },
      { path: '/z', mtimeMs: 20 },
      { path: '/b', mtimeMs: 20 },
    ]) {
      q.push(it);
    }
    expect(q.snapshot().map((i) => i.path)).toEqual(['/a', '/b', '/z', '/c']);
    const taken: string[] = [];
    for (let it = q.take(); it !== undefined; it = q.take()) taken.push(it.path);
    expect(taken).toEqual(['/a', '/b', '/z', '/c']);
    expect(q.size).toBe(0);
    expect(q.take()).toBeUndefined();
  });

  test('one entry per path: a second push replaces it and moves it to its new place', () => {
    const q = new ReadyQueue<Item>();
    q.push({ path: '/a', mtimeMs: 10, tag: 'old' });
    q.push({ path: '/b', mtimeMs: 20 });
    q.push({ path: '/a', mtimeMs: 30, tag: 'new' });
    expect(q.size).toBe(2);
    expect(q.snapshot().map((i) => `${i.path}:${i.tag ?? ''}`)).toEqual(['/b:', '/a:new']);
  });

  test('nothing is dropped: 1000 pushes, 1000 takes, sorted', () => {
    const q = new ReadyQueue<Item>();
    const times = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    times.forEach((t, i) => q.push({ path: `/f${i}`, mtimeMs: t }));
    const out: number[] = [];
    for (let it = q.take(); it !== undefined; it = q.take()) out.push(it.mtimeMs);
    expect(out).toHaveLength(1000);
    expect(out).toEqual([...times].sort((a, b) => a - b));
  });

  test('remove, has and clear', () => {
    const q = new ReadyQueue<Item>();
    q.push({ path: '/a', mtimeMs: 1 });
    q.push({ path: '/b', mtimeMs: 2 });
    expect(q.has('/a')).toBe(true);
    expect(q.remove('/a')).toBe(true);
    expect(q.remove('/a')).toBe(false);
    expect(q.has('/a')).toBe(false);
    q.push({ path: '/c', mtimeMs: 0 });
    expect(q.clear().map((i) => i.path)).toEqual(['/c', '/b']);
    expect(q.size).toBe(0);
  });
});
