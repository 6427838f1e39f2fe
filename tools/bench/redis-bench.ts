/**
 * Redis data path: the redis.conf the redis-cluster chart renders for environments/prod-x86
 * (persistence on: AOF everysec + RDB snapshots), run as a one-node cluster, against a stock
 * redis-server, with redis-benchmark on loopback, in the same run (alternating order).
 *
 * The adaptation mirrors what the chart's start-node.sh does in a pod: a runtime config that
 * `include`s the rendered file unchanged and then sets what only the pod knows (bind address,
 * port, announce IP, password, `dir` and `cluster-config-file` on the "volume"). Here the pod IP
 * is a 127.x address, the volume a temp directory, and the one node owns all 16384 slots
 * (CLUSTER ADDSLOTSRANGE 0 16383) so it serves every key without redirects.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseManifests } from '../../packages/manifests/src/index.ts';
import { valkeyBinDir } from '../../packages/redis-testkit/src/binaries.ts';
import { atCleanup } from './cleanup.ts';
import { run } from './measure.ts';
import { median } from './stats.ts';

export interface LatencyFigures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

export type ServerName = 'stock' | 'generated' | 'generatedNoAof';

export interface RedisResult {
  readonly env: string;
  readonly requests: number;
  readonly clients: number;
  readonly dataSize: number;
  readonly runs: number;
  /** The server benchmarked (the chart's engine value) and its version. */
  readonly engine: Engine;
  readonly redisVersion: string;
  /** Settings of the rendered config that matter for throughput, for the report. */
  readonly persistence: readonly string[];
  /** Per server and test (SET, GET): every run, in order. */
  readonly raw: Record<ServerName, Record<string, LatencyFigures>[]>;
  /** Per server and test: medians over the runs. */
  readonly median: Record<ServerName, Record<string, LatencyFigures>>;
  /** Per test: the median over the runs of (server rps / stock rps in the same run), for each non-stock server. */
  readonly share: Record<'generated' | 'generatedNoAof', Record<string, number>>;
}

export interface RedisOptions {
  readonly repo: string;
  readonly env: string;
  readonly runs: number;
  readonly requests: number;
  readonly clients: number;
  readonly dataSize: number;
  readonly engine: Engine;
  readonly log: (line: string) => void;
}

export type Engine = 'redis' | 'valkey';

/** The server, its cli and its benchmark tool: Debian's Redis 7.0, or Debian's Valkey 8.0 in .tools/valkey (tools/setup.sh). */
interface Binaries {
  readonly server: string;
  readonly cli: string;
  readonly benchmark: string;
}

export function binariesOf(engine: Engine): Binaries {
  if (engine === 'redis') return { server: '/usr/bin/redis-server', cli: '/usr/bin/redis-cli', benchmark: '/usr/bin/redis-benchmark' };
  const dir = valkeyBinDir();
  return { server: path.join(dir, 'valkey-server'), cli: path.join(dir, 'valkey-cli'), benchmark: path.join(dir, 'valkey-benchmark') };
}

/** The binaries this needs for `engine` that are not installed (tools/setup.sh installs them). */
export const missingRedisTools = (engine: Engine = 'redis'): string[] => Object.values(binariesOf(engine)).filter((b) => !existsSync(b));

/** The `redis.conf` key of the redis-cluster chart's config ConfigMap, rendered by the real CLI (helm). */
export function renderedRedisConf(repo: string, env: string): string {
  const stream = execFileSync(process.execPath, ['packages/cli/bin/redis-gitops.js', 'render', '--env', env], {
    cwd: repo,
    env: { ...process.env, REDIS_GITOPS_ROOT: repo },
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  const { objects } = parseManifests(stream, { environment: env });
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.source?.startsWith('redis-cluster/') && typeof (o.object.data as Record<string, unknown> | undefined)?.['redis.conf'] === 'string');
  if (!configMap) throw new Error(`no redis-cluster ConfigMap with a redis.conf key in the render of ${env}`);
  return (configMap.object.data as Record<string, string>)['redis.conf']!;
}

/** True when nothing listens on ip:port (checked by binding it for a moment). */
function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A random 127.x.y.z "pod" address whose client and cluster-bus ports are free. */
async function freeAddress(): Promise<{ host: string; port: number }> {
  for (let i = 0; i < 50; i++) {
    const host = `127.${randomInt(100, 250)}.${randomInt(1, 250)}.${randomInt(2, 250)}`;
    const port = randomInt(20000, 29000);
    if ((await isFree(host, port)) && (await isFree(host, port + 10000))) return { host, port };
  }
  throw new Error('no free 127.x address/port found');
}

interface Server {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  readonly child: ChildProcess;
  readonly bins: Binaries;
}

function cli(s: Server, ...args: string[]): string {
  const auth = s.password ? ['-a', s.password, '--no-auth-warning'] : [];
  return execFileSync(s.bins.cli, ['-h', s.host, '-p', String(s.port), ...auth, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 })
    .toString()
    .trim();
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startServer(bins: Binaries, name: string, args: string[], at: { host: string; port: number }, logFile: string, password?: string): Promise<Server> {
  const child = spawn(bins.server, args, { stdio: 'ignore' });
  const s: Server = { name, host: at.host, port: at.port, password, child, bins };
  child.once('exit', (code) => code !== null && code !== 0 && console.error(`redis-bench: ${name} ${path.basename(bins.server)} exited ${code}; see ${logFile}`));
  await waitFor(`${name} ${path.basename(bins.server)} on ${at.host}:${at.port}`, () => cli(s, 'PING') === 'PONG');
  return s;
}

async function stop(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM'); // By PID (the ChildProcess we spawned), never by name.
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 5_000); // A throwaway dataset: no need to wait for its final save.
  await exited;
  clearTimeout(timer);
}

/** One redis-benchmark run of SET and GET against `s`, parsed from its CSV output. */
async function benchmarkOnce(s: Server, o: RedisOptions): Promise<Record<string, LatencyFigures>> {
  const auth = s.password ? ['-a', s.password] : [];
  const args = ['-h', s.host, '-p', String(s.port), ...auth, '-t', 'set,get', '-n', String(o.requests), '-c', String(o.clients), '-r', '100000', '-d', String(o.dataSize), '--csv'];
  const r = await run(s.bins.benchmark, args, { cwd: os.tmpdir(), timeoutMs: 600_000 });
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const out: Record<string, LatencyFigures> = {};
  for (const line of r.stdout.split('\n').slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    if (cells.length < 8) continue;
    out[cells[0]!] = { rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) };
  }
  if (r.code !== 0 || !out.SET || !out.GET) throw new Error(`${path.basename(s.bins.benchmark)} exited ${r.code}:\n${r.stdout}${r.stderr}`);
  return out;
}

const medians = (runs: readonly Record<string, LatencyFigures>[]): Record<string, LatencyFigures> =>
  Object.fromEntries(['SET', 'GET'].map((t) => [t, { rps: median(runs.map((r) => r[t]!.rps)), p50: median(runs.map((r) => r[t]!.p50)), p99: median(runs.map((r) => r[t]!.p99)) }]));

/** Median of per-run ratios: each run's servers were measured back to back, so load drift cancels out. */
const pairedShare = (of: readonly Record<string, LatencyFigures>[], stock: readonly Record<string, LatencyFigures>[]): Record<string, number> =>
  Object.fromEntries(['SET', 'GET'].map((t) => [t, median(of.map((r, i) => r[t]!.rps / stock[i]![t]!.rps))]));

/** The runtime config start-node.sh would write in a pod, with the pod's IP, volume and password; `extra` lines last. */
function runtimeConf(dir: string, at: { host: string; port: number }, password: string, extra: readonly string[]): string {
  return [
    '# Written by tools/bench/redis-bench.ts the way start-node.sh writes it in a pod.',
    `include "${path.join(dir, 'redis.conf')}"`,
    `dir "${path.join(dir, 'data')}"`,
    `cluster-config-file "${path.join(dir, 'data', 'nodes.conf')}"`,
    `bind ${at.host}`,
    `port ${at.port}`,
    `cluster-port ${at.port + 10000}`,
    `cluster-announce-ip ${at.host}`,
    `bind-source-addr ${at.host}`,
    `requirepass "${password}"`,
    `masterauth "${password}"`,
    `logfile "${path.join(dir, 'redis.log')}"`,
    ...extra,
    '',
  ].join('\n');
}

/** The rendered config as a one-node cluster that owns every slot. */
async function startGenerated(bins: Binaries, name: ServerName, tmp: string, conf: string, extra: readonly string[]): Promise<Server> {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  writeFileSync(path.join(dir, 'redis.conf'), conf);
  const at = await freeAddress();
  const password = randomBytes(12).toString('hex');
  writeFileSync(path.join(dir, 'runtime.conf'), runtimeConf(dir, at, password, extra));
  const s = await startServer(bins, name, [path.join(dir, 'runtime.conf')], at, path.join(dir, 'redis.log'), password);
  cli(s, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await waitFor(`cluster_state:ok on ${name}`, () => cli(s, 'CLUSTER', 'INFO').includes('cluster_state:ok'));
  return s;
}

export async function benchRedis(o: RedisOptions): Promise<RedisResult> {
  const bins = binariesOf(o.engine);
  const tmp = mkdtempSync(path.join(os.tmpdir(), `redis-gitops-bench-${o.engine}-`));
  const servers: Server[] = [];
  const cleanup = async () => {
    for (const s of servers) await stop(s);
    rmSync(tmp, { recursive: true, force: true });
  };
  const release = atCleanup(cleanup);
  try {
    const conf = renderedRedisConf(o.repo, o.env);
    const persistence = conf
      .split('\n')
      .filter((l) => /^(appendonly|appendfsync|save|cluster-enabled|maxmemory-policy)\b/.test(l.trim()))
      .map((l) => l.trim());
    servers.push(await startGenerated(bins, 'generated', tmp, conf, []));
    o.log(`${o.engine}: generated ${o.env} config on ${servers[0]!.host}:${servers[0]!.port} (${persistence.join('; ')})`);
    // Diagnostic: the same config with the AOF off, to show what the gap to stock is made of.
    servers.push(await startGenerated(bins, 'generatedNoAof', tmp, conf, ['appendonly no']));
    // Stock: the Debian binary with its built-in defaults; only address, port and paths set.
    const stockDir = path.join(tmp, 'stock');
    mkdirSync(stockDir, { recursive: true });
    const st = await freeAddress();
    servers.push(
      await startServer(bins, 'stock', ['--bind', st.host, '--port', String(st.port), '--dir', stockDir, '--logfile', path.join(stockDir, 'redis.log')], st, path.join(stockDir, 'redis.log')),
    );
    o.log(`${o.engine}: stock ${path.basename(bins.server)} (built-in defaults) on ${st.host}:${st.port}; generated without AOF (diagnostic) on ${servers[1]!.host}:${servers[1]!.port}`);

    const redisVersion = /v=(\S+)/.exec(execFileSync(bins.server, ['--version']).toString())?.[1] ?? 'unknown';
    const raw: Record<ServerName, Record<string, LatencyFigures>[]> = { stock: [], generated: [], generatedNoAof: [] };
    for (let r = 0; r < o.runs; r++) {
      // Rotate the order so drifting background load hits every server alike.
      for (let k = 0; k < servers.length; k++) {
        const s = servers[(r + k) % servers.length]!;
        const figures = await benchmarkOnce(s, o);
        raw[s.name as ServerName].push(figures);
        const f = (t: string) => `${t} ${figures[t]!.rps.toFixed(0)} rps (p50 ${figures[t]!.p50} ms, p99 ${figures[t]!.p99} ms)`;
        o.log(`${o.engine} run ${r + 1}/${o.runs}: ${s.name.padEnd(14)} ${f('SET')}, ${f('GET')}`);
      }
    }
    return {
      env: o.env,
      requests: o.requests,
      clients: o.clients,
      dataSize: o.dataSize,
      runs: o.runs,
      engine: o.engine,
      redisVersion,
      persistence,
      raw,
      median: { stock: medians(raw.stock), generated: medians(raw.generated), generatedNoAof: medians(raw.generatedNoAof) },
      share: { generated: pairedShare(raw.generated, raw.stock), generatedNoAof: pairedShare(raw.generatedNoAof, raw.stock) },
    };
  } finally {
    release();
    await cleanup();
  }
}
