import type { ExecResult } from './exec.ts';
import type { Env, Pod } from './pod.ts';

export interface ProbeOptions {
  /** e.g. "readiness". */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Evaluated at every run, so it follows the pod's current IP. */
  readonly env: Env | ((pod: Pod) => Env);
  /** kubelet's periodSeconds, in ms. */
  readonly periodMs: number;
  /** kubelet's timeoutSeconds, in ms. */
  readonly timeoutMs: number;
}

export interface ProbeResult {
  readonly at: number;
  readonly ok: boolean;
  readonly code: number | null;
  readonly timedOut: boolean;
  /** stdout then stderr, trimmed. */
  readonly output: string;
}

/** How a probe runs its command; the Sandbox provides it (tracked, killable, bounded). `abort` kills a run in flight. */
export type ProbeRunner = (command: string, options: { args: readonly string[]; env: Env; timeoutMs: number; abort: AbortSignal }) => Promise<ExecResult>;

/**
 * The kubelet's part of a probe: runs a command against a pod every periodMs while the pod
 * runs, and keeps the results. Probes of the chart (readiness.sh) also have side effects, such
 * as refreshing peers.map, which the pod scripts rely on, so behaviour tests run them the way
 * kubelet would.
 */
export class PeriodicProbe {
  readonly pod: Pod;
  readonly options: ProbeOptions;
  private readonly history: ProbeResult[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly run: ProbeRunner;
  private abort = new AbortController();

  constructor(pod: Pod, options: ProbeOptions, run: ProbeRunner) {
    this.pod = pod;
    this.options = options;
    this.run = run;
    // A probe command runs inside the container: it dies with the pod.
    pod.onStop(() => this.abortInFlight());
    this.schedule(0);
  }

  /** Kills the run in flight (if any) and waits for it. */
  async abortInFlight(): Promise<void> {
    this.abort.abort();
    this.abort = new AbortController();
    await this.inFlight;
  }

  /** Results so far, oldest first (the last 100). */
  get results(): readonly ProbeResult[] {
    return this.history;
  }

  last(): ProbeResult | undefined {
    return this.history[this.history.length - 1];
  }

  /** Runs the probe now (outside the schedule) and returns its result. */
  async runNow(): Promise<ProbeResult> {
    const env = typeof this.options.env === 'function' ? this.options.env(this.pod) : this.options.env;
    const r = await this.run(this.options.command, { args: this.options.args ?? [], env, timeoutMs: this.options.timeoutMs, abort: this.abort.signal });
    const result: ProbeResult = { at: Date.now(), ok: r.code === 0 && !r.timedOut, code: r.code, timedOut: r.timedOut, output: `${r.stdout}${r.stderr}`.trim() };
    this.history.push(result);
    if (this.history.length > 100) this.history.shift();
    return result;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.abortInFlight();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      if (!this.pod.running) {
        this.schedule(this.options.periodMs);
        return;
      }
      this.inFlight = this.runNow()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => this.schedule(this.options.periodMs));
    }, delay);
  }
}
