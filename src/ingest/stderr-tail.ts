/**
 * Keeps the last lines a child process wrote to stderr, for error messages. Bounded: a
 * long-running ffmpeg writes megabytes of log, we keep only the end.
 */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  /** @param maxLines how many complete lines to keep (oldest dropped first), >= 1. */
  constructor(private readonly maxLines = 20) {}

  /** Adds a chunk of text; returns the complete lines it finished (for callers that parse them). */
  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const parts = text.split(/\r\n|\r|\n/);
    this.partial = parts.pop() ?? '';
    const done = parts.filter((l) => l.length > 0);
    for (const line of done) this.add(line);
    return done;
  }

  /** Flushes an unterminated last line, if any; returns it in an array (empty when none). */
  flush(): string[] {
    const line = this.partial;
    this.partial = '';
    if (line.length === 0) return [];
    this.add(line);
    return [line];
  }

  /** Records one line without parsing (used when the caller filters what is worth keeping). */
  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  /** The kept lines joined with newlines. */
  text(): string {
    return this.lines.join('\n');
  }

  /** The last kept line, or '' when none. */
  last(): string {
    return this.lines[this.lines.length - 1] ?? '';
  }
}
