/** A timestamped log of what a history did and saw: printed whole when the history fails. */
export interface LogEntry {
  /** ms since the history started. */
  readonly t: number;
  readonly at: number;
  readonly text: string;
}

export class OperationLog {
  readonly startedAt: number;
  private readonly entries: LogEntry[] = [];
  private readonly echo: ((line: string) => void) | undefined;

  constructor(echo?: (line: string) => void, startedAt = Date.now()) {
    this.startedAt = startedAt;
    this.echo = echo;
  }

  add(text: string, at = Date.now()): void {
    const e = { t: at - this.startedAt, at, text };
    this.entries.push(e);
    this.echo?.(OperationLog.line(e));
  }

  get all(): readonly LogEntry[] {
    return this.entries;
  }

  static line(e: LogEntry): string {
    return `[+${(e.t / 1000).toFixed(3).padStart(8)} s] ${e.text}`;
  }

  text(): string {
    return this.entries.map(OperationLog.line).join('\n');
  }
}
