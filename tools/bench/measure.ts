/**
 * Runs one command and measures it: wall time, exit code, output, and peak memory two ways:
 * - `maxRssKb`: GNU time's "Maximum resident set size" (`/usr/bin/time -v`, Debian package `time`),
 *   i.e. the peak of the largest single process of the tree (for validate: the node process);
 * - `treePeakKb`: the sum of VmRSS over the whole process tree (node + concurrent helm processes),
 *   sampled from /proc every 100 ms, so short peaks between samples can be missed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { atCleanup } from './cleanup.ts';

export interface Measured {
  readonly ms: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly maxRssKb?: number;
  readonly treePeakKb?: number;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Wrap in /usr/bin/time -v and sample the process tree's memory. */
  readonly memory?: boolean;
  /** Called with each complete stdout line while the command runs (progress). */
  readonly onStdoutLine?: (line: string) => void;
  /** Stop the command (SIGTERM to its PID) after this long. */
  readonly timeoutMs?: number;
}

const GNU_TIME = '/usr/bin/time';
export const hasGnuTime = (): boolean => existsSync(GNU_TIME);

const readOr = (file: string, fallback: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback; // The process ended while we looked.
  }
};

/** Sum of VmRSS over `root` and its descendants (found through /proc/<pid>/task/<tid>/children). */
function treeRssKb(root: number): number {
  let kb = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/status`, ''));
    if (m) kb += Number(m[1]);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) pending.push(...readOr(`/proc/${pid}/task/${tid}/children`, '').split(' ').filter(Boolean).map(Number));
  }
  return kb;
}

export function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<Measured> {
  const wrap = opts.memory && hasGnuTime();
  const [file, argv] = wrap ? [GNU_TIME, ['-v', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let partial = '';
    let treePeakKb = 0;
    const sampler = opts.memory ? setInterval(() => (treePeakKb = Math.max(treePeakKb, treeRssKb(child.pid!))), 100) : undefined;
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs) : undefined;
    const release = atCleanup(() => void child.kill('SIGTERM')); // By PID, should the bench be stopped.
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      if (!opts.onStdoutLine) return;
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const l of lines) opts.onStdoutLine(l);
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => {
      clearInterval(sampler);
      clearTimeout(timer);
      release();
      reject(e);
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(timer);
      release();
      let stderr = err;
      let maxRssKb: number | undefined;
      if (wrap) {
        // GNU time appends its report to stderr; keep the command's own stderr apart.
        const at = err.lastIndexOf('\tCommand being timed:');
        const report = at >= 0 ? err.slice(at) : '';
        stderr = at >= 0 ? err.slice(0, at).replace(/Command exited with non-zero status \d+\n$/, '') : err;
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
        if (m) maxRssKb = Number(m[1]);
      }
      resolve({ ms, code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr, maxRssKb, treePeakKb: opts.memory ? treePeakKb : undefined });
    });
  });
}
