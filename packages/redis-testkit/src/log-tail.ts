import { appendFileSync } from 'node:fs';

/** Keeps the last `capacity` lines of a process's output in memory and appends all of it to a file. */
export class LogTail {
  readonly file: string;
  private readonly capacity: number;
  private readonly lines: string[] = [];
  private partial = '';
  private listeners: Array<(line: string) => void> = [];

  constructor(file: string, capacity = 400) {
    this.file = file;
    this.capacity = capacity;
  }

  /** A line written by the harness itself (start/kill markers), e.g. "=== start #2 on 127.8.9.4". */
  mark(text: string): void {
    this.flushPartial();
    this.push(`[testkit ${new Date().toISOString()}] ${text}`);
    this.append(`[testkit ${new Date().toISOString()}] ${text}\n`);
  }

  write(chunk: Buffer | string): void {
    const text = chunk.toString();
    this.append(text);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
  }

  /** The last `n` lines (a trailing line without newline included). */
  last(n = 40): string[] {
    const all = this.partial ? [...this.lines, this.partial] : [...this.lines];
    return all.slice(-n);
  }

  /** Calls `fn` for every complete line from now on; returns an unsubscribe function. */
  onLine(fn: (line: string) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Ends a pending partial line (e.g. when the process died mid-line). */
  flushPartial(): void {
    if (this.partial) {
      this.push(this.partial);
      this.partial = '';
    }
  }

  /**
   * Appends to the file. Output that arrives after the sandbox removed its dir (a process's last
   * lines, still in the pipe when cleanup deleted the pod dir) is kept in memory only: an ENOENT
   * there is the end of the test, not an error of the process under test.
   */
  private append(text: string): void {
    try {
      appendFileSync(this.file, text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const l of this.listeners) l(line);
  }
}
