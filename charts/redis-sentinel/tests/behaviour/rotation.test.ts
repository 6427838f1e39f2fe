/**
 * Zero-downtime password rotation driven by git, on real redis-server and redis-sentinel processes:
 * each step is a new render of the chart (what Argo CD applies after a merge) and a rolling update
 * of the pods whose template changed (highest ordinal first, preStop handover, SIGTERM, a new IP,
 * the next pod once the group is whole again), under a continuous writer logging in as an
 * application user. The sequence is the RUNBOOK's ("Rotate a password"):
 *   1. the new passwords are listed next to the old ones (orders: passwordKeys [password,
 *      password-next]; system users: systemSecrets [sys-a, sys-b]) -> roll;
 *   2. the application switches to its new password; the system users move to the new Secret
 *      (systemSecrets [sys-b, sys-a]) -> roll;
 *   3. the old passwords are removed -> roll.
 * Proven: no login is refused anywhere (ACL LOG of every Redis pod and every Sentinel, read before
 * each pod goes and at the end), no write fails for authentication, no acknowledged write is
 * lost, and at the end only the new passwords work.
 * Negative control: the naive one-step change (systemSecrets [sys-b] -> [sys-c], one roll) breaks
 * replication at the first restarted replica: its replicator login is refused by the master.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commandWith, refusedLoginsOf, Sandbox, waitFor, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart, secretValue } from './redis-sentinel-chart.ts';
import { SentinelClient, startWriteLoad, waitForGroup, type LoadReport } from './sentinel-group.ts';

const TEST_TIMEOUT_MS = 600_000;
const base = (systemSecrets: string[], orderKeys: string[]) => [
  'auth.existingSecret=redis-auth',
  'sentinel.auth.existingSecret=sentinel-auth',
  'auth.acl.enabled=true',
  'auth.acl.defaultUser.enabled=false',
  `auth.acl.systemSecrets={${systemSecrets.join(',')}}`,
  'auth.acl.users[0].name=orders',
  'auth.acl.users[0].existingSecret=orders-redis',
  `auth.acl.users[0].passwordKeys={${orderKeys.join(',')}}`,
  'auth.acl.users[0].rules=~orders:* +@read +@write +wait -@dangerous',
  // A short grace period keeps the three rolls quick; the preStop handover needs a few seconds.
  'terminationGracePeriodSeconds=20',
];
const orders = (key: string) => ({ user: 'orders', password: secretValue('orders-redis', key) });

let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];
const refused: string[] = [];

/** Failed logins (ACL LOG reason auth) of a Redis pod (as the pod's own login) or a Sentinel (its password). */
async function refusedAt(pod: Pod, isSentinel: boolean): Promise<string[]> {
  const conn = isSentinel ? { host: pod.ip, port: pod.port, password: chart.sentinelPassword, connectTimeoutMs: 1000 } : pod.connection({ connectTimeoutMs: 1000 });
  return refusedLoginsOf(await commandWith(conn, 'ACL', 'LOG')).map((e) => `${pod.name}: ${e.username} refused (${e.count}x)`);
}

/** Every pod's refused logins, read now (a pod's ACL LOG dies with its process). */
async function collectRefused(pods: readonly Pod[], isSentinel: boolean): Promise<void> {
  for (const p of pods) if (p.running) refused.push(...(await refusedAt(p, isSentinel)));
}

/** Keys of `expected` missing from (or different on) `pod`, read as the orders user with its new password. */
async function missingAs(pod: Pod, expected: ReadonlyMap<string, string>): Promise<string[]> {
  const keys = [...expected.keys()];
  const missing: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const got = (await commandWith({ host: pod.ip, port: pod.port, username: 'orders', password: orders('password-next').password, commandTimeoutMs: 10_000 }, 'MGET', ...batch)) as Array<
      string | null
    >;
    batch.forEach((k, j) => {
      if (got[j] !== expected.get(k)) missing.push(k);
    });
  }
  return missing;
}

/** The rolling update to `next`: the Sentinels' StatefulSet (if its template changed), then the Redis pods, each whole before the next. */
async function rollTo(next: RedisSentinelChart, what: string): Promise<void> {
  const template = (c: RedisSentinelChart, suffix: string) => JSON.stringify(c.objects.find((o) => o.kind === 'StatefulSet' && String(o.metadata.name).endsWith(suffix))!.spec.template);
  const steps: Array<[Pod[], boolean]> = [];
  if (template(chart, '-sentinel') !== template(next, '-sentinel')) steps.push([sentinels, true]);
  if (template(chart, '-node') !== template(next, '-node')) steps.push([redis, false]);
  expect({ what, rolled: steps.length }).not.toEqual({ what, rolled: 0 });
  for (const [pods, isSentinel] of steps) {
    for (const pod of [...pods].reverse()) {
      await collectRefused([pod], isSentinel);
      const report = await chart.rollPod(pod, next);
      expect({ pod: pod.name, preStopError: report.preStopError }).toEqual({ pod: pod.name, preStopError: undefined });
      await waitForGroup(redis, sentinels, chart.masterSet, `${what}: ${pod.name} back and the group whole`, 120_000, () => sandbox.describe(30));
    }
  }
  chart = next;
}

/** Write errors that mean a login was refused or a permission missing: never allowed. */
const authErrors = (r: LoadReport) => Object.entries(r.errors).filter(([k]) => /WRONGPASS|NOAUTH|NOPERM|invalid username/i.test(k));

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-rotation', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  chart = await RedisSentinelChart.render(sandbox, { set: base(['sys-a'], ['password']) });
  ({ redis, sentinels } = await chart.createPods());
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
  await waitForGroup(redis, sentinels, chart.masterSet, 'the group to form', 90_000, () => sandbox.describe(30));
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('password rotation with ACL users (the RUNBOOK sequence, one roll per step)', () => {
  it(
    'rotates the application and the system passwords under a continuous writer: no login refused, no write lost, only the new passwords work at the end',
    async () => {
      const figures: string[] = [];
      let client = new SentinelClient(() => sentinels, chart.masterSet, orders('password').password, 'orders');
      let load = startWriteLoad(client, 'orders:a', 1, 2000);
      const reports: LoadReport[] = [];
      const t0 = Date.now();

      await rollTo(await RedisSentinelChart.render(sandbox, { set: base(['sys-a', 'sys-b'], ['password', 'password-next']) }), 'step 1 (add the new passwords)');
      figures.push(`step 1 rolled in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
      // Step 2: the application moves to its new password (no roll for that), the system users move to sys-b (a roll).
      reports.push(await load.stop());
      client.close();
      client = new SentinelClient(() => sentinels, chart.masterSet, orders('password-next').password, 'orders');
      load = startWriteLoad(client, 'orders:b', 1, 2000);
      const t1 = Date.now();
      await rollTo(await RedisSentinelChart.render(sandbox, { set: base(['sys-b', 'sys-a'], ['password', 'password-next']) }), 'step 2 (log in with the new passwords)');
      figures.push(`step 2 rolled in ${((Date.now() - t1) / 1000).toFixed(0)}s`);
      const t2 = Date.now();
      await rollTo(await RedisSentinelChart.render(sandbox, { set: base(['sys-b'], ['password-next']) }), 'step 3 (remove the old passwords)');
      figures.push(`step 3 rolled in ${((Date.now() - t2) / 1000).toFixed(0)}s`);
      await waitFor('writes to go on after the last roll', () => ({ done: load.acknowledgedCount() > 20, state: String(load.acknowledgedCount()) }), { timeoutMs: 30_000, intervalMs: 200 });
      reports.push(await load.stop());
      client.close();

      await collectRefused(redis, false);
      await collectRefused(sentinels, true);
      const { master, replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group after the rotation', 60_000);
      const attempted = reports.reduce((n, r) => n + r.attempted, 0);
      const failed = reports.reduce((n, r) => n + r.failed, 0);
      const kinds = reports.flatMap((r) => Object.entries(r.errors).map(([k, n]) => `${n}x ${k}`));
      console.log(
        `password rotation (3 rolls of ${redis.length} Redis pods and ${sentinels.length} Sentinels, ${((Date.now() - t0) / 1000).toFixed(0)}s): ${figures.join(', ')}; ` +
          `writes as orders ${attempted - failed} acknowledged by the master and 1 replica, ${failed} failed (${kinds.join('; ') || 'none'}); refused logins: ${refused.length}`,
      );
      expect(refused).toEqual([]);
      expect(reports.flatMap(authErrors)).toEqual([]);
      for (const r of reports) expect(r.acknowledged.size).toBeGreaterThan(0);
      // Read back as orders (the scripts' operator user may not read data).
      for (const r of reports) for (const p of [master, ...replicas]) expect({ pod: p.name, missing: await missingAs(p, r.acknowledged) }).toEqual({ pod: p.name, missing: [] });
      // Only the new passwords work now: AUTH succeeds (the command after it may be NOPERM for a system user) or is refused.
      const login = (user: string, password: string) =>
        commandWith({ host: master.ip, port: master.port, username: user, password, connectTimeoutMs: 1000 }, 'PING').then(
          () => 'logged in',
          (e: Error) => (/NOPERM/.test(e.message) ? 'logged in' : e.message),
        );
      expect(await login('orders', orders('password').password)).toMatch(/WRONGPASS/);
      expect(await login('orders', orders('password-next').password)).toBe('logged in');
      for (const user of ['replicator', 'sentinel', 'monitor', 'backup', 'operator']) {
        expect({ user, old: await login(user, secretValue('sys-a', user)), next: await login(user, secretValue('sys-b', user)) }).toEqual({
          user,
          old: expect.stringMatching(/WRONGPASS/),
          next: 'logged in',
        });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'negative control: replacing the system Secret in one step breaks replication at the first restarted replica (the master refuses its logins)',
    async () => {
      const { master, replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', 60_000);
      const naive = await RedisSentinelChart.render(sandbox, { set: base(['sys-c'], ['password-next']) });
      // The StatefulSet controller rolls the highest ordinal first; take the highest replica, as it would when that one is a replica.
      const replica = [...replicas].sort((a, b) => b.name.localeCompare(a.name))[0]!;
      await master.command('ACL', 'LOG', 'RESET');
      await chart.rollPod(replica, naive);
      // The new pod's logins (its scripts as operator, its replication as replicator) carry passwords
      // the master does not know: it cannot even confirm who the master is, waits safely as a
      // read-only candidate and says why, and does not replicate; the master logs the refusals.
      const broken = await waitFor(
        `${replica.name} (restarted with only the new passwords) to be refused by ${master.name}`,
        async () => {
          const log = await refusedAt(master, false);
          const info = await replica.info('replication').catch(() => ({}) as Record<string, string>);
          return { done: log.some((l) => /(replicator|operator) refused/.test(l)) && info.master_link_status === 'down', state: `${log.join('; ')} link ${info.master_link_status}`, value: info };
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(broken.value!.master_link_status).toBe('down');
      await new Promise((r) => setTimeout(r, 5000));
      expect((await replica.info('replication')).master_link_status).toBe('down');
      expect(replica.lastLines(200).join('\n')).toMatch(/WRONGPASS/);
    },
    TEST_TIMEOUT_MS,
  );
});
