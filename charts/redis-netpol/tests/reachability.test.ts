/**
 * The proof, since no cluster runs here: the real helm renders a Redis chart (production values)
 * and redis-netpol into one namespace, the pods are modelled from the rendered workloads (labels
 * and container ports), and the NetworkPolicy evaluator of lib/reachability.ts (itself unit-tested
 * in lib/reachability.test.ts) answers who may connect to whom.
 *
 * Two layers: the list of flows, asserted one by one; then, for EVERY ci/ scenario, the
 * complete set of allowed connections that involve a pod of the release, compared with the set the
 * issue specifies (so nothing is open that was not asked for, and nothing asked for is closed).
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { effectiveValues, NAMESPACE, PRODUCTION_LABELS, renderWithRedis, scenario, scenarioValues, SCENARIOS, type Obj, type RedisChart } from './lib/chart.ts';
import { buildEnvironment, type Environment } from './lib/environment-model.ts';
import type { Endpoint, Protocol } from './lib/reachability.ts';

async function environment(chart: RedisChart, scenarioFile: string, release = 'prod-x86'): Promise<{ env: Environment; objects: RenderedObject[] }> {
  const { all } = await renderWithRedis(chart, scenario(scenarioFile), release);
  const v = effectiveValues(scenarioFile);
  const env = buildEnvironment(all, { namespace: NAMESPACE, namespaceLabels: PRODUCTION_LABELS, values: v as never });
  return { env, objects: all };
}

const PROBES: readonly [Protocol, number][] = [
  ['UDP', 53],
  ['TCP', 53],
  ['TCP', 443],
  ['TCP', 6379],
  ['TCP', 6380],
  ['TCP', 9121],
  ['TCP', 16379],
  ['TCP', 26379],
  ['TCP', 8080],
];
const flow = (a: Endpoint, b: Endpoint, protocol: Protocol, port: number) => `${a.name} -> ${b.name} ${protocol}/${port}`;

/** Every allowed connection (over PROBES and the backup ports) that has a pod of the release at one end. */
function allowedFlows(env: Environment, extraPorts: readonly number[] = []): string[] {
  const probes = [...PROBES, ...extraPorts.filter((p) => !PROBES.some(([, q]) => q === p)).map((p): [Protocol, number] => ['TCP', p])];
  const releaseNames = new Set(env.release.map((p) => p.name));
  const endpoints = Object.values(env.at);
  const out: string[] = [];
  for (const a of endpoints)
    for (const b of endpoints) {
      if (a === b || !(releaseNames.has(a.name) || releaseNames.has(b.name))) continue;
      for (const [protocol, port] of probes) if (env.model.allows(a, b, port, protocol)) out.push(flow(a, b, protocol, port));
    }
  return out.sort();
}

/** The flows the issue specifies, for a release of `chart` with the scenario's values. */
function specifiedFlows(env: Environment, chart: RedisChart, values: Obj): string[] {
  const out: string[] = [];
  const add = (from: readonly Endpoint[], to: readonly Endpoint[], port: number, protocol: Protocol = 'TCP') => {
    for (const a of from) for (const b of to) if (a !== b) out.push(flow(a, b, protocol, port));
  };
  const jobs = env.jobs;
  add(env.redis, env.redis, 6379); // replication
  add(jobs, env.redis, 6379); // bootstrap (cluster) and backup Jobs
  add(env.clients, env.redis, 6379);
  if (chart === 'redis-cluster')
    add(env.redis, env.redis, 16379); // the cluster bus
  else {
    add(env.sentinels, env.redis, 6379);
    add([...env.sentinels, ...env.redis, ...jobs.filter((j) => j.name === 'backup')], env.sentinels, 26379);
    add(env.clients, env.sentinels, 26379); // discovery
    add(env.clients, env.haproxy, 6379); // the master endpoint: the master port and the read-only port
    add(env.clients, env.haproxy, 6380);
    add(env.haproxy, env.redis, 6379); // its health checks and the clients' connections
  }
  // The exporter sidecars, and HAProxy's own exporter on the same port (the master endpoint's pods).
  if (values.monitoring.enabled) add([env.at.prometheus!], chart === 'redis-sentinel' ? [...env.redis, ...env.sentinels, ...env.haproxy] : env.redis, 9121);
  add(env.release, [env.at['kube-dns']!], 53, 'UDP');
  add(env.release, [env.at['kube-dns']!], 53, 'TCP');
  // The bucket: the backup Job (upload) and the drill (fetch); the Redis pods only while a restore downloads a set.
  const bucketClients = [env.at.backup!, env.at['backup-drill']!, ...(values.backup.restoreFromBucket ? env.redis : [])];
  for (const [i, e] of (values.backup.egress as Obj[]).entries()) add(bucketClients, [env.at[`backup-target-${i}`]!], e.port);
  return [...new Set(out)].sort();
}

describe('redis-cluster (production values) + redis-netpol (ci/cluster-values.yaml): who reaches whom', () => {
  let env: Environment;
  let allow: (from: string, to: string, port: number, protocol?: Protocol) => boolean;
  beforeAll(async () => {
    ({ env } = await environment('redis-cluster', 'cluster-values.yaml'));
    allow = (from, to, port, protocol = 'TCP') => env.model.allows(env.at[from]!, env.at[to]!, port, protocol);
  });

  it('models the pods from the render: Redis pods with their ports, the bootstrap Job pod, a backup pod', () => {
    expect(env.redis.map((p) => p.name)).toEqual(['redis-0', 'redis-1']);
    expect(env.redis[0]!.ports).toEqual([
      { name: 'redis', containerPort: 6379, protocol: 'TCP' },
      { name: 'bus', containerPort: 16379, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9121, protocol: 'TCP' },
    ]);
    expect(env.redis[0]!.labels).toMatchObject({
      'app.kubernetes.io/name': 'redis-cluster',
      'app.kubernetes.io/instance': 'prod-x86',
      'app.kubernetes.io/component': 'redis',
      'app.kubernetes.io/part-of': 'redis-gitops',
    });
    // The bootstrap hook, the scale-in hook (also component bootstrap) and the backup CronJob.
    expect(env.jobs.map((p) => [p.name, p.labels['app.kubernetes.io/component']])).toEqual([
      ['bootstrap', 'bootstrap'],
      ['bootstrap-prod-x86-redis-cluster-scale-in', 'bootstrap'],
      ['backup', 'backup'],
    ]);
    expect(env.clients.map((c) => [c.namespace, c.labels])).toEqual([
      ['shop', { 'app.kubernetes.io/name': 'checkout' }],
      [NAMESPACE, { 'app.kubernetes.io/name': 'cart-worker' }],
    ]);
  });

  it('admits the declared clients to 6379 of every Redis pod, in another namespace and in its own', () => {
    for (const redis of ['redis-0', 'redis-1']) {
      expect(allow('client-0', redis, 6379)).toBe(true);
      expect(allow('client-1', redis, 6379)).toBe(true);
    }
    expect(env.model.check({ from: env.at['client-0']!, to: env.at['redis-0']!, port: 6379 }).ingress.allowedBy).toEqual([`${NAMESPACE}/prod-x86-netpol-redis-netpol-clients`]);
  });

  it('refuses an undeclared pod of the same namespace, and a look-alike of a client in another namespace, on every port', () => {
    for (const [from, port] of PROBES.map(([, p]) => p).flatMap(
      (p) =>
        [
          ['intruder', p],
          ['look-alike', p],
        ] as const,
    )) {
      expect({ from, port, allowed: allow(from, 'redis-0', port) }).toEqual({ from, port, allowed: false });
    }
  });

  it('keeps the cluster bus (16379) and the exporter port away from clients', () => {
    expect(allow('client-0', 'redis-0', 16379)).toBe(false);
    expect(allow('client-1', 'redis-0', 16379)).toBe(false);
    expect(allow('client-0', 'redis-0', 9121)).toBe(false);
  });

  it('lets the Redis pods replicate (6379) and gossip (16379) with each other, both ways', () => {
    for (const [a, b] of [
      ['redis-0', 'redis-1'],
      ['redis-1', 'redis-0'],
    ]) {
      expect(allow(a!, b!, 6379)).toBe(true);
      expect(allow(a!, b!, 16379)).toBe(true);
    }
  });

  it('admits Prometheus to 9121 (the named port "metrics") only: not 6379, and not Grafana or a Prometheus elsewhere', () => {
    expect(allow('prometheus', 'redis-0', 9121)).toBe(true);
    expect(allow('prometheus', 'redis-0', 6379)).toBe(false);
    expect(allow('prometheus', 'redis-0', 16379)).toBe(false);
    expect(allow('grafana', 'redis-0', 9121)).toBe(false);
    expect(allow('prometheus-elsewhere', 'redis-0', 9121)).toBe(false);
  });

  it('lets every pod of the release resolve names (DNS 53, UDP and TCP) and reach nothing else outside', () => {
    for (const p of env.release) {
      expect({ p: p.name, udp: allow(p.name, 'kube-dns', 53, 'UDP'), tcp: allow(p.name, 'kube-dns', 53, 'TCP'), dnsMetrics: allow(p.name, 'kube-dns', 9153) }).toEqual({
        p: p.name,
        udp: true,
        tcp: true,
        dnsMetrics: false,
      });
      for (const port of [443, 6379, 53]) expect({ p: p.name, port, internet: allow(p.name, 'internet', port) }).toEqual({ p: p.name, port, internet: false });
    }
    expect(allow('redis-0', 'client-0', 8080)).toBe(false); // no egress to clients either
  });

  it('lets the bootstrap and backup Job pods reach 6379 of the Redis pods, and nothing more', () => {
    for (const job of ['bootstrap', 'backup']) {
      expect(allow(job, 'redis-0', 6379)).toBe(true);
      expect(allow(job, 'redis-1', 6379)).toBe(true);
      expect(allow(job, 'redis-0', 16379)).toBe(false);
      expect(allow(job, 'internet', 443)).toBe(false);
      expect(allow('redis-0', job, 6379)).toBe(false); // nothing connects to the Jobs
    }
  });

  it('refuses every connection into the other pods of the Redis namespace (namespace default deny)', () => {
    expect(allow('look-alike', 'intruder', 8080)).toBe(false);
    expect(allow('client-0', 'client-1', 8080)).toBe(false);
    expect(allow('client-1', 'client-0', 8080)).toBe(true); // other namespaces keep their own rules
  });
});

describe('redis-sentinel (production values) + redis-netpol (ci/sentinel-values.yaml): who reaches whom', () => {
  let env: Environment;
  let allow: (from: string, to: string, port: number, protocol?: Protocol) => boolean;
  beforeAll(async () => {
    ({ env } = await environment('redis-sentinel', 'sentinel-values.yaml', 'cache-eu'));
    allow = (from, to, port, protocol = 'TCP') => env.model.allows(env.at[from]!, env.at[to]!, port, protocol);
  });

  it('models Redis and Sentinel pods from the render (no bootstrap Job in this mode)', () => {
    expect(env.redis.map((p) => p.name)).toEqual(['redis-0', 'redis-1']);
    expect(env.sentinels.map((p) => p.name)).toEqual(['sentinel-0', 'sentinel-1']);
    expect(env.sentinels[0]!.ports).toContainEqual({ name: 'sentinel', containerPort: 26379, protocol: 'TCP' });
    expect(env.jobs.map((p) => p.name)).toEqual(['backup']);
  });

  it('admits the declared client to the Sentinels (26379, discovery) and to Redis (6379); nobody else', () => {
    expect(allow('client-0', 'sentinel-0', 26379)).toBe(true);
    expect(allow('client-0', 'redis-0', 6379)).toBe(true);
    expect(allow('client-0', 'redis-0', 26379)).toBe(false);
    expect(allow('client-0', 'sentinel-0', 6379)).toBe(false);
    for (const from of ['intruder', 'look-alike', 'prometheus']) {
      expect({ from, s: allow(from, 'sentinel-0', 26379), r: allow(from, 'redis-0', 6379) }).toEqual({ from, s: false, r: false });
    }
  });

  it('lets the Sentinels talk among themselves and to Redis, and Redis ask the Sentinels; no cluster bus', () => {
    expect(allow('sentinel-0', 'sentinel-1', 26379)).toBe(true);
    expect(allow('sentinel-1', 'redis-0', 6379)).toBe(true);
    expect(allow('redis-1', 'sentinel-0', 26379)).toBe(true);
    expect(allow('redis-0', 'redis-1', 6379)).toBe(true);
    expect(allow('redis-0', 'redis-1', 16379)).toBe(false);
    expect(allow('sentinel-0', 'redis-0', 26379)).toBe(false);
  });

  it('admits Prometheus to the metrics port of the Redis, Sentinel and HAProxy pods (9121), never to 6379 or 26379', () => {
    expect(env.sentinels[0]!.ports).toContainEqual({ name: 'metrics', containerPort: 9121, protocol: 'TCP' });
    expect(allow('prometheus', 'redis-0', 9121)).toBe(true);
    expect(allow('prometheus', 'sentinel-0', 9121)).toBe(true);
    expect(allow('prometheus', 'sentinel-1', 9121)).toBe(true);
    expect(allow('prometheus', 'sentinel-0', 26379)).toBe(false);
    // HAProxy's own exporter (the master endpoint is on in the production scenario) on the same port.
    expect(env.haproxy.length).toBeGreaterThan(0);
    expect(allow('prometheus', 'haproxy-0', 9121)).toBe(true);
    expect(allow('prometheus', 'haproxy-0', 6379)).toBe(false);
    expect(allow('prometheus', 'redis-0', 6379)).toBe(false);
    for (const from of ['grafana', 'prometheus-elsewhere', 'client-0', 'intruder']) expect({ from, allowed: allow(from, 'sentinel-0', 9121) }).toEqual({ from, allowed: false });
  });

  it('admits the declared client to the master endpoint (HAProxy: 6379 and 6380), which alone reaches Redis on 6379 for it', () => {
    expect(env.haproxy.map((p) => p.name)).toEqual(['haproxy-0', 'haproxy-1']);
    expect(allow('client-0', 'haproxy-0', 6379)).toBe(true);
    expect(allow('client-0', 'haproxy-1', 6380)).toBe(true);
    expect(allow('haproxy-0', 'redis-0', 6379)).toBe(true);
    expect(allow('haproxy-0', 'redis-1', 6379)).toBe(true);
    for (const [to, port] of [
      ['sentinel-0', 26379],
      ['redis-0', 16379],
      ['client-0', 8080],
    ] as const)
      expect({ to, port, allowed: allow('haproxy-0', to, port) }).toEqual({ to, port, allowed: false });
    for (const from of ['intruder', 'look-alike', 'prometheus', 'sentinel-0', 'redis-0'])
      expect({ from, allowed: allow(from, 'haproxy-0', 6379) || allow(from, 'haproxy-0', 6380) }).toEqual({ from, allowed: false });
  });

  it('lets the backup pod reach Redis and the Sentinels, and every pod DNS only', () => {
    expect(allow('backup', 'redis-0', 6379)).toBe(true);
    expect(allow('backup', 'sentinel-0', 26379)).toBe(true);
    for (const p of env.release) {
      expect({ p: p.name, dns: allow(p.name, 'kube-dns', 53, 'UDP'), internet: allow(p.name, 'internet', 443) }).toEqual({ p: p.name, dns: true, internet: false });
    }
  });
});

describe('every ci/ scenario: the allowed connections are exactly the ones specified', () => {
  const cases = SCENARIOS.map((f) => [f, (scenarioValues(f).target?.chart ?? 'redis-cluster') as RedisChart] as const);

  it.each(cases)('ci/%s with %s', async (f, chart) => {
    const { env } = await environment(chart, f);
    const values = effectiveValues(f);
    const expected = specifiedFlows(env, chart, values);
    expect(
      allowedFlows(
        env,
        values.backup.egress.map((e: Obj) => e.port),
      ),
    ).toEqual(expected);
    expect(expected.length).toBeGreaterThan(10);
  });

  it('lets only the backup and drill pods reach the backup targets (ci/backup-egress-values.yaml), on their port only', async () => {
    const { env } = await environment('redis-cluster', 'backup-egress-values.yaml');
    expect(env.backupTargets.map((t) => t.ip)).toEqual(['10.20.30.1', '172.31.8.15', '2001:db8:10:0:0:0:0:1']);
    for (const t of env.backupTargets) {
      for (const pod of ['backup', 'backup-drill']) {
        expect({ pod, ok: env.model.allows(env.at[pod]!, t, 443) }).toEqual({ pod, ok: true });
        expect({ pod, ok: env.model.allows(env.at[pod]!, t, 80) }).toEqual({ pod, ok: false });
      }
      expect(env.model.allows(env.at['redis-0']!, t, 443)).toBe(false);
      expect(env.model.allows(env.at.bootstrap!, t, 443)).toBe(false);
    }
    // The drill talks to no Redis pod.
    expect(env.model.allows(env.at['backup-drill']!, env.at['redis-0']!, 6379)).toBe(false);
  });

  it('admits the Redis pods to the bucket only with backup.restoreFromBucket (ci/restore-from-bucket-values.yaml), for the fetch of a restore', async () => {
    const { env } = await environment('redis-sentinel', 'restore-from-bucket-values.yaml');
    for (const t of env.backupTargets) {
      for (const pod of env.redis) expect({ pod: pod.name, ok: env.model.allows(pod, t, 443) }).toEqual({ pod: pod.name, ok: true });
      for (const pod of env.sentinels) expect({ pod: pod.name, ok: env.model.allows(pod, t, 443) }).toEqual({ pod: pod.name, ok: false });
    }
  });
});
