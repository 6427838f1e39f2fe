/**
 * For one N: full `validate` of N synthetic environments, the helm floor beside it (same run,
 * alternating which goes first), and the incremental `nx affected -t validate` figures.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, type Measured } from './measure.ts';
import { median } from './stats.ts';
import { createBenchWorkspace, GIT_ENV, type BenchWorkspace } from './workspace-copy.ts';

export interface ValidateRun {
  readonly ms: number;
  readonly code: number;
  readonly maxRssKb?: number;
  readonly treePeakKb?: number;
  readonly charts?: number;
  readonly objects?: number;
  readonly errors?: number;
  readonly warnings?: number;
}

export interface FloorRun {
  /** Wall time of the helm renders alone. */
  readonly ms: number;
  readonly renders: number;
  readonly failed: number;
  readonly concurrency: number;
}

export interface AffectedRun {
  readonly ms: number;
  readonly code: number;
  /** Tasks Nx ran, and how many of them came from the cache. */
  readonly tasks?: number;
  readonly cached?: number;
}

export interface SizeResult {
  readonly n: number;
  readonly validate: readonly ValidateRun[];
  readonly floor: readonly FloorRun[];
  /** One environment's spec changed (cold .nx, as a CI checkout), Nx defaults. */
  readonly changed: readonly AffectedRun[];
  /** The same command again with nothing changed since (warm cache). */
  readonly unchanged: readonly AffectedRun[];
  /** The same two figures with NX_ISOLATE_PLUGINS=true (Nx's own default: a worker process per project-graph plugin; the repository's .env turns it off). */
  readonly changedIsolated: readonly AffectedRun[];
  readonly unchangedIsolated: readonly AffectedRun[];
  /** "1 spec changed" with the CLI server on and warm (the default on a developer machine). */
  readonly changedServed: readonly AffectedRun[];
  /** `validate --env <one>` of this workspace and the floor of that environment's own renders. */
  readonly single: readonly SingleRun[];
}

export interface PipelineOptions {
  readonly repo: string;
  readonly runs: number;
  readonly incremental: boolean;
  /** Also time nx affected with NX_ISOLATE_PLUGINS=true, and with the CLI server (the bench does it at the largest N only). */
  readonly nxVariant: boolean;
  readonly keep: boolean;
  readonly log: (line: string) => void;
}

/** Prints "still running" every 15 s so a long step is visibly alive. */
async function withHeartbeat<T>(label: string, log: (l: string) => void, work: Promise<T>): Promise<T> {
  const started = performance.now();
  const timer = setInterval(() => log(`  … ${label}: ${((performance.now() - started) / 1000).toFixed(0)} s`), 15_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function benchEnv(ws: BenchWorkspace): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...GIT_ENV,
    REDIS_GITOPS_ROOT: ws.root,
    PATH: `${path.join(ws.root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    FORCE_COLOR: '0',
    // One process per run unless a figure says it is served (the CLI server, src/io/server.ts).
    REDIS_GITOPS_SERVER: 'off',
  };
}

/**
 * The CLI server on, with a socket folder of the bench's own (so its servers are the bench's own),
 * short enough for a Unix socket path; removed with the workspace's servers (stopServers).
 */
const serverTmp = new Map<string, string>();
function servedEnv(ws: BenchWorkspace): NodeJS.ProcessEnv {
  let tmp = serverTmp.get(ws.root);
  if (!tmp) {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rgb-'));
    serverTmp.set(ws.root, tmp);
  }
  return { ...benchEnv(ws), REDIS_GITOPS_SERVER: 'on', TMPDIR: tmp };
}

/** Starts the workspace's CLI server (a first run starts it) and waits until it answers. */
async function warmServer(ws: BenchWorkspace, env: NodeJS.ProcessEnv, argv: readonly string[]): Promise<void> {
  await run(process.execPath, ['packages/cli/bin/redis-gitops.js', ...argv], { cwd: ws.root, env });
  for (let i = 0; i < 100; i++) {
    const s = await run(process.execPath, ['packages/cli/bin/redis-gitops.js', 'server', 'status'], { cwd: ws.root, env });
    if (s.stdout.includes('serves this code')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the CLI server did not come up within 10 s');
}

/** Stops the bench's CLI servers: asks them, then kills by pid whatever is left. */
async function stopServers(ws: BenchWorkspace): Promise<void> {
  const env = servedEnv(ws);
  const s = await run(process.execPath, ['packages/cli/bin/redis-gitops.js', 'server', 'status'], { cwd: ws.root, env });
  const pids = [...s.stdout.matchAll(/^pid (\d+):/gm)].map((m) => Number(m[1]));
  await run(process.execPath, ['packages/cli/bin/redis-gitops.js', 'server', 'stop'], { cwd: ws.root, env });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(env.TMPDIR!, { recursive: true, force: true });
  serverTmp.delete(ws.root);
}

async function validateOnce(ws: BenchWorkspace): Promise<ValidateRun> {
  const m = await run(process.execPath, ['packages/cli/bin/redis-gitops.js', 'validate', '--json'], { cwd: ws.root, env: benchEnv(ws), memory: true });
  let totals: { charts?: number; objects?: number; errors?: number; warnings?: number } = {};
  try {
    totals = (JSON.parse(m.stdout) as { totals: typeof totals }).totals;
  } catch {
    throw new Error(`validate printed no JSON report (exit ${m.code}): ${m.stderr.trim().slice(-2000)}`);
  }
  return { ms: m.ms, code: m.code, maxRssKb: m.maxRssKb, treePeakKb: m.treePeakKb, ...totals };
}

export interface SingleRun {
  /** `validate --env <one>`, the CLI's cache warm (the usual case after the first run). */
  readonly validateMs: number;
  /** The same with REDIS_GITOPS_CACHE=off: every schema compiled, every chart YAML parsed, helm asked its version. */
  readonly uncachedMs: number;
  /** The same answered by a warm CLI server (the default on a developer machine; off under CI). */
  readonly servedMs: number;
  readonly floorMs: number;
  readonly renders: number;
}

/** One environment: `validate --env` (the whole CLI process), with and without the CLI's cache, and the floor of its own renders. */
async function singleOnce(ws: BenchWorkspace): Promise<SingleRun> {
  const env = ws.environments[0]!;
  const validate = async (extra: NodeJS.ProcessEnv) => {
    const v = await run(process.execPath, ['packages/cli/bin/redis-gitops.js', 'validate', '--env', env, '--json'], { cwd: ws.root, env: { ...benchEnv(ws), ...extra } });
    if (v.code !== 0) throw new Error(`validate --env ${env} failed (exit ${v.code}): ${v.stderr.trim().slice(-2000)}`);
    return v.ms;
  };
  const uncachedMs = await validate({ REDIS_GITOPS_CACHE: 'off' });
  const validateMs = await validate({});
  const servedMs = await validate(servedEnv(ws));
  const f = await floorOnce(ws, ['--env', env]);
  return { validateMs, uncachedMs, servedMs, floorMs: f.ms, renders: f.renders };
}

async function floorOnce(ws: BenchWorkspace, extra: readonly string[] = []): Promise<FloorRun> {
  const m = await run(process.execPath, ['tools/bench/helm-floor.ts', ...extra], { cwd: ws.root, env: benchEnv(ws) });
  if (m.code !== 0) throw new Error(`helm floor failed (exit ${m.code}): ${m.stderr.trim().slice(-2000)}`);
  return JSON.parse(m.stdout.trim().split('\n').pop()!) as FloorRun;
}

function affectedRun(m: Measured): AffectedRun {
  const text = m.stdout + m.stderr;
  const ran = /Successfully ran target validate for (\d+) project/.exec(text) ?? /Successfully ran target validate for project/.exec(text);
  const cached = /from the cache instead of running the command for (\d+) out of (\d+) task/.exec(text);
  return { ms: m.ms, code: m.code, tasks: ran ? Number(ran[1] ?? 1) : undefined, cached: cached ? Number(cached[1]) : ran ? 0 : undefined };
}

/** Changes spec.persistence.size of `env` to a value no earlier change used, so its validate is a cache miss. */
function changeSpec(ws: BenchWorkspace, env: string, change: number): void {
  const file = path.join(ws.root, 'environments', env, 'environment.yaml');
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(/^( {4}size: )(\d+)Gi\s*$/m, (_m, key: string, n: string) => `${key}${Number(n) + change + 1}Gi`);
  if (changed === text) throw new Error(`${file}: no spec.persistence.size to change`);
  writeFileSync(file, changed);
}

/**
 * One spec change, regenerated (a pull request commits both; validate fails on stale files), then
 * `npx nx affected -t validate` from a cold .nx (the pull-request workflow restores no Nx cache),
 * then the same command again with nothing changed since. `extraEnv` selects the Nx variant.
 */
async function incrementalOnce(ws: BenchWorkspace, change: number, extraEnv: NodeJS.ProcessEnv): Promise<[AffectedRun, AffectedRun]> {
  const env = ws.environments[0]!;
  changeSpec(ws, env, change);
  const gen = await run(process.execPath, ['packages/cli/bin/redis-gitops.js', 'generate', '--env', env], { cwd: ws.root, env: benchEnv(ws) });
  if (gen.code !== 0) throw new Error(`generate --env ${env} failed: ${gen.stderr}`);
  rmSync(path.join(ws.root, '.nx'), { recursive: true, force: true });
  const args = ['nx', 'affected', '-t', 'validate', `--base=${ws.base}`, '--outputStyle=static'];
  const nxEnv = { ...benchEnv(ws), ...extraEnv };
  const changed = affectedRun(await run('npx', args, { cwd: ws.root, env: nxEnv }));
  const unchanged = affectedRun(await run('npx', args, { cwd: ws.root, env: nxEnv }));
  for (const r of [changed, unchanged]) if (r.code !== 0) throw new Error(`npx ${args.join(' ')} exited ${r.code}`);
  return [changed, unchanged];
}

export async function benchSize(n: number, opts: PipelineOptions): Promise<SizeResult> {
  const { log } = opts;
  const started = performance.now();
  const ws = createBenchWorkspace(opts.repo, n, log);
  log(`N=${n}: workspace ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const result = {
    n,
    validate: [] as ValidateRun[],
    floor: [] as FloorRun[],
    changed: [] as AffectedRun[],
    unchanged: [] as AffectedRun[],
    changedIsolated: [] as AffectedRun[],
    unchangedIsolated: [] as AffectedRun[],
    changedServed: [] as AffectedRun[],
    single: [] as SingleRun[],
  };
  try {
    for (let r = 0; r < opts.runs; r++) {
      // Alternate the order so drifting background load hits both sides alike.
      const steps = r % 2 === 0 ? (['validate', 'floor'] as const) : (['floor', 'validate'] as const);
      for (const step of steps) {
        if (step === 'validate') {
          const v = await withHeartbeat(`N=${n} validate`, log, validateOnce(ws));
          result.validate.push(v);
          log(`N=${n} run ${r + 1}/${opts.runs}: validate ${(v.ms / 1000).toFixed(1)} s (exit ${v.code}, ${v.charts} renders, ${v.objects} objects, ${v.errors} errors)`);
        } else {
          const f = await withHeartbeat(`N=${n} helm floor`, log, floorOnce(ws));
          result.floor.push(f);
          log(`N=${n} run ${r + 1}/${opts.runs}: helm floor ${(f.ms / 1000).toFixed(1)} s (${f.renders} renders, concurrency ${f.concurrency}, ${f.failed} failed)`);
        }
      }
    }
    log(`N=${n}: validate/floor (medians) = ${(median(result.validate.map((v) => v.ms)) / median(result.floor.map((f) => f.ms))).toFixed(2)}`);
    await warmServer(ws, servedEnv(ws), ['validate', '--env', ws.environments[0]!, '--json']);
    for (let r = 0; r < opts.runs; r++) {
      const s = await singleOnce(ws);
      result.single.push(s);
      log(
        `N=${n} run ${r + 1}/${opts.runs}: validate --env (one environment) ${(s.validateMs / 1000).toFixed(2)} s (${(s.uncachedMs / 1000).toFixed(2)} s without the CLI cache, ${(s.servedMs / 1000).toFixed(2)} s served), its helm floor ${(s.floorMs / 1000).toFixed(2)} s (${s.renders} renders)`,
      );
    }
    if (opts.incremental) {
      const s = (a: AffectedRun) => `${(a.ms / 1000).toFixed(1)} s`;
      for (let r = 0; r < opts.runs; r++) {
        const [c, u] = await incrementalOnce(ws, 2 * r, {});
        result.changed.push(c);
        result.unchanged.push(u);
        let variant = '';
        if (opts.nxVariant) {
          const [ci, ui] = await incrementalOnce(ws, 2 * r + 1, { NX_ISOLATE_PLUGINS: 'true' });
          result.changedIsolated.push(ci);
          result.unchangedIsolated.push(ui);
          variant = `; with NX_ISOLATE_PLUGINS=true ${s(ci)} / ${s(ui)}`;
        }
        log(`N=${n} run ${r + 1}/${opts.runs}: nx affected: 1 spec changed ${s(c)} (${c.tasks ?? '?'} task), nothing changed ${s(u)} (${u.cached ?? '?'}/${u.tasks ?? '?'} from cache)${variant}`);
      }
      if (opts.nxVariant) {
        // The CLI server as Nx's task processes reach it (Nx sets the task's PATH, which names the server):
        // a first change starts it, the measured ones are served.
        const served = servedEnv(ws);
        await incrementalOnce(ws, 2 * opts.runs, served);
        for (let r = 0; r < opts.runs; r++) {
          const [c] = await incrementalOnce(ws, 2 * opts.runs + 1 + r, served);
          result.changedServed.push(c);
          log(`N=${n} run ${r + 1}/${opts.runs}: nx affected, CLI server on: 1 spec changed ${s(c)}`);
        }
      }
    }
  } finally {
    await stopServers(ws);
    if (opts.keep) log(`N=${n}: kept ${ws.root}`);
    else ws.dispose();
  }
  return result;
}
