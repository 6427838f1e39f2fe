/**
 * ACL users (auth.acl) on a real Redis Cluster (3 shards x 1 replica) started by the chart's own
 * scripts, with the chart's own Jobs and sidecars:
 *   - the bootstrap Job forms the cluster as the `operator` user; every pod logs the users it
 *     configured;
 *   - replicas log in to their masters as `replicator` (CLIENT LIST on every master), nobody is
 *     refused (ACL LOG);
 *   - the application user `orders` (its own Secret) can do exactly what its rules allow, NOPERM
 *     otherwise; the system users cannot read data;
 *   - a failover (SIGKILL of a master's pod) and the re-sync of the returning pod work with these users;
 *   - a scale-out to 4 shards: the bootstrap Job's `redis-cli --cluster rebalance` moves keys with
 *     MIGRATE ... AUTH2 operator <password> (the target runs RESTORE-ASKING as operator);
 *   - the exporter sidecar scrapes as `monitor`, the backup Job dumps every master as `backup`.
 * The harness gives every Secret key a password of its own (secretValue), so a container that read
 * the wrong key could not log in. The harness itself talks to the pods as the default user (kept
 * enabled for it: auth.acl.defaultUser.enabled=true).
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClusterClient,
  commandWith,
  containerOf,
  envValue,
  keySlot,
  keysPresent,
  parseAclLog,
  refusedLoginsOf,
  roles,
  rolesText,
  Sandbox,
  secretRefOf,
  startExporterSidecar,
  waitFor,
  waitHealthy,
  waitReplicasCaughtUp,
  writeKeys,
  type Pod,
  type PodRole,
  type RespValue,
} from '@redis-gitops/redis-testkit';
import { BackupHarness } from './backup-harness.ts';
import { HEALTH_TIMEOUT_MS, helmUpgrade, installCluster, killMasterAndWaitPromotion, linesSinceLastStart } from './operations.ts';
import { secretValue, type RedisClusterChart } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 180_000;
/** The scale-out moves a third of the slots (keys included) one by one: about a minute, two on a loaded machine. */
const SCALE_TIMEOUT_MS = 300_000;
const ORDERS = { user: 'orders', password: secretValue('orders-redis', 'password') };
const SYSTEM_USERS = ['replicator', 'monitor', 'backup', 'operator'] as const;
const SET = [
  'auth.existingSecret=redis-auth',
  'auth.acl.enabled=true',
  'auth.acl.defaultUser.enabled=true',
  'auth.acl.users[0].name=orders',
  'auth.acl.users[0].existingSecret=orders-redis',
  'auth.acl.users[0].passwordKeys={password}',
  'auth.acl.users[0].rules=~orders:* +@read +@write +wait -@dangerous',
  'backup.enabled=true',
  'metrics.enabled=true',
];
/** Keys of the orders user written before the failover and the scale-out, over many slots. */
const ORDER_KEYS = new Map(Array.from({ length: 300 }, (_, i) => [`orders:${i}`, `v${i}`] as const));

let sandbox: Sandbox;
let chart: RedisClusterChart;
let bootstrapOutput = '';

const who = (user: string) => (user === 'orders' ? ORDERS : { user, password: secretValue('redis-auth', user) });

/** One command as `user` against `pod`: the reply, or the error text (NOPERM ..., MOVED ..., WRONGPASS ...). */
async function as(user: string, pod: Pod, ...args: string[]): Promise<RespValue | string> {
  const { password } = who(user);
  try {
    return await commandWith({ host: pod.ip, port: pod.port, username: user, password, connectTimeoutMs: 1000, commandTimeoutMs: 3000 }, ...args);
  } catch (e) {
    return (e as Error).message;
  }
}

/** The pod at "host:port" of a MOVED reply (host: an IP or a stable name). */
function podAt(endpoint: string): Pod {
  const host = endpoint.slice(0, endpoint.lastIndexOf(':'));
  const ip = net.isIP(host) ? host : sandbox.resolve(host);
  const pod = chart.pods.find((p) => p.ip === ip);
  if (!pod) throw new Error(`MOVED to ${endpoint}: no pod has that address`);
  return pod;
}

/**
 * `args` on `key`'s node as an application would send it: to any node first, then where MOVED
 * points (learning the map from MOVED only: no CLUSTER SLOTS).
 * Returns the reply and how many MOVED it followed.
 */
async function appCall(user: string, key: string, ...args: string[]): Promise<{ reply: RespValue | string; moved: number }> {
  let pod = chart.pods[keySlot(key) % chart.pods.length]!;
  for (let moved = 0; moved < 4; moved++) {
    const reply = await as(user, pod, ...args);
    const m = typeof reply === 'string' ? /MOVED \d+ (\S+)/.exec(reply) : null;
    if (!m) return { reply, moved };
    pod = podAt(m[1]!);
  }
  throw new Error(`${args.join(' ')}: more than 3 MOVED`);
}

/** The master pods, by the harness's view (CLUSTER NODES myself). */
async function masters(): Promise<{ masters: Pod[]; roles: Record<string, PodRole> }> {
  const r = await roles(chart.pods);
  return { masters: chart.pods.filter((p) => r[p.name]!.role === 'master'), roles: r };
}

/** The master's clients (CLIENT LIST): ACL user and flags (S: a replica's replication link). */
async function replicationLinks(master: Pod): Promise<Array<{ addr: string; user: string }>> {
  const text = String(await master.command('CLIENT', 'LIST'));
  return text
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .filter((c) => String(c.flags).includes('S'))
    .map((c) => ({ addr: String(c.addr), user: String(c.user) }));
}

/** ACL LOG entries of failed logins (reason auth), as "username@client-addr". */
async function refusedLogins(pod: Pod): Promise<string[]> {
  return refusedLoginsOf(await pod.command('ACL', 'LOG')).map((e) => `${e.username}@${e.clientAddr}`);
}

/** Every ACL LOG entry of every pod (refused logins AND commands refused with NOPERM), as "pod: user reason object". */
async function aclLogAll(): Promise<string[]> {
  const out: string[] = [];
  for (const p of chart.pods.filter((x) => x.running)) {
    for (const e of parseAclLog(await p.command('ACL', 'LOG'))) out.push(`${p.name}: ${e.username} ${e.reason} ${e.object}`);
  }
  return out;
}

async function expectNoRefusedLogin(): Promise<void> {
  for (const p of chart.pods) expect({ pod: p.name, refused: await refusedLogins(p) }).toEqual({ pod: p.name, refused: [] });
}

/** Every master's replication links are its replicas, each logged in as replicator. */
async function expectReplicasAsReplicator(): Promise<void> {
  const { masters: ms, roles: r } = await masters();
  expect(ms).toHaveLength(chart.shards);
  for (const m of ms) {
    const replicas = chart.pods.filter((p) => r[p.name]!.master === m.name);
    expect(replicas).toHaveLength(chart.replicasPerShard);
    const links = await waitFor(
      `${m.name}'s ${replicas.length} replica(s) to be connected`,
      async () => {
        const l = await replicationLinks(m);
        return { done: l.length === replicas.length, state: JSON.stringify(l), value: l };
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect({ master: m.name, links: links.value!.map((l) => ({ ip: l.addr.slice(0, l.addr.lastIndexOf(':')), user: l.user })) }).toEqual({
      master: m.name,
      links: replicas.map((x) => ({ ip: x.ip, user: 'replicator' })),
    });
  }
}

/**
 * A cluster client logged in as the orders user (CLUSTER SLOTS for the slot map, then MOVED/ASK),
 * the way the application talks to the cluster.
 */
function ordersClient(): ClusterClient {
  return ClusterClient.forPods(chart.pods, { username: ORDERS.user, password: ORDERS.password, resolveHost: (h) => sandbox.resolve(h) });
}

/** Every orders key readable with its value, as the orders user through a cluster client, wherever the cluster now serves it. */
async function expectOrderKeys(): Promise<void> {
  const client = ordersClient();
  try {
    expect((await keysPresent(client, ORDER_KEYS)).summary).toBe(`${ORDER_KEYS.size}/${ORDER_KEYS.size} keys present with the expected value`);
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'cluster-acl', requires: ['redis-server', 'redis-cli'] });
  const installed = await installCluster(sandbox, { set: SET });
  chart = installed.chart;
  bootstrapOutput = installed.job.output.join('\n');
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('redis-cluster with auth.acl (system users + an application user)', () => {
  it(
    'the bootstrap Job forms the cluster as operator; every pod logs the users it configured',
    async () => {
      const usersAcl = String(chart.current.find('ConfigMap', '-config').data['users.acl']);
      // Its own rules first (the chart may append what every cluster client needs).
      expect(usersAcl).toMatch(/^user orders on ~orders:\* \+@read \+@write \+wait -@dangerous( |$)/m);
      expect(usersAcl).toMatch(/^user operator on /m);
      expect(usersAcl).not.toMatch(/pw-|behaviour-test-password/);
      // The Job's only credentials are the operator's: another user, or another key's password, could not log in.
      const boot = chart.current.job('bootstrap.sh').container;
      expect(envValue(boot, 'REDIS_USER')).toBe('operator');
      expect(secretRefOf(boot, 'REDIS_PASSWORD')).toMatchObject({ name: 'redis-auth', key: 'operator' });
      expect(bootstrapOutput).toMatch(/creating a new cluster \(3 masters, 1 replica\(s\) each\)/);
      const { masters: ms, roles: r } = await masters();
      expect(ms).toHaveLength(3);
      expect(Object.values(r).filter((x) => x.role === 'replica')).toHaveLength(3);
      for (const p of chart.pods) {
        expect({ pod: p.name, summary: p.lastLines(400).find((l) => l.includes('acl users:')) }).toEqual({
          pod: p.name,
          summary: expect.stringContaining('acl users: default(1) replicator(1) monitor(1) backup(1) operator(1) orders(1)'),
        });
        // The running server has exactly these users.
        expect(((await p.command('ACL', 'USERS')) as string[]).sort()).toEqual(['backup', 'default', 'monitor', 'operator', 'orders', 'replicator']);
      }
      // The scripts' probes log in as operator too: readiness passes on every pod.
      await Promise.all(chart.pods.map((p) => chart.waitReady(p, 0, 60_000)));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replicas are connected to their masters as replicator; nobody was refused a login',
    async () => {
      await expectReplicasAsReplicator();
      await expectNoRefusedLogin();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the application user can do exactly what its rules allow (NOPERM otherwise); the system users cannot read data',
    async () => {
      const key = 'orders:42';
      const first = await appCall('orders', key, 'SET', key, 'paid');
      expect(first.reply).toBe('OK');
      expect((await appCall('orders', key, 'GET', key)).reply).toBe('paid');
      // On a node that does not serve the slot, the orders user gets MOVED (not NOPERM): routing works for it.
      const { masters: ms, roles: r } = await masters();
      const served = ms.find((m) =>
        r[m.name]!.slots.split(',').some((range) => {
          const [a, b = a] = range.split('-').map(Number);
          return keySlot(key) >= a! && keySlot(key) <= b!;
        }),
      )!;
      const other = ms.find((m) => m !== served)!;
      expect(await as('orders', other, 'GET', key)).toMatch(new RegExp(`MOVED ${keySlot(key)} `));
      expect(await as('orders', served, 'GET', key)).toBe('paid');
      // WAIT (in its rules) confirms the write reached the shard's replica.
      expect(await as('orders', served, 'WAIT', '1', '2000')).toBe(1);
      expect(await as('orders', served, 'SET', 'invoices:1', 'x')).toMatch(/NOPERM .*key/);
      expect(await as('orders', other, 'GET', 'invoices:1')).toMatch(/NOPERM .*key/);
      expect(await as('orders', served, 'FLUSHALL')).toMatch(/NOPERM .*flushall/i);
      expect(await as('orders', served, 'KEYS', '*')).toMatch(/NOPERM .*keys/i);
      expect(await as('orders', served, 'CONFIG', 'SET', 'maxmemory', '1')).toMatch(/NOPERM .*config/i);
      // The system users cannot touch data, not even the operator (whose ~* is for MIGRATE).
      for (const user of SYSTEM_USERS) expect({ user, get: await as(user, served, 'GET', key) }).toEqual({ user, get: expect.stringMatching(/NOPERM .*get/i) });
      expect(await as('operator', served, 'SET', key, 'x')).toMatch(/NOPERM/);
      // A wrong password is refused, and that refusal is what ACL LOG shows.
      const wrong = await commandWith({ host: served.ip, port: served.port, username: 'orders', password: 'not-the-password', connectTimeoutMs: 1000 }, 'PING').catch((e: Error) => e.message);
      expect(wrong).toMatch(/WRONGPASS/);
      expect(await refusedLogins(served)).toEqual([expect.stringMatching(/^orders@/)]);
      for (const p of chart.pods) await p.command('ACL', 'LOG', 'RESET');
      // The keys the later steps check: spread over every master.
      const client = ordersClient();
      try {
        await writeKeys(client, ORDER_KEYS);
      } finally {
        client.close();
      }
      // Written means on the replicas too: the next step kills a master.
      await waitReplicasCaughtUp(chart.pods);
      const perMaster = await Promise.all(ms.map(async (m) => Number(await m.command('DBSIZE'))));
      for (const n of perMaster) expect(n).toBeGreaterThan(50);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a failover (SIGKILL of a master): its replica takes over through the cluster bus, the returning pod re-syncs as replicator; no refused login',
    async () => {
      const old = chart.pods[0]!;
      const { replica } = await killMasterAndWaitPromotion(chart, old);
      expect(replica).toBe(chart.pods[1]);
      await chart.startNode(old);
      expect(linesSinceLastStart(old).join('\n')).toContain('acl users: default(1) replicator(1) monitor(1) backup(1) operator(1) orders(1)');
      await waitHealthy(chart.pods, { timeoutMs: HEALTH_TIMEOUT_MS, resolveHost: (h) => sandbox.resolve(h) });
      const r = await roles(chart.pods);
      expect({ old: r[old.name], promoted: r[replica.name]!.role }).toEqual({ old: expect.objectContaining({ role: 'replica', master: replica.name }), promoted: 'master' });
      // The returning pod re-synced from the new master (its link is up; the master lists it as replicator below).
      await waitFor(
        `${old.name} to be in sync with ${replica.name}`,
        async () => {
          const info = await old.info('replication');
          return { done: info.master_link_status === 'up', state: JSON.stringify(info) };
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      await expectReplicasAsReplicator();
      await expectNoRefusedLogin();
      await expectOrderKeys();
      expect(await aclLogAll()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "scale-out to 4 shards with the chart's own Jobs: the bootstrap Job's rebalance MIGRATEs keys as operator (AUTH2); every key stays readable",
    async () => {
      const t0 = Date.now();
      const report = await helmUpgrade(chart, [...SET, 'cluster.shards=4']);
      const ms = Date.now() - t0;
      console.log(`acl scale-out 3->4: ${ms}ms from helm upgrade to the bootstrap Job's success`);
      expect(report.added).toEqual([chart.podName(6), chart.podName(7)]);
      const out = report.bootstrap.output.join('\n');
      expect(out).toMatch(/redis-cli --cluster rebalance: Moving \d+ slots/);
      expect(out).not.toMatch(/NOPERM|WRONGPASS|NOAUTH/);
      await waitHealthy(chart.pods, { timeoutMs: HEALTH_TIMEOUT_MS, resolveHost: (h) => sandbox.resolve(h) });
      const { masters: mastersAfter, roles: r } = await masters();
      expect(mastersAfter).toHaveLength(4);
      expect(r[chart.podName(6)]).toMatchObject({ role: 'master' });
      // Keys moved onto the new master: MIGRATE worked with the operator's credentials.
      const newMaster = chart.pods[6]!;
      expect(Number(await newMaster.command('DBSIZE'))).toBeGreaterThan(20);
      // They arrived as MIGRATE's RESTORE-ASKING, run on the target as the user MIGRATE authenticated as (AUTH2 operator).
      expect(Number(/^cmdstat_restore-asking:calls=(\d+)/m.exec(String(await newMaster.command('INFO', 'commandstats')))?.[1] ?? 0)).toBeGreaterThan(0);
      await expectOrderKeys();
      await expectReplicasAsReplicator();
      await expectNoRefusedLogin();
      expect(await aclLogAll()).toEqual([]);
    },
    SCALE_TIMEOUT_MS,
  );

  it(
    'the exporter sidecar reads the metrics of a cluster node as monitor, without a refused command',
    async () => {
      const { masters: ms } = await masters();
      const pod = ms[0]!;
      const sts = chart.current.find('StatefulSet', '');
      const container = containerOf(sts, 'metrics');
      expect(envValue(container, 'REDIS_USER')).toBe('monitor');
      expect(secretRefOf(container, 'REDIS_PASSWORD')).toMatchObject({ name: 'redis-auth', key: 'monitor' });
      const sidecar = startExporterSidecar(sandbox, pod, { workload: sts, container, secret: (ref) => secretValue(ref.name, ref.key), namespace: chart.namespace });
      const metrics = await waitFor(
        `the exporter to scrape ${pod.name}`,
        async () => {
          const text = await fetch(`http://${sidecar.address}/metrics`)
            .then((x) => x.text())
            .catch((e: Error) => e.message);
          return { done: /^redis_up 1$/m.test(text), state: text.slice(0, 300), value: text };
        },
        { timeoutMs: 20_000, intervalMs: 300 },
      );
      const text = metrics.value!;
      expect(text).toMatch(/^redis_exporter_last_scrape_error\{err=""\} 0$/m);
      expect(text).toMatch(/^redis_cluster_enabled 1$/m);
      expect(text).toMatch(/^redis_cluster_state 1$/m);
      expect(text).toMatch(/^redis_cluster_slots_assigned 16384$/m);
      expect(text).toMatch(/^redis_cluster_known_nodes 8$/m);
      expect(text).toMatch(/^redis_connected_slaves 1$/m);
      // CONFIG GET as monitor: the rendered maxmemory (the exporter prints it as a float, e.g. 4.02653184e+08).
      const maxmemory = Number(/^maxmemory (\d+)$/m.exec(chart.redisConf)?.[1]);
      expect(maxmemory).toBeGreaterThan(0);
      expect(Number(/^redis_config_maxmemory (\S+)$/m.exec(text)?.[1])).toBe(maxmemory);
      const exporterLog = (await sidecar.job.kill()).output.join('\n');
      expect(exporterLog).not.toMatch(/NOPERM|WRONGPASS|NOAUTH/);
      expect(await aclLogAll()).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the backup Job dumps every master as backup',
    async () => {
      const backup = new BackupHarness(chart, path.join(sandbox.root, 'backup-volume'));
      const c = containerOf(backup.cronJob, 'backup');
      expect(envValue(c, 'REDIS_USER')).toBe('backup');
      expect(secretRefOf(c, 'REDIS_PASSWORD')).toMatchObject({ name: 'redis-auth', key: 'backup' });
      const r = await backup.startBackup('acl-backup').succeeded(120_000);
      const out = r.output.join('\n');
      const sets = readdirSync(backup.backupDir).filter((n) => /^\d{8}T\d{6}Z$/.test(n));
      expect(sets).toHaveLength(1);
      const m = backup.manifest(sets[0]!);
      const { masters: ms } = await masters();
      const ids = await Promise.all(ms.map(async (p) => String(await p.command('CLUSTER', 'MYID'))));
      expect(m.shards.map((s) => s.nodeId).sort()).toEqual(ids.sort());
      expect(m.shards.reduce((n, s) => n + s.keys, 0)).toBe(ORDER_KEYS.size);
      expect(out).toMatch(/set \S+ complete: 4 shard\(s\)/);
      expect(out).not.toMatch(/NOPERM|WRONGPASS|NOAUTH/);
      // The backup user is what makes it work: the same Job as monitor (which may not SYNC) fails, refused by ACL.
      const denied = await backup.startBackup('as-monitor', { REDIS_USER: 'monitor', REDIS_PASSWORD: secretValue('redis-auth', 'monitor') }).done;
      expect(denied.code).not.toBe(0);
      expect(readdirSync(backup.backupDir).filter((n) => /^\d{8}T\d{6}Z$/.test(n))).toHaveLength(1);
      const log = await aclLogAll();
      expect(log.length).toBeGreaterThan(0);
      for (const l of log) expect(l).toMatch(/: monitor command (sync|psync|replconf)$/);
      console.log(`roles at the end: ${rolesText(await roles(chart.pods))}`);
    },
    TEST_TIMEOUT_MS,
  );
});
