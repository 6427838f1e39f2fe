/** What one poll observed: `done` ends the wait; `state` is kept for the timeout message. */
export interface Observation<T> {
  readonly done: boolean;
  /** Human-readable summary of what was seen, e.g. "rc-2: cluster_state:fail". */
  readonly state: string;
  readonly value?: T;
}

export interface WaitOptions {
  /** Upper bound, not an expectation: generous, so a slow machine does not fail the test. @default 30000 */
  readonly timeoutMs?: number;
  /** @default 250 */
  readonly intervalMs?: number;
  /** Extra context appended to the timeout message (e.g. the last log lines of every pod). */
  readonly context?: () => string | Promise<string>;
}

/** Thrown when a wait runs out of time; the message says what was waited for and what was last seen. */
export class WaitTimeoutError extends Error {
  readonly lastState: string;
  constructor(message: string, lastState: string) {
    super(message);
    this.name = 'WaitTimeoutError';
    this.lastState = lastState;
  }
}

/** Thrown by a probe to end the wait at once (e.g. the process being waited on has exited). */
export class WaitAborted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WaitAborted';
  }
}

export interface WaitResult<T> {
  readonly value: T | undefined;
  readonly elapsedMs: number;
  readonly polls: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it reports `done`. A probe that throws counts as "not done" with the
 * error as its state, except WaitAborted, which ends the wait with that error. On timeout
 * throws a WaitTimeoutError naming `what`, the last observed state and the context.
 */
export async function waitFor<T>(what: string, probe: () => Promise<Observation<T>> | Observation<T>, options: WaitOptions = {}): Promise<WaitResult<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 250;
  const started = Date.now();
  let last = '(not polled yet)';
  let polls = 0;
  for (;;) {
    polls += 1;
    try {
      const o = await probe();
      if (o.done) return { value: o.value, elapsedMs: Date.now() - started, polls };
      last = o.state;
    } catch (e) {
      if (e instanceof WaitAborted) throw e;
      last = `probe failed: ${(e as Error).message}`;
    }
    if (Date.now() - started >= timeoutMs) {
      let context = '';
      if (options.context) {
        try {
          context = await options.context();
        } catch (e) {
          context = `(context unavailable: ${(e as Error).message})`;
        }
      }
      throw new WaitTimeoutError(`timed out after ${timeoutMs}ms waiting for ${what}\nlast observed state:\n  ${last.split('\n').join('\n  ')}${context ? `\n${context}` : ''}`, last);
    }
    await sleep(intervalMs);
  }
}
