/** What the queue needs of an item: its identity and its order key. */
export interface QueueItem {
  readonly path: string;
  readonly mtimeMs: number;
}

/**
 * Files waiting for the consumer, taken oldest first: by `mtimeMs`, then by `path` (code-unit
 * order) so that equal times give a stable order. One entry per path: pushing a path that is
 * already waiting replaces its entry (the newer facts about the same file) instead of queueing
 * the file twice. Unbounded: nothing is dropped, whatever the consumer's pace.
 */
export class ReadyQueue<T extends QueueItem> {
  // Sorted ascending; a waiting list is small (the files that arrived while one was processed),
  // so binary search + splice beats a heap's bookkeeping here.
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Inserts `item` in order, replacing a waiting entry with the same path. */
  push(item: T): void {
    this.remove(item.path);
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.items[mid];
      if (other !== undefined && ReadyQueue.before(other, item)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  take(): T | undefined {
    return this.items.shift();
  }

  /** Removes the entry for `path`; returns whether there was one. */
  remove(path: string): boolean {
    const i = this.items.findIndex((it) => it.path === path);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  has(path: string): boolean {
    return this.items.some((it) => it.path === path);
  }

  /** The waiting items in the order they would be taken (a copy). */
  snapshot(): readonly T[] {
    return [...this.items];
  }

  /** Removes everything; returns what was waiting, in order. */
  clear(): readonly T[] {
    return this.items.splice(0, this.items.length);
  }

  private static before(a: QueueItem, b: QueueItem): boolean {
    return a.mtimeMs < b.mtimeMs || (a.mtimeMs === b.mtimeMs && a.path < b.path);
  }
}
