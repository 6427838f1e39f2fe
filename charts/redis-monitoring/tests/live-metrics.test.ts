/**
 * Every metric an alert or a dashboard panel uses exists in a REAL exporter's output.
 *
 * Real processes on loopback (packages/redis-testkit: one 127.x.y.z address per "pod"):
 * - a Redis Cluster of 3 masters + 3 replicas, formed with `redis-cli --cluster create`;
 * - a sentinel-mode group: 1 master + 1 replica (the Redis pods Sentinel would watch);
 * - one Debian `prometheus-redis-exporter` (1.45) per Redis pod, as the sidecar runs it, listening
 *   on the pod's own address;
 * - one real `redis-sentinel` watching the group, with its own exporter (the Sentinel alerts' series).
 * Their live /metrics must contain every name used by the rendered alert rules (both modes) and
 * by every dashboard query (the only exemptions: NOT_FROM_TESTED_EXPORTER, each with its reason),
 * and every name of the reviewed catalogue (EXPORTER_METRICS); every redis_* name they serve is in
 * the names read from the exporter's v1.45.0 source (packages/dashboards/src/exporter-versions.ts).
 * A missing tool fails the suite; every process and temp dir is removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { dashboardFiles, dashboardQueries, EXPORTER_METRICS, expandGrafanaVariables, metricNamesOf, SENTINEL_EXPORTER_METRICS } from '@redis-gitops/dashboards';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { redisBinary, Sandbox, waitFor, type Job, type Pod } from '@redis-gitops/redis-testkit';
import { NOT_FROM_TESTED_EXPORTER, servedBy, TESTED_EXPORTER } from '../../../packages/dashboards/src/exporter-versions.ts';
import { alertRules, render } from './lib/chart.ts';
import { requireTool } from './lib/tools.ts';

const EXPORTER = requireTool('prometheus-redis-exporter');
const REDIS_CLI = requireTool('redis-cli');
const SETUP_TIMEOUT_MS = 180_000;

let sandbox: Sandbox | undefined;
const cluster: Pod[] = [];
const group: Pod[] = [];
const exporters = new Map<string, Job>();
/** Pod name -> raw /metrics text of its exporter. */
const scraped = new Map<string, string>();
/** Raw /metrics text of the exporter in front of the Sentinel. */
let sentinelScrape = '';
let sentinel: Pod | undefined;
const timings: string[] = [];

function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  return fn().finally(() => timings.push(`${what}: ${(performance.now() - t0).toFixed(0)} ms`));
}

/** Metric names in Prometheus text format: sample names and `# TYPE` names (histograms/summaries). */
function namesIn(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) names.add(type[1]!);
    else if (line && !line.startsWith('#')) names.add(line.split(/[{ ]/, 1)[0]!);
  }
  return names;
}

/** Samples of `metric` as label maps with the value. */
function samples(text: string, metric: string): Array<{ labels: Record<string, string>; value: number }> {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .map((l) => {
      const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(l)!;
      const labels = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { labels, value: Number(m[2]) };
    });
}

async function info(pod: Pod, field: string): Promise<string | undefined> {
  return (await pod.info())[field];
}

async function cli(args: string[], timeoutMs = 30_000): Promise<string> {
  const r = await sandbox!.exec(REDIS_CLI, { args, timeoutMs });
  if (r.code !== 0) throw new Error(`redis-cli ${args.join(' ')} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

async function startExporter(pod: Pod, port = 6379): Promise<void> {
  const job = sandbox!.startJob(`exporter-${pod.name}`, EXPORTER, {
    args: ['--redis.addr', `redis://${pod.ip}:${port}`, '--web.listen-address', `${pod.ip}:9121`, '--log-format', 'txt'],
  });
  exporters.set(pod.name, job);
}

async function scrape(pod: Pod): Promise<string> {
  const url = `http://${pod.ip}:9121/metrics`;
  const { value } = await waitFor(
    `exporter of ${pod.name} to serve ${url} with redis_up 1`,
    async () => {
      const job = exporters.get(pod.name)!;
      if (!job.running) throw new Error(`exporter exited:\n${job.describe(20)}`);
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      return { done: res.ok && /^redis_up 1$/m.test(text), state: `HTTP ${res.status}`, value: text };
    },
    { timeoutMs: 30_000, intervalMs: 200, context: () => exporters.get(pod.name)!.describe(20) },
  );
  return value!;
}

beforeAll(async () => {
  const t0 = performance.now();
  sandbox = await Sandbox.create({ name: 'redis-monitoring-live', ports: [6379, 16379, 9121, 26379], requires: ['redis-server', 'redis-cli'] });
  const common = ['--protected-mode', 'no', '--repl-diskless-sync-delay', '0', '--save', '', '--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'];

  await timed('start 6 cluster nodes', async () => {
    for (let i = 0; i < 6; i++) cluster.push(await sandbox!.createPod(`rc-${i}`));
    await Promise.all(cluster.map((p) => p.start({ kind: 'redis-server', args: [...common, '--cluster-enabled', 'yes', '--cluster-node-timeout', '5000', '--appendonly', 'no'] })));
  });
  await timed('redis-cli --cluster create (3 masters + 3 replicas)', () => cli(['--cluster', 'create', ...cluster.map((p) => p.address), '--cluster-replicas', '1', '--cluster-yes'], 60_000));
  await timed('cluster_state:ok and every replica linked', () =>
    waitFor(
      'cluster_state:ok on all 6 nodes and master_link_status:up on the 3 replicas',
      async () => {
        const infos = await Promise.all(cluster.map(async (p) => ({ p, cluster: (await p.command('CLUSTER', 'INFO'))!.toString(), repl: await p.info('replication') })));
        const bad = infos.filter((x) => !/cluster_state:ok/.test(x.cluster) || (x.repl.role === 'slave' && x.repl.master_link_status !== 'up'));
        return { done: bad.length === 0 && infos.filter((x) => x.repl.role === 'slave').length === 3, state: bad.map((x) => x.p.name).join(',') || 'replicas not yet assigned' };
      },
      { timeoutMs: 60_000, intervalMs: 250, context: () => sandbox!.describe(10) },
    ),
  );

  await timed('start the sentinel-mode group (1 master + 1 replica)', async () => {
    group.push(await sandbox!.createPod('sg-0'), await sandbox!.createPod('sg-1'));
    await group[0]!.start({ kind: 'redis-server', args: [...common, '--appendonly', 'yes'] });
    await group[1]!.start({ kind: 'redis-server', args: [...common, '--appendonly', 'yes', '--replicaof', group[0]!.ip, '6379'] });
    await waitFor('sg-1 to replicate sg-0', async () => ({ done: (await info(group[1]!, 'master_link_status')) === 'up', state: String(await info(group[1]!, 'master_link_status')) }), {
      timeoutMs: 30_000,
    });
  });

  await timed('write and read keys (hits, misses, commandstats, keyspace)', async () => {
    for (let i = 0; i < 12; i++) {
      await cli(['-c', '-h', cluster[0]!.ip, '-p', '6379', 'SET', `key:${i}`, `value-${i}`]);
      await cli(['-c', '-h', cluster[0]!.ip, '-p', '6379', 'GET', `key:${i}`]);
      await cli(['-c', '-h', cluster[0]!.ip, '-p', '6379', 'GET', `missing:${i}`]);
    }
    for (let i = 0; i < 5; i++) {
      await group[0]!.command('SET', `key:${i}`, 'v');
      await group[0]!.command('GET', `key:${i}`);
      await group[0]!.command('GET', `missing:${i}`);
    }
  });

  await timed('start 8 exporters and fetch their first /metrics', async () => {
    for (const p of [...cluster, ...group]) await startExporter(p);
    // Let replicas acknowledge the writes, so offsets and lag are reported.
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of [...cluster, ...group]) scraped.set(p.name, await scrape(p));
  });
  await timed('start a redis-sentinel watching the group, and its exporter', async () => {
    sentinel = await sandbox!.createPod('ss-0');
    const conf = path.join(sentinel.dir, 'sentinel.conf');
    writeFileSync(conf, `bind ${sentinel.ip}\nport 26379\ndir ${sentinel.dir}\nsentinel monitor mymaster ${group[0]!.ip} 6379 1\n`);
    await sentinel.start({ kind: 'command', command: redisBinary('redis-sentinel'), args: [conf], port: 26379 });
    await startExporter(sentinel, 26379);
    sentinelScrape = await waitFor(
      'the Sentinel exporter to report the monitored master',
      async () => {
        const text = await scrape(sentinel!);
        return { done: /^redis_sentinel_masters 1$/m.test(text), state: 'no master yet', value: text };
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    ).then((r) => r.value!);
  });
  timings.push(`setup total: ${(performance.now() - t0).toFixed(0)} ms`);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  const t0 = performance.now();
  await sandbox?.cleanup();
  timings.push(`cleanup (kill every process by PID, remove temp dirs): ${(performance.now() - t0).toFixed(0)} ms`);
  console.log(`live exporter test timings:\n  ${timings.join('\n  ')}`);
}, 60_000);

describe('metrics of the real exporter (Debian prometheus-redis-exporter 1.45) in front of real Redis processes', () => {
  const live = (): Set<string> => new Set([...scraped.values()].flatMap((t) => [...namesIn(t)]));

  it('scraped all 8 exporters', () => {
    expect([...scraped.keys()].sort()).toEqual(['rc-0', 'rc-1', 'rc-2', 'rc-3', 'rc-4', 'rc-5', 'sg-0', 'sg-1']);
  });

  it('has every metric used by any alert expression (cluster and sentinel rules, with backups)', async () => {
    const used = new Map<string, string>();
    for (const chart of ['redis-cluster', 'redis-sentinel']) {
      for (const r of alertRules(await render(['--set', `target.chart=${chart}`, '--set', 'target.backup=true']))) for (const m of metricNamesOf(r.expr)) used.set(m, `${chart} ${r.alert}`);
    }
    expect(used.size).toBeGreaterThan(15);
    // Served by the exporter of a Redis pod or of the Sentinel; the only exemptions are listed with
    // their reason in NOT_FROM_TESTED_EXPORTER (Prometheus' up, kube-state-metrics, newer exporter only).
    const names = new Set([...live(), ...namesIn(sentinelScrape)]);
    const missing = [...used].filter(([m]) => !names.has(m) && !Object.hasOwn(NOT_FROM_TESTED_EXPORTER, m)).map(([m, where]) => `${m} (${where})`);
    expect(missing).toEqual([]);
  });

  it(`serves only names read from the ${TESTED_EXPORTER} source (packages/dashboards/src/generated/redis-exporter-metric-names.ts), which checks that extraction`, () => {
    const served = [...live(), ...namesIn(sentinelScrape)].filter((m) => m.startsWith('redis_'));
    expect(served.length).toBeGreaterThan(100);
    const names = new Set(served);
    // A summary's samples X_sum and X_count belong to the family X (its `# TYPE` line).
    const family = (m: string) => (/_(sum|count|bucket)$/.test(m) && names.has(m.replace(/_(sum|count|bucket)$/, '')) ? m.replace(/_(sum|count|bucket)$/, '') : m);
    expect([...names].filter((m) => !servedBy(TESTED_EXPORTER, family(m))).sort()).toEqual([]);
  });

  it('has every metric used by any dashboard panel or variable', () => {
    const used = new Map<string, string>();
    for (const d of dashboardFiles()) for (const q of dashboardQueries(d.file, d.dashboard)) for (const m of metricNamesOf(expandGrafanaVariables(q.expr))) used.set(m, q.where);
    expect(used.size).toBeGreaterThan(20);
    const names = live();
    expect([...used].filter(([m]) => !names.has(m) && !Object.hasOwn(NOT_FROM_TESTED_EXPORTER, m)).map(([m, where]) => `${m} (${where})`)).toEqual([]);
  });

  it('serves every Sentinel metric the Sentinel alerts use (SENTINEL_EXPORTER_METRICS), with the labels they aggregate on', async () => {
    const names = namesIn(sentinelScrape);
    expect(Object.keys(SENTINEL_EXPORTER_METRICS).filter((m) => !names.has(m))).toEqual([]);
    const used = new Set<string>();
    for (const r of alertRules(await render(['--set', 'target.chart=redis-sentinel']))) if (r.group === 'redis-sentinel') for (const m of metricNamesOf(r.expr)) used.add(m);
    expect([...used].sort()).toEqual(Object.keys(SENTINEL_EXPORTER_METRICS).sort());
    expect(samples(sentinelScrape, 'redis_sentinel_master_status')[0]).toEqual({ labels: { master_address: `${group[0]!.ip}:6379`, master_name: 'mymaster', master_status: 'ok' }, value: 1 });
    expect(samples(sentinelScrape, 'redis_sentinel_master_ckquorum_status')[0]?.labels.master_name).toBe('mymaster');
    expect(samples(sentinelScrape, 'redis_sentinel_tilt')[0]?.value).toBe(0);
  });

  it('has every metric of the reviewed catalogue (EXPORTER_METRICS)', () => {
    const names = live();
    expect(Object.keys(EXPORTER_METRICS).filter((m) => !names.has(m))).toEqual([]);
  });

  it('labels what the alerts count and join on: 3 masters in the cluster, 1 in the group, replica links and offsets', () => {
    const roles = (pods: readonly Pod[]) => pods.map((p) => samples(scraped.get(p.name)!, 'redis_instance_info')[0]?.labels.role).sort();
    expect(roles(cluster)).toEqual(['master', 'master', 'master', 'slave', 'slave', 'slave']);
    expect(roles(group)).toEqual(['master', 'slave']);
    for (const p of cluster) expect({ pod: p.name, state: samples(scraped.get(p.name)!, 'redis_cluster_state')[0]?.value }).toEqual({ pod: p.name, state: 1 });
    const link = samples(scraped.get('sg-1')!, 'redis_master_link_up')[0]!;
    expect(link).toEqual({ labels: { master_host: group[0]!.ip, master_port: '6379' }, value: 1 });
    const offsets = samples(scraped.get('sg-0')!, 'redis_connected_slave_offset_bytes');
    expect(offsets.map((o) => Object.keys(o.labels).sort())).toEqual([['slave_ip', 'slave_port', 'slave_state']]);
    expect(samples(scraped.get('sg-0')!, 'redis_memory_max_bytes')[0]!.value).toBe(64 * 1024 * 1024);
  });
});
