import type { Pod } from './pod.ts';

export interface TerminateOptions {
  /** terminationGracePeriodSeconds in ms: the preStop hook and SIGTERM share it; then SIGKILL. */
  readonly gracePeriodMs: number;
  /**
   * The preStop hook (e.g. the chart's prestop.sh run against the pod). It runs first, while the
   * pod keeps serving; `signal` aborts when the grace period is over. A failure is recorded, not
   * thrown: kubelet only logs a failed preStop hook and goes on with SIGTERM.
   */
  readonly preStop?: (signal: AbortSignal) => Promise<unknown>;
}

export interface TerminateReport {
  readonly preStopMs: number;
  /** The preStop hook's error message, when it threw. */
  readonly preStopError?: string;
  /** From SIGTERM to the process's exit; undefined when it was SIGKILLed (or already gone). */
  readonly sigtermToExitMs?: number;
  /** True when the grace period ran out and the pod was SIGKILLed. */
  readonly killed: boolean;
  readonly totalMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Deletes a pod the way kubelet does: preStop hook, then SIGTERM to the container's main process
 * (the pod's process, not its helpers: those die with the container), then SIGKILL of everything
 * once the grace period is over (kubelet grants 2 s more when preStop used it all). Resolves once
 * the pod is stopped; its address and DNS names are released like after `pod.kill()`, and its
 * data dir stays (restart it with `pod.restart({ newIp: true })`).
 */
export async function terminatePod(pod: Pod, options: TerminateOptions): Promise<TerminateReport> {
  const t0 = Date.now();
  const deadline = t0 + options.gracePeriodMs;
  let preStopError: string | undefined;
  if (options.preStop && pod.running) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.gracePeriodMs);
    try {
      await options.preStop(abort.signal);
    } catch (e) {
      preStopError = (e as Error).message;
    } finally {
      clearTimeout(timer);
    }
  }
  const preStopMs = Date.now() - t0;
  let sigtermToExitMs: number | undefined;
  let killed = false;
  const pid = pod.pid;
  if (pid !== undefined && pod.running) {
    pod.log.mark(`SIGTERM pod ${pod.name} (pid ${pid}, ${pod.ip}); SIGKILL in ${Math.max(deadline - Date.now(), 2000)}ms`);
    const sentAt = Date.now();
    try {
      process.kill(pid, 'SIGTERM');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
    const killAt = Math.max(deadline, sentAt + 2000);
    while (pod.running && Date.now() < killAt) await sleep(50);
    if (pod.running) killed = true;
    else sigtermToExitMs = Date.now() - sentAt;
  }
  await pod.kill(); // SIGKILL whatever is left of the group; releases the address and DNS names
  return { preStopMs, ...(preStopError !== undefined ? { preStopError } : {}), ...(sigtermToExitMs !== undefined ? { sigtermToExitMs } : {}), killed, totalMs: Date.now() - t0 };
}
