import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';

/**
 * The start time of process `pid` (field 22 of /proc/<pid>/stat, in clock ticks since boot), or
 * "" when it is gone. A pid and its start time name one process for the life of the machine; a pid
 * alone does not, since the kernel reuses pids.
 */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count the fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * A detached watchdog for one sandbox: when the test process dies without cleaning up (a jest
 * worker killed at a timeout, a crash; jest never runs process 'exit' handlers of test code), it
 * SIGKILLs every process group the sandbox recorded and removes the sandbox's files. Each group is
 * recorded with its leader's start time and killed only while that same leader still runs: a
 * group that ended long ago may have left its number to a process of another test run (pids wrap
 * quickly on a busy machine), which a bare `kill -9 -<pgid>` would kill.
 */
export class Reaper {
  private readonly pgidFile: string;
  private readonly pid: number | undefined;

  /**
   * `pgidFile` collects the process groups to kill; `remove` lists files and dirs to delete
   * afterwards; `parent` is the process whose death triggers it (this test process).
   */
  constructor(pgidFile: string, remove: readonly string[], parent: number = process.pid) {
    this.pgidFile = pgidFile;
    appendFileSync(pgidFile, '');
    const script = [
      'parent="$1"; pgids="$2"; shift 2',
      'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
      // Kill a group only while its leader is the process recorded (pid and start time).
      'while read -r pg started; do',
      '  [ -n "$pg" ] && [ -r "/proc/$pg/stat" ] || continue',
      '  now="$(sed -e "s/.*) //" "/proc/$pg/stat" 2>/dev/null | cut -d " " -f 20)"',
      '  [ -n "$started" ] && [ "$now" = "$started" ] && kill -9 "-$pg" 2>/dev/null',
      'done < "$pgids"',
      'rm -rf -- "$@"',
    ].join('\n');
    const child = spawn('/bin/sh', ['-c', script, 'redis-testkit-reaper', String(parent), pgidFile, ...remove], { detached: true, stdio: 'ignore' });
    child.unref();
    this.pid = child.pid;
  }

  /** Records a process group to kill should the test process die. */
  track(pgid: number): void {
    if (pgid <= 0) return;
    const started = processStartTime(pgid);
    // A leader that is already gone needs no killing, and its number may be another's soon.
    if (started !== '') appendFileSync(this.pgidFile, `${pgid} ${started}\n`);
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
