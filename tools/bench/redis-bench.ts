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
import { median } from './stats.ts';

export interface LatencyFigures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

export interface RedisResult {
  readonly env: string;
  readonly requests: number;
  readonly clients: number;
  readonly dataSize: number;
  readonly runs: number;
  readonly redisVersion: string;
  /** Settings of the rendered config that matter for throughput, for the report. */
  readonly persistence: readonly string[];
  /** Per test (SET, GET): medians over the runs. */
  readonly stock: Record<string, LatencyFigures>;
  readonly generated: Record<string, LatencyFigures>;
}

export interface RedisOptions {
  readonly repo: string;
  readonly env: string;
  readonly runs: number;
  readonly requests: number;
  readonly clients: number;
  readonly dataSize: number;
  readonly log: (line: string) => void;
}

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
const REDIS_BENCHMARK = '/usr/bin/redis-benchmark';

/** The Debian binaries this needs that are not installed (tools/setup.sh installs them). */
export const missingRedisTools = (): string[] => [REDIS_SERVER, REDIS_CLI, REDIS_BENCHMARK].filter((b) => !existsSync(b));

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
}

function cli(s: Server, ...args: string[]): string {
  const auth = s.password ? ['-a', s.password, '--no-auth-warning'] : [];
  return execFileSync(REDIS_CLI, ['-h', s.host, '-p', String(s.port), ...auth, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 }).toString().trim();
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

async function startServer(name: string, args: string[], at: { host: string; port: number }, logFile: string, password?: string): Promise<Server> {
  const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
  const s: Server = { name, host: at.host, port: at.port, password, child };
  child.once('exit', (code) => code !== null && code !== 0 && console.error(`redis-bench: ${name} redis-server exited ${code}; see ${logFile}`));
  await waitFor(`${name} redis-server on ${at.host}:${at.port}`, () => cli(s, 'PING') === 'PONG');
  return s;
}

async function stop(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM'); // By PID (the ChildProcess we spawned), never by name.
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** One redis-benchmark run of SET and GET against `s`, parsed from its CSV output. */
function benchmarkOnce(s: Server, o: RedisOptions): Record<string, LatencyFigures> {
  const auth = s.password ? ['-a', s.password] : [];
  const csv = execFileSync(
    REDIS_BENCHMARK,
    ['-h', s.host, '-p', String(s.port), ...auth, '-t', 'set,get', '-n', String(o.requests), '-c', String(o.clients), '-r', '100000', '-d', String(o.dataSize), '--csv'],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 },
  ).toString();
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  const out: Record<string, LatencyFigures> = {};
  for (const line of csv.split('\n').slice(1)) {
    const cells = line.split(',').map((c) => c.replace(/"/g, ''));
    if (cells.length < 8) continue;
    out[cells[0]!] = { rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]) };
  }
  if (!out.SET || !out.GET) throw new Error(`unexpected redis-benchmark output:\n${csv}`);
  return out;
}

const medians = (runs: readonly Record<string, LatencyFigures>[]): Record<string, LatencyFigures> =>
  Object.fromEntries(
    ['SET', 'GET'].map((t) => [t, { rps: median(runs.map((r) => r[t]!.rps)), p50: median(runs.map((r) => r[t]!.p50)), p99: median(runs.map((r) => r[t]!.p99)) }]),
  );

export async function benchRedis(o: RedisOptions): Promise<RedisResult> {
  const conf = renderedRedisConf(o.repo, o.env);
  const persistence = conf.split('\n').filter((l) => /^(appendonly|appendfsync|save|cluster-enabled|maxmemory-policy)\b/.test(l.trim())).map((l) => l.trim());
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-bench-redis-'));
  const servers: Server[] = [];
  const cleanup = async () => {
    for (const s of servers) await stop(s);
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    // The generated production config, adapted like start-node.sh does in a pod.
    const genDir = path.join(tmp, 'generated');
    mkdirSync(path.join(genDir, 'data'), { recursive: true });
    writeFileSync(path.join(genDir, 'redis.conf'), conf);
    const gen = await freeAddress();
    const password = randomBytes(12).toString('hex');
    writeFileSync(
      path.join(genDir, 'runtime.conf'),
      [
        '# Written by tools/bench/redis-bench.ts the way start-node.sh writes it in a pod.',
        `include "${path.join(genDir, 'redis.conf')}"`,
        `dir "${path.join(genDir, 'data')}"`,
        `cluster-config-file "${path.join(genDir, 'data', 'nodes.conf')}"`,
        `bind ${gen.host}`,
        `port ${gen.port}`,
        `cluster-port ${gen.port + 10000}`,
        `cluster-announce-ip ${gen.host}`,
        `bind-source-addr ${gen.host}`,
        `requirepass "${password}"`,
        `masterauth "${password}"`,
        `logfile "${path.join(genDir, 'redis.log')}"`,
        '',
      ].join('\n'),
    );
    o.log(`redis: generated ${o.env} config on ${gen.host}:${gen.port} (${persistence.join('; ')})`);
    const generated = await startServer('generated', [path.join(genDir, 'runtime.conf')], gen, path.join(genDir, 'redis.log'), password);
    servers.push(generated);
    cli(generated, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor('cluster_state:ok on the one-node cluster', () => cli(generated, 'CLUSTER', 'INFO').includes('cluster_state:ok'));

    // Stock: the Debian binary with its built-in defaults; only address, port and paths set.
    const stockDir = path.join(tmp, 'stock');
    mkdirSync(stockDir, { recursive: true });
    const st = await freeAddress();
    o.log(`redis: stock redis-server (built-in defaults) on ${st.host}:${st.port}`);
    const stock = await startServer('stock', ['--bind', st.host, '--port', String(st.port), '--dir', stockDir, '--logfile', path.join(stockDir, 'redis.log')], st, path.join(stockDir, 'redis.log'));
    servers.push(stock);

    const redisVersion = /v=(\S+)/.exec(execFileSync(REDIS_SERVER, ['--version']).toString())?.[1] ?? 'unknown';
    const runs: Record<'stock' | 'generated', Record<string, LatencyFigures>[]> = { stock: [], generated: [] };
    for (let r = 0; r < o.runs; r++) {
      const order = r % 2 === 0 ? [stock, generated] : [generated, stock];
      for (const s of order) {
        const figures = benchmarkOnce(s, o);
        runs[s.name as 'stock' | 'generated'].push(figures);
        o.log(`redis run ${r + 1}/${o.runs}: ${s.name.padEnd(9)} SET ${figures.SET!.rps.toFixed(0)} rps (p50 ${figures.SET!.p50} ms, p99 ${figures.SET!.p99} ms), GET ${figures.GET!.rps.toFixed(0)} rps (p50 ${figures.GET!.p50} ms, p99 ${figures.GET!.p99} ms)`);
      }
    }
    return { env: o.env, requests: o.requests, clients: o.clients, dataSize: o.dataSize, runs: o.runs, redisVersion, persistence, stock: medians(runs.stock), generated: medians(runs.generated) };
  } finally {
    process.removeListener('SIGINT', onSignal);
    await cleanup();
  }
}
