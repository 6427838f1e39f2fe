import type { LogTail } from './log-tail.ts';
import type { ManagedProcess, ExitInfo } from './managed-process.ts';
import { WaitAborted, waitFor } from './wait-for.ts';

export interface JobResult extends ExitInfo {
  /** Every output line (stdout and stderr interleaved), harness markers excluded. */
  readonly output: string[];
  readonly durationMs: number;
}

/**
 * A one-shot process that is not a pod (e.g. the bootstrap Job's script): output captured,
 * killable by SIGKILL of its process group (like a Job pod that is deleted halfway).
 */
export class Job {
  readonly name: string;
  readonly log: LogTail;
  private readonly proc: ManagedProcess;
  private readonly output: string[] = [];
  private readonly startedAt = Date.now();
  /** Resolves when the process exits, whatever its exit code. */
  readonly done: Promise<JobResult>;

  /**
   * More to show when the job fails or times out: the sandbox passes the last lines of its pods,
   * so a Job that waited on a pod that never came up says why that pod did not.
   */
  private readonly context?: () => string;

  constructor(name: string, proc: ManagedProcess, context?: () => string) {
    this.name = name;
    this.proc = proc;
    this.context = context;
    this.log = proc.log;
    this.log.onLine((l) => {
      if (!l.startsWith('[testkit ')) this.output.push(l);
    });
    this.done = proc.exited.then((e) => ({ ...e, output: [...this.output], durationMs: Date.now() - this.startedAt }));
  }

  get pid(): number {
    return this.proc.pid;
  }
  get running(): boolean {
    return this.proc.running;
  }
  lines(): string[] {
    return [...this.output];
  }

  describe(n = 40): string {
    const exit = this.proc.exit;
    const status = exit ? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`) : `pid ${this.pid}, running`;
    return `--- job ${this.name} (${status}) last ${n} lines of ${this.log.file} ---\n${this.log.last(n).join('\n')}`;
  }

  /** SIGKILL the job's whole process group and wait for it. */
  async kill(): Promise<JobResult> {
    this.log.mark(`SIGKILL job ${this.name} (pid ${this.pid})`);
    await this.proc.kill();
    return this.done;
  }

  /** For the process 'exit' safety net. */
  killSync(): void {
    this.proc.killSync();
  }

  /** Waits until an output line matches `pattern`; fails early when the job exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
    const result = await waitFor(
      `job ${this.name} to print ${pattern}`,
      () => {
        const hit = this.output.find((l) => pattern.test(l));
        if (hit !== undefined) return { done: true, state: hit, value: hit };
        if (this.proc.exit) throw new WaitAborted(`job ${this.name} exited (${this.proc.exit.signal ?? `code ${this.proc.exit.code}`}) without printing ${pattern}\n${this.describe(40)}`);
        return { done: false, state: this.output[this.output.length - 1] ?? '(no output yet)' };
      },
      { timeoutMs, intervalMs: 25, context: () => this.describe(40) },
    );
    return result.value!;
  }

  private contextText(): string {
    const text = this.context?.();
    return text ? `\n${text}` : '';
  }

  /** Waits for the exit; throws with the output when it takes longer than `timeoutMs` or exits non-zero. */
  async succeeded(timeoutMs = 120_000): Promise<JobResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`job ${this.name} still running after ${timeoutMs}ms\n${this.describe(60)}${this.contextText()}`)), timeoutMs);
    });
    try {
      const r = await Promise.race([this.done, timeout]);
      if (r.code !== 0) throw new Error(`job ${this.name} failed (${r.signal ? `signal ${r.signal}` : `exit code ${r.code}`}) after ${r.durationMs}ms\n${this.describe(60)}${this.contextText()}`);
      return r;
    } finally {
      clearTimeout(timer);
    }
  }
}
