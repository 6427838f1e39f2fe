import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

/**
 * A detached watchdog for one sandbox: when the test process dies without cleaning up (a jest
 * worker killed at a timeout, a crash; jest never runs process 'exit' handlers of test code), it
 * SIGKILLs every process group the sandbox recorded and removes the sandbox's files.
 */
export class Reaper {
  private readonly pgidFile: string;
  private readonly pid: number | undefined;

  /** `pgidFile` collects the process groups to kill; `remove` lists files and dirs to delete afterwards. */
  constructor(pgidFile: string, remove: readonly string[]) {
    this.pgidFile = pgidFile;
    appendFileSync(pgidFile, '');
    const script = [
      'parent="$1"; pgids="$2"; shift 2',
      'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
      'while read -r pg; do [ -n "$pg" ] && kill -9 "-$pg" 2>/dev/null; done < "$pgids"',
      'rm -rf -- "$@"',
    ].join('\n');
    const child = spawn('/bin/sh', ['-c', script, 'redis-testkit-reaper', String(process.pid), pgidFile, ...remove], { detached: true, stdio: 'ignore' });
    child.unref();
    this.pid = child.pid;
  }

  /** Records a process group to kill should the test process die. */
  track(pgid: number): void {
    if (pgid > 0) appendFileSync(this.pgidFile, `${pgid}\n`);
  }

  /** Normal cleanup happened: the watchdog is no longer needed. */
  dismiss(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
