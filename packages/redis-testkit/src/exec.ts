import { spawn } from 'node:child_process';
import { killGroup } from './process-tree.ts';

export interface ExecOptions {
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** SIGKILL of the whole process group after this long. @default 10000 */
  readonly timeoutMs?: number;
  /** SIGKILL of the whole process group when aborted. */
  readonly abort?: AbortSignal;
}

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/**
 * Runs a short command to completion in its own process group (a probe, a one-off redis-cli),
 * bounded by timeoutMs. `running` receives the PID while it runs, so a sandbox can kill it.
 */
export function execBounded(command: string, options: ExecOptions, running: Set<number>, onSpawn?: (pid: number) => void): Promise<ExecResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, [...(options.args ?? [])], { cwd: options.cwd, env: { ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const pid = child.pid;
    if (pid !== undefined) {
      running.add(pid);
      onSpawn?.(pid);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, options.timeoutMs ?? 10_000);
    const onAbort = () => {
      if (pid !== undefined) killGroup(pid);
    };
    if (options.abort?.aborted) onAbort();
    else options.abort?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const finish = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
      clearTimeout(timer);
      options.abort?.removeEventListener('abort', onAbort);
      if (pid !== undefined) {
        running.delete(pid);
        killGroup(pid); // helpers it left behind
      }
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') + extra, timedOut, durationMs: Date.now() - started });
    };
    child.once('error', (e) => finish(127, null, `spawn ${command}: ${e.message}`));
    child.once('close', (code, signal) => finish(code, signal));
  });
}
