import { spawn } from 'node:child_process';
import type { LogTail } from './log-tail.ts';
import { isAlive, killGroup, killGroupSync, waitGroupGone } from './process-tree.ts';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly log: LogTail;
}

/**
 * A child process in its own process group (setsid), with stdout and stderr captured into a
 * LogTail. Killing it SIGKILLs the whole group, so helpers it started in the background die
 * with it, like every process of a deleted container.
 */
export class ManagedProcess {
  readonly pid: number;
  readonly command: string;
  readonly log: LogTail;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(options: SpawnOptions) {
    this.command = options.command;
    this.log = options.log;
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...options.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise<ExitInfo>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (e) => {
        spawnError = e;
        this.log.mark(`spawn of ${options.command} failed: ${e.message}`);
        this.exitInfo = { code: 127, signal: null };
        resolve(this.exitInfo);
      });
      // 'exit', not 'close': a background helper that inherited the pipes may outlive the process.
      child.once('exit', (code, signal) => {
        if (spawnError) return;
        this.exitInfo = { code, signal };
        // Let output already in the pipes arrive before the marker.
        setImmediate(() => {
          this.log.mark(`process ${child.pid} exited (${signal ? `signal ${signal}` : `code ${code}`})`);
          resolve(this.exitInfo!);
        });
      });
    });
    child.stdout?.on('data', (c: Buffer) => this.log.write(c));
    child.stderr?.on('data', (c: Buffer) => this.log.write(c));
    if (child.pid === undefined) {
      this.pid = -1;
    } else {
      this.pid = child.pid;
    }
  }

  /** Exit code/signal once exited, else undefined. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.pid > 0 && isAlive(this.pid);
  }

  /** SIGKILL the group and wait until the process and every member of its group are gone. */
  async kill(): Promise<ExitInfo> {
    if (this.pid > 0) {
      killGroup(this.pid);
      const timeout = new Promise<never>((_, reject) => {
        const t = setTimeout(() => reject(new Error(`redis-testkit: ${this.command} (pid ${this.pid}) did not exit within 10s of SIGKILL`)), 10_000);
        t.unref();
      });
      await Promise.race([this.exited, timeout]);
      await waitGroupGone(this.pid);
    }
    return (await this.exited) ?? { code: null, signal: 'SIGKILL' };
  }

  /** For process 'exit' handlers: SIGKILL the group without awaiting anything. */
  killSync(): void {
    if (this.pid > 0) killGroupSync(this.pid);
  }
}
