/**
 * Zero-downtime password rotation driven by git, on a real Redis Cluster started by the chart's
 * own scripts: each step is a new render of the chart (what Argo CD applies after a merge) and a
 * StatefulSet rolling update (highest ordinal first; preStop handover, SIGTERM, a new IP, the next
 * pod once readiness.sh passes), under a continuous writer (a cluster client following MOVED)
 * logging in as the application user `orders`. The sequence is the RUNBOOK's ("Rotate a
 * password"): (1) the new passwords next to the old ones -> roll; (2) the application switches,
 * the system users move to the new Secret -> roll; (3) the old passwords go -> roll.
 * Proven: no login refused on any pod (ACL LOG, read before each pod goes and at the end), no write
 * refused for authentication, every acknowledged write readable, only the new passwords work.
 * Negative control: the one-step change (systemSecrets [sys-b] -> [sys-c]) breaks replication at
 * the first restarted replica: its master refuses the replicator login.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { acknowledgedMap, ClusterClient, commandWith, refusedLoginsOf, roles, Sandbox, startWriteLoad, waitFor, type Pod, type WriteLoadReport } from '@redis-gitops/redis-testkit';
import { assertWholeCluster, installCluster, rollingRestart } from './operations.ts';
import { type RedisClusterChart, secretValue } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 600_000;
const base = (systemSecrets: string[], orderKeys: string[]) => [
  'auth.acl.enabled=true',
  `auth.acl.systemSecrets={${systemSecrets.join(',')}}`,
  'auth.acl.users[0].name=orders',
  'auth.acl.users[0].existingSecret=orders-redis',
  `auth.acl.users[0].passwordKeys={${orderKeys.join(',')}}`,
  'auth.acl.users[0].rules=~* +@read +@write +wait -@dangerous',
];
const orders = (key: string) => secretValue('orders-redis', key);

let sandbox: Sandbox;
let chart: RedisClusterChart;
const refused: string[] = [];

/** Failed logins (ACL LOG reason auth) on a pod (read as the harness's own login). */
async function refusedAt(pod: Pod): Promise<string[]> {
  return refusedLoginsOf(await pod.command('ACL', 'LOG')).map((e) => `${pod.name}: ${e.username} refused (${e.count}x)`);
}

/** The StatefulSet rolling update to the revision rendered with `set`. */
async function rollTo(set: string[], what: string): Promise<number> {
  chart.applyTemplateChange(await chart.renderRevision(set));
  const roll = await rollingRestart(chart, {
    before: async (pod) => refused.push(...(await refusedAt(pod))),
    after: (pod, step) => expect({ what, pod: pod.name, preStopError: step.stop.preStopError }).toEqual({ what, pod: pod.name, preStopError: undefined }),
  });
  return roll.totalMs;
}

function writer(password: string, prefix: string) {
  const client = new ClusterClient({ seeds: () => chart.allPods.filter((p) => p.running).map((p) => p.address), username: 'orders', password });
  const load = startWriteLoad({ client, keysPrefix: prefix, ratePerSec: 100, waitReplicas: 0, waitTimeoutMs: 1000 });
  return {
    async stop(): Promise<WriteLoadReport> {
      await load.stop();
      client.close();
      return load.done;
    },
  };
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'cluster-rotation' });
  ({ chart } = await installCluster(sandbox, { set: base(['sys-a'], ['password']) }));
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('password rotation with ACL users (the RUNBOOK sequence, one roll per step)', () => {
  it(
    'rotates the application and the system passwords under a continuous writer: no login refused, no write lost, only the new passwords work at the end',
    async () => {
      const reports: WriteLoadReport[] = [];
      let w = writer(orders('password'), 'rot-a');
      const ms1 = await rollTo(base(['sys-a', 'sys-b'], ['password', 'password-next']), 'step 1');
      reports.push(await w.stop());
      w = writer(orders('password-next'), 'rot-b');
      const ms2 = await rollTo(base(['sys-b', 'sys-a'], ['password', 'password-next']), 'step 2');
      const ms3 = await rollTo(base(['sys-b'], ['password-next']), 'step 3');
      reports.push(await w.stop());
      for (const p of chart.pods) refused.push(...(await refusedAt(p)));
      const attempted = reports.reduce((n, r) => n + r.attempted, 0);
      const failed = reports.reduce((n, r) => n + r.failed.length, 0);
      const kinds = reports.flatMap((r) => Object.entries(r.errorCounts).map(([k, n]) => `${n}x ${k}`));
      console.log(
        `password rotation (3 rolls of ${chart.pods.length} pods: ${(ms1 / 1000).toFixed(0)}s, ${(ms2 / 1000).toFixed(0)}s, ${(ms3 / 1000).toFixed(0)}s): ` +
          `writes as orders ${attempted - failed} acknowledged, ${failed} failed (${kinds.join('; ') || 'none'}); refused logins: ${refused.length}`,
      );
      expect(refused).toEqual([]);
      expect(reports.flatMap((r) => Object.keys(r.errorCounts).filter((k) => /WRONGPASS|NOAUTH|NOPERM|invalid username/i.test(k)))).toEqual([]);
      for (const r of reports) expect(r.acknowledged.length).toBeGreaterThan(0);
      await assertWholeCluster(chart, reports.map(acknowledgedMap), 'after the rotation');
      const pod0 = chart.pods[0]!;
      const login = (user: string, password: string) =>
        commandWith({ host: pod0.ip, port: pod0.port, username: user, password, connectTimeoutMs: 1000 }, 'PING').then(
          () => 'logged in',
          (e: Error) => (/NOPERM/.test(e.message) ? 'logged in' : e.message),
        );
      expect(await login('orders', orders('password'))).toMatch(/WRONGPASS/);
      expect(await login('orders', orders('password-next'))).toBe('logged in');
      for (const user of ['replicator', 'monitor', 'backup', 'operator']) {
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
    'negative control: replacing the system Secret in one step breaks replication at the first restarted replica (its master refuses the replicator login)',
    async () => {
      const r = await roles(chart.pods);
      const replica = [...chart.pods].reverse().find((p) => r[p.name]?.role === 'replica')!;
      const master = chart.pods.find((p) => p.name === r[replica.name]!.master)!;
      await master.command('ACL', 'LOG', 'RESET');
      chart.applyTemplateChange(await chart.renderRevision(base(['sys-c'], ['password-next'])));
      await chart.deletePod(replica);
      await chart.startNode(replica);
      const broken = await waitFor(
        `${master.name} to refuse ${replica.name}'s replicator login`,
        async () => {
          const log = await refusedAt(master);
          const info = await replica.info('replication').catch(() => ({}) as Record<string, string>);
          return { done: log.some((l) => /replicator refused/.test(l)) && info.master_link_status === 'down', state: `${log.join('; ')} link ${info.master_link_status}`, value: info };
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(broken.value!.master_link_status).toBe('down');
      await new Promise((res) => setTimeout(res, 5000));
      expect((await replica.info('replication')).master_link_status).toBe('down');
    },
    TEST_TIMEOUT_MS,
  );
});
