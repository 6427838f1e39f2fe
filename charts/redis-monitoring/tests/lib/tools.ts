/**
 * The real Debian tools the tests run (promtool, prometheus-redis-exporter, redis-*). A missing
 * one fails the test at once with the fix, never skips. Processes run in the test's own temp dir
 * and are waited for; nothing outlives the test.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SETUP = 'run `bash tools/setup.sh` (it installs the Debian packages prometheus and prometheus-redis-exporter, redis-server, redis-sentinel and redis-tools)';

/** Absolute path of a tool from PATH or the Debian locations; throws naming tools/setup.sh. */
export function requireTool(name: string): string {
  const dirs = [...new Set([...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/bin'])];
  for (const dir of dirs) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // next
    }
  }
  throw new Error(`${name} is not installed (looked in ${dirs.join(', ')}): ${SETUP}`);
}

export interface RunResult {
  readonly code: number;
  readonly output: string;
  readonly ms: number;
}

/** Runs a command to completion (killed after timeoutMs), stdout and stderr together. */
export function run(command: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => out.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(out).toString('utf8'), ms: performance.now() - started });
    });
  });
}

/** Calls `fn` with a fresh temp dir that is removed afterwards, also when `fn` throws. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `redis-monitoring-${prefix}-`));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `files` (name -> content) into `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
}
