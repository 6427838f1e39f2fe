/** The machine the figures were measured on, as docs/benchmarks.md reports it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { helmVersion } from 'redis-gitops';

export interface Machine {
  readonly date: string;
  readonly nproc: number;
  readonly memory: string;
  readonly cpu: string;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly helm: string;
  readonly redis: string;
  readonly load: string;
}

const firstMatch = (file: string, re: RegExp): string | undefined => {
  try {
    return re.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
};

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export async function describeMachine(): Promise<Machine> {
  let redis = 'not installed';
  try {
    redis = /v=(\S+)/.exec(execFileSync('/usr/bin/redis-server', ['--version']).toString())?.[1] ?? redis;
  } catch {
    // Reported as not installed.
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    cpu: firstMatch('/proc/cpuinfo', /^model name\s*:\s*(.+)$/m) ?? os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    os: firstMatch('/etc/os-release', /^PRETTY_NAME="?([^"\n]+)"?$/m) ?? 'unknown',
    node: process.version,
    helm: await helmVersion(),
    redis,
    load: loadAverage(),
  };
}
