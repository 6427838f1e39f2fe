/**
 * ACL users (auth.acl) on real redis-server and redis-sentinel processes started by the chart's own
 * scripts, the default user disabled as production requires:
 *   - every system role logs in as its own user, and only as it: replicas as `replicator`
 *     (masteruser), the Sentinels as `sentinel` (auth-user towards Redis, sentinel-user between
 *     Sentinels), the scripts as `operator`, the exporter sidecar as `monitor`, the backup Job as
 *     `backup`; the masters' CLIENT LIST shows who is connected as whom, and ACL LOG shows that
 *     nobody was refused;
 *   - each application user can run exactly what its rules allow, and gets NOPERM otherwise;
 *   - a failover (the master's pod deleted) and the re-sync of the replicas work with those users.
 * The harness gives every Secret key a password of its own, so a container that read the wrong
 * key could not log in.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commandWith, containerOf, refusedLoginsOf, Sandbox, startExporterSidecar, startHaproxyPod, waitFor, type Pod, type RespValue } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart, secretValue } from './redis-sentinel-chart.ts';
import { SentinelClient, waitForGroup } from './sentinel-group.ts';

const TEST_TIMEOUT_MS = 180_000;
const ORDERS = { user: 'orders', password: secretValue('orders-redis', 'password') };
const REPORTS = { user: 'reports', password: secretValue('redis-auth', 'reports-password') };
const SET = [
  'auth.existingSecret=redis-auth',
  'auth.acl.enabled=true',
  'auth.acl.defaultUser.enabled=false',
  'auth.acl.users[0].name=orders',
  'auth.acl.users[0].existingSecret=orders-redis',
  'auth.acl.users[0].passwordKeys={password}',
  'auth.acl.users[0].rules=~orders:* &orders:* +@read +@write +publish +wait -@dangerous',
  'auth.acl.users[1].name=reports',
  'auth.acl.users[1].passwordKeys={reports-password}',
  'auth.acl.users[1].rules=%R~orders:* +@read -@dangerous',
  'sentinel.auth.existingSecret=sentinel-auth',
  'backup.enabled=true',
  'metrics.enabled=true',
  'haproxy.enabled=true',
];

let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];

/** One command as `who` against `pod`: the reply, or the error text (NOPERM ..., WRONGPASS ...). */
async function as(who: { user: string; password: string }, pod: Pod, ...args: string[]): Promise<RespValue | string> {
  try {
    return await commandWith({ host: pod.ip, port: pod.port, username: who.user, password: who.password, connectTimeoutMs: 1000, commandTimeoutMs: 3000 }, ...args);
  } catch (e) {
    return (e as Error).message;
  }
}

/** The master's clients (CLIENT LIST): address, ACL user, client name and flags (S: a replica's replication link). */
async function clientUsers(master: Pod): Promise<Array<{ addr: string; user: string; name: string; flags: string }>> {
  const text = String(await master.command('CLIENT', 'LIST'));
  return text
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .map((c) => ({ addr: String(c.addr), user: String(c.user), name: String(c.name), flags: String(c.flags) }));
}

/** ACL LOG entries of failed logins (reason auth), as "username@client-addr". */
async function refusedLogins(pod: Pod): Promise<string[]> {
  return refusedLoginsOf(await pod.command('ACL', 'LOG')).map((e) => `${e.username}@${e.clientAddr}`);
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-acl', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  chart = await RedisSentinelChart.render(sandbox, { set: SET });
  chart.backupDir = path.join(sandbox.root, 'backup-volume');
  mkdirSync(chart.backupDir);
  ({ redis, sentinels } = await chart.createPods());
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('redis-sentinel with auth.acl (default user disabled)', () => {
  it(
    'renders the users without passwords, and every pod starts with them: the scripts log what they configured',
    async () => {
      expect(chart.usersAcl).toMatch(/^user default off /m);
      expect(chart.usersAcl).toMatch(/^user orders on ~orders:\* &orders:\* \+@read \+@write \+publish \+wait -@dangerous$/m);
      expect(chart.usersAcl).not.toMatch(/pw-/);
      expect(chart.redisUser).toBe('operator');
      const { master } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to form with ACL users', 90_000, () => sandbox.describe(30));
      expect(master).toBe(redis[0]);
      expect(master.lastLines(400).join('\n')).toMatch(/acl users: default\(off\) replicator\(1\) sentinel\(1\) monitor\(1\) backup\(1\) operator\(1\) orders\(1\) reports\(1\)/);
      expect(sentinels[0]!.lastLines(400).join('\n')).toMatch(/acl user sentinel \(1 password\(s\)\)/);
      // Nobody gets in as default, with or without a password.
      expect(await commandWith({ host: master.ip, port: master.port, connectTimeoutMs: 1000 }, 'PING').catch((e: Error) => e.message)).toMatch(/NOAUTH/);
      expect(await commandWith({ host: master.ip, port: master.port, password: secretValue('redis-auth', 'redis-password'), connectTimeoutMs: 1000 }, 'PING').catch((e: Error) => e.message)).toMatch(
        /WRONGPASS/,
      );
      // That refusal is the only one in ACL LOG (which the operator user may read); the later tests start from an empty log.
      expect(await refusedLogins(master)).toEqual([expect.stringMatching(/^default@/)]);
      for (const p of redis) await p.command('ACL', 'LOG', 'RESET');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'each system role is connected as its own user: replicas as replicator, Sentinels as sentinel; nobody was refused',
    async () => {
      const { master, replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', 60_000);
      const clients = await clientUsers(master);
      // Replication links (flags S), one per replica, as replicator.
      const replicaClients = clients.filter((c) => c.flags.includes('S'));
      expect(replicaClients).toHaveLength(replicas.length);
      expect(new Set(replicaClients.map((c) => c.user))).toEqual(new Set(['replicator']));
      // Each Sentinel holds a command and a pub/sub link to the master (named sentinel-<id>-cmd/-pubsub), as sentinel.
      const sentinelClients = clients.filter((c) => c.name.startsWith('sentinel-'));
      expect(sentinelClients.length).toBe(2 * sentinels.length);
      expect(new Set(sentinelClients.map((c) => c.user))).toEqual(new Set(['sentinel']));
      // The Sentinels authenticate to each other as sentinel (sentinel-user); a peer without the
      // password is refused by them.
      const s0 = sentinels[0]!;
      const peers = String(await commandWith({ host: s0.ip, port: s0.port, password: chart.sentinelPassword, connectTimeoutMs: 1000 }, 'CLIENT', 'LIST'))
        .split('\n')
        .filter((l) => / name=sentinel-/.test(l));
      // One command link from each of the other Sentinels (their hellos go through the master's channel).
      expect(peers).toHaveLength(sentinels.length - 1);
      for (const l of peers) expect(l).toMatch(/ user=sentinel /);
      for (const p of [...redis]) expect({ pod: p.name, refused: await refusedLogins(p) }).toEqual({ pod: p.name, refused: [] });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'application users can do exactly what their rules allow (NOPERM otherwise)',
    async () => {
      const { master, replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', 60_000);
      expect(await as(ORDERS, master, 'SET', 'orders:1', 'paid')).toBe('OK');
      expect(await as(ORDERS, master, 'GET', 'orders:1')).toBe('paid');
      expect(await as(ORDERS, master, 'SET', 'invoices:1', 'x')).toMatch(/NOPERM .*key/);
      expect(await as(ORDERS, master, 'FLUSHALL')).toMatch(/NOPERM .*flushall/i);
      expect(await as(ORDERS, master, 'KEYS', '*')).toMatch(/NOPERM/);
      expect(await as(ORDERS, master, 'CONFIG', 'SET', 'maxmemory', '1')).toMatch(/NOPERM/);
      expect(await as(ORDERS, master, 'PUBLISH', 'orders:events', 'hi')).toBe(0);
      expect(await as(ORDERS, master, 'PUBLISH', 'billing:events', 'hi')).toMatch(/NOPERM .*channel/);
      // reports: read-only, orders:* only (%R~), on a replica too.
      await waitFor('orders:1 to reach the replicas', async () => ({ done: (await as(REPORTS, replicas[0]!, 'GET', 'orders:1')) === 'paid', state: 'not yet' }), {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      expect(await as(REPORTS, master, 'SET', 'orders:2', 'x')).toMatch(/NOPERM/);
      expect(await as(REPORTS, master, 'GET', 'invoices:1')).toMatch(/NOPERM .*key/);
      // A wrong password is refused, and the refusal is in ACL LOG.
      expect(await as({ user: 'orders', password: 'not-the-password' }, master, 'PING')).toMatch(/WRONGPASS/);
      expect(await refusedLogins(master)).toEqual([expect.stringMatching(/^orders@/)]);
      await master.command('ACL', 'LOG', 'RESET');
      // The system users cannot touch data.
      for (const user of ['replicator', 'sentinel', 'monitor', 'backup', 'operator']) {
        const who = { user, password: secretValue('redis-auth', user) };
        expect({ user, get: await as(who, master, 'GET', 'orders:1') }).toEqual({ user, get: expect.stringMatching(/NOPERM/) });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the exporter sidecar reads every metric as monitor, and the backup Job dumps the master as backup',
    async () => {
      const { master } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', 60_000);
      const sts = chart.objects.find((o) => o.kind === 'StatefulSet' && String(o.metadata.name).endsWith('-node'))!;
      const sidecar = startExporterSidecar(sandbox, master, { workload: sts, container: containerOf(sts, 'metrics'), secret: (r) => secretValue(r.name, r.key), namespace: chart.namespace });
      const metrics = await waitFor(
        'the exporter to scrape the master',
        async () => {
          const text = await fetch(`http://${sidecar.address}/metrics`)
            .then((r) => r.text())
            .catch((e: Error) => e.message);
          return { done: /^redis_up 1$/m.test(text), state: text.slice(0, 300), value: text };
        },
        { timeoutMs: 20_000, intervalMs: 300 },
      );
      const text = metrics.value!;
      expect(text).toMatch(/^redis_connected_slaves 2$/m);
      expect(text).toMatch(/^redis_config_maxmemory [1-9]/m);
      expect(text).toMatch(/^redis_exporter_last_scrape_error\{err=""\} 0$/m);
      // The exporter logs every command Redis refused it; there must be none.
      const exporterLog = (await sidecar.job.kill()).output.join('\n');
      expect(exporterLog).not.toMatch(/NOPERM|WRONGPASS|NOAUTH/);
      const r = await chart.startBackup('acl-backup').succeeded(90_000);
      expect(r.output.join('\n')).toMatch(new RegExp(`name master ${master.ip}:6379`));
      expect(readdirSync(chart.backupDir!).filter((n) => /^\d{8}T\d{6}Z$/.test(n))).toHaveLength(1);
      expect(await refusedLogins(master)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "HAProxy's health checks log in as monitor (AUTH <user> <password> from the rendered haproxy.cfg): the write port reaches the master",
    async () => {
      const { master } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', 60_000);
      const deployment = chart.objects.find((o) => o.kind === 'Deployment' && String(o.metadata.name).endsWith('-haproxy'))!;
      expect(String(chart.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === deployment.metadata.name)!.data['haproxy.cfg'])).toMatch(/AUTH.*env\(REDIS_USER\)/);
      const dns = await sandbox.startDnsServer({ domain: 'cluster.local' });
      const proxy = await startHaproxyPod(sandbox, {
        name: `${deployment.metadata.name}-0`,
        workload: deployment,
        configMaps: chart.objects.filter((o) => o.kind === 'ConfigMap'),
        secret: (r) => secretValue(r.name, r.key),
        namespace: chart.namespace,
        dns,
      });
      // The write backend has one server UP only when the check's AUTH, then INFO replication, passed on the master.
      const active = await waitFor(
        'HAProxy to mark the master UP',
        async () => {
          const text = await fetch(`http://${proxy.ip}:${proxy.ports.metrics!}/metrics`)
            .then((r) => r.text())
            .catch((e: Error) => e.message);
          const n = Number(/^haproxy_backend_active_servers\{proxy="redis-master"\} (\d+)$/m.exec(text)?.[1]);
          return { done: n === 1, state: `${n}\n${proxy.job.describe(10)}`, value: n };
        },
        { timeoutMs: 20_000, intervalMs: 300 },
      );
      expect(active.value).toBe(1);
      expect(await commandWith({ host: proxy.ip, port: proxy.ports.redis!, username: ORDERS.user, password: ORDERS.password }, 'SET', 'orders:via-haproxy', '1')).toBe('OK');
      expect(await as(ORDERS, master, 'GET', 'orders:via-haproxy')).toBe('1');
      expect(await refusedLogins(master)).toEqual([]);
      await proxy.job.kill();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails over with only these users: the Sentinels promote a replica, the other re-syncs as replicator, orders writes on',
    async () => {
      const { master: old } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', 60_000);
      const client = new SentinelClient(() => sentinels, chart.masterSet, ORDERS.password, ORDERS.user);
      await client.set('orders:before', '1', 2, 2000);
      const oldAddress = old.address;
      await chart.deletePodHard(old);
      const promoted = await waitFor(
        'the Sentinels to promote a replica',
        async () => {
          const addr = await client.discover().catch(() => '');
          return { done: addr !== '' && addr !== oldAddress, state: addr, value: addr };
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      await chart.start(old);
      const { master, replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to heal after the failover', 120_000, () => sandbox.describe(30));
      expect(master.address).toBe(promoted.value);
      client.close();
      const after = new SentinelClient(() => sentinels, chart.masterSet, ORDERS.password, ORDERS.user);
      await after.set('orders:after', '1', 2, 5000);
      expect(await after.get('orders:before')).toBe('1');
      after.close();
      const links = (await clientUsers(master)).filter((c) => c.flags.includes('S'));
      expect(links).toHaveLength(replicas.length);
      expect(new Set(links.map((c) => c.user))).toEqual(new Set(['replicator']));
      for (const p of redis) expect({ pod: p.name, refused: await refusedLogins(p) }).toEqual({ pod: p.name, refused: [] });
    },
    TEST_TIMEOUT_MS,
  );
});
