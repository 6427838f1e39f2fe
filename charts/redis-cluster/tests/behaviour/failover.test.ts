/**
 * Failover and address-change behaviour of the chart's own pod scripts (start-node.sh, rejoin.sh,
 * join-cluster.sh, readiness.sh, liveness.sh) on real redis-server processes: "deleting a pod" is
 * SIGKILL, then start-node.sh again with the same data dir on a new loopback IP; "losing a
 * volume" also empties the data dir. The scenarios run in order on one cluster. Figures are
 * printed, never asserted: timeouts are generous upper bounds only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  engineLabel,
  acknowledgedMap,
  ClusterClient,
  keysPresent,
  makeKeySet,
  roles,
  redisEngine,
  rolesText,
  Sandbox,
  startWriteLoad,
  waitFor,
  writeKeys,
  writeLoadText,
  type Pod,
  type PodRole,
  type WriteLoadReport,
} from '@redis-gitops/redis-testkit';
import { assertWholeCluster, installCluster, killMasterAndWaitPromotion, linesSinceLastStart, restartAllOnNewIps } from './operations.ts';
import { RedisClusterChart } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 180_000;

let sandbox: Sandbox;
let chart: RedisClusterChart;
let pods: Pod[];
const keys = makeKeySet('known', 2000);
/** Writes acknowledged by a master AND one replica (WAIT 1) during the failover. */
let acked = new Map<string, string>();
const figures: string[] = [];

const figure = (text: string) => {
  figures.push(text);
  console.log(text);
};

/** Full health, every key (known set + acknowledged load writes) present, and the chart's own probes pass. */
async function expectWholeCluster(what: string): Promise<number> {
  const { report, elapsedMs } = await assertWholeCluster(chart, [keys, acked], what);
  expect(report.problems).toEqual([]);
  return elapsedMs;
}

function sameRoles(before: Record<string, PodRole>, after: Record<string, PodRole>): void {
  const shape = (r: Record<string, PodRole>) => Object.fromEntries(Object.entries(r).map(([n, x]) => [n, { role: x.role, master: x.master, slots: x.slots, nodeId: x.nodeId }]));
  expect(shape(after)).toEqual(shape(before));
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'chart-failover' });
  ({ chart } = await installCluster(sandbox));
  pods = chart.pods;
  await writeKeys(pods, keys);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  if (figures.length > 0) console.log(`measured figures (${engineLabel()}, cluster-node-timeout from the chart):\n  ${figures.join('\n  ')}`);
});

describe('redis-cluster pods (start-node.sh and friends) under failures', () => {
  it(
    'starts healthy: 3 masters + 3 replicas, 2000 keys over all slots',
    async () => {
      await expectWholeCluster('after bootstrap');
      const r = await roles(pods);
      expect(Object.values(r).filter((x) => x.role === 'master')).toHaveLength(3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGKILL of a master: its replica is promoted and every key stays readable',
    async () => {
      const master = pods[0]!;
      expect((await roles(pods))[pods[1]!.name]!.master).toBe(master.name);
      const client = ClusterClient.forPods(pods);
      const load = startWriteLoad({ client, keysPrefix: 'load', ratePerSec: 100, waitReplicas: 1, waitTimeoutMs: 500 });
      await new Promise((r) => setTimeout(r, 1000));
      const { replica, deadIp, promotedMs, consistentMs } = await killMasterAndWaitPromotion(chart, master);
      expect(replica).toBe(pods[1]);
      figure(`failover: ${replica.name} promoted ${promotedMs}ms after SIGKILL of master ${master.name} (${deadIp})`);
      figure(`failover: all survivors consistent (cluster_state:ok, slots served by live pods) ${consistentMs}ms after SIGKILL`);
      const survivors = pods.filter((p) => p !== master);
      for (const p of survivors) expect(((await p.info('replication')).role === 'master') === [pods[2], pods[4], replica].includes(p)).toBe(true);

      // Let the load run on the new master for a moment, then stop it.
      await new Promise((r) => setTimeout(r, 1000));
      const report: WriteLoadReport = await load.stop();
      client.close();
      acked = acknowledgedMap(report);
      figure(`failover: write load 100/s, acknowledged = OK + WAIT 1 confirmed by a replica: ${writeLoadText(report)}`);
      expect(report.acknowledged.length).toBeGreaterThan(0);

      const present = await keysPresent(survivors, keys);
      expect(present.summary).toBe('2000/2000 keys present with the expected value');
      expect((await keysPresent(survivors, acked)).summary).toBe(`${acked.size}/${acked.size} keys present with the expected value`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the old master returns on a new IP: it rejoins as a replica of the new master, with its own address correct',
    async () => {
      const old = pods[0]!;
      const newMaster = pods[1]!;
      const oldIp = old.ip;
      const t0 = Date.now();
      await old.restart({ newIp: true });
      expect(old.ip).not.toBe(oldIp);
      const elapsed = await expectWholeCluster('old master back');
      figure(`rejoin: old master ${old.name} back on ${old.ip} (was ${oldIp}) fully healthy ${Date.now() - t0}ms after its restart (health wait ${elapsed}ms)`);
      const r = await roles(pods);
      expect(r[old.name]).toMatchObject({ role: 'replica', master: newMaster.name });
      expect(r[newMaster.name]).toMatchObject({ role: 'master', slots: '0-5460' });
      const nodes = String(await old.command('CLUSTER', 'NODES'));
      expect(nodes).toContain(`${old.ip}:6379@16379`);
      for (const p of pods) expect(JSON.stringify(await p.command('CLUSTER', 'SLOTS'))).not.toContain(`"${oldIp}"`);
      await expect(old.waitForLog(new RegExp(`own IP ${oldIp.replace(/\./g, '\\.')} -> ${old.ip.replace(/\./g, '\\.')}`), 1000)).resolves.toBeDefined();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a master back before cluster-node-timeout keeps its role and gets its address fixed',
    async () => {
      const master = pods[2]!;
      const before = await roles(pods);
      expect(before[master.name]!.role).toBe('master');
      const oldIp = master.ip;
      const t0 = Date.now();
      await master.restart({ newIp: true });
      const downMs = Date.now() - t0;
      const elapsed = await expectWholeCluster('master back quickly');
      figure(`quick return: master ${master.name} down ${downMs}ms (SIGKILL to listening on ${master.ip}), fully healthy ${Date.now() - t0}ms after SIGKILL (health wait ${elapsed}ms)`);
      sameRoles(before, await roles(pods));
      for (const p of pods) expect(JSON.stringify(await p.command('CLUSTER', 'SLOTS'))).not.toContain(`"${oldIp}"`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'every pod returns at once on new IPs: the cluster converges with roles unchanged and every key',
    async () => {
      const before = await roles(pods);
      const oldIps = pods.map((p) => p.ip);
      const { listeningMs, healthyMs } = await restartAllOnNewIps(chart);
      for (const [i, p] of pods.entries()) expect(p.ip).not.toBe(oldIps[i]);
      await expectWholeCluster('full restart on new IPs');
      figure(`full restart (all 6 pods on new IPs): all listening after ${listeningMs}ms, fully healthy ${healthyMs}ms after the restart began`);
      sameRoles(before, await roles(pods));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'every pod returns at once with the IPs shuffled among the old ones: no noaddr, roles unchanged, every key',
    async () => {
      const before = await roles(pods);
      const oldIps = pods.map((p) => p.ip);
      // Pod i gets pod i+1's old address: every address is reused, by another node.
      const { listeningMs, healthyMs } = await restartAllOnNewIps(
        chart,
        pods.map((_, i) => oldIps[(i + 1) % pods.length]!),
      );
      for (const [i, p] of pods.entries()) expect(p.ip).toBe(oldIps[(i + 1) % pods.length]);
      await expectWholeCluster('full restart, shuffled IPs');
      figure(`full restart (IPs shuffled among the old ones): all listening after ${listeningMs}ms, fully healthy ${healthyMs}ms after the restart began`);
      sameRoles(before, await roles(pods));
      console.log(`roles after the shuffled restart: ${rolesText(await roles(pods))}`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a replica that lost its volume takes its old node ID back from the cluster and resyncs from its master: no ghost node ID',
    async () => {
      const pod = pods[3]!;
      const before = await roles(pods);
      expect(before[pod.name]).toMatchObject({ role: 'replica', master: pods[2]!.name });
      const oldId = before[pod.name]!.nodeId;
      const t0 = Date.now();
      await loseVolume(pod);
      await pod.restart({ newIp: true });
      // No bootstrap Job run: start-node.sh alone must leave the cluster whole.
      const elapsed = await expectWholeCluster('after a lost volume');
      figure(`lost volume: ${pod.name} back under its old node ID and the cluster whole ${Date.now() - t0}ms after its deletion (health wait ${elapsed}ms)`);
      const after = await roles(pods);
      expect(after[pod.name]).toMatchObject({ role: 'replica', master: before[pod.name]!.master, nodeId: oldId });
      await expect(pod.waitForLog(new RegExp(`the cluster knows this pod as node ${oldId} .*rebuilt nodes\\.conf`), 1000)).resolves.toBeDefined();
      // Every node knows the pod once, under its old ID, at its new address.
      for (const p of pods) {
        const lines = String(await p.command('CLUSTER', 'NODES'))
          .split('\n')
          .filter((l) => l.includes(pod.ip) || l.startsWith(oldId));
        expect({ on: p.name, lines: lines.length, id: lines[0]?.split(' ')[0] }).toEqual({ on: p.name, lines: 1, id: oldId });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a replica that lost its volume and is killed again right after its first start still ends in its shard, under its old node ID',
    async () => {
      const pod = pods[5]!;
      const before = await roles(pods);
      expect(before[pod.name]).toMatchObject({ role: 'replica', master: pods[4]!.name });
      await loseVolume(pod);
      await pod.restart({ newIp: true }); // killed again right after its first start
      await pod.kill();
      await pod.restart({ newIp: true });
      await waitFor(
        `${pod.name} (new node, second start) to be joined as a replica of ${before[pod.name]!.master}`,
        async () => {
          const r = (await roles([pod]))[pod.name]!;
          return { done: r.role === 'replica', state: `${r.role} ${r.master ?? ''}` };
        },
        { timeoutMs: 90_000, context: () => pod.describe(20) },
      );
      await expectWholeCluster('after a lost volume and an early restart');
      expect((await roles(pods))[pod.name]).toMatchObject({ role: 'replica', master: before[pod.name]!.master, nodeId: before[pod.name]!.nodeId });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a replica killed just after it changed masters, its nodes.conf still naming its old shard, starts again (Valkey refuses such a file: start-node.sh aligns it)',
    async () => {
      const pod = pods[5]!;
      const before = await roles(pods);
      await pod.kill();
      const file = path.join(pod.dataDir, 'nodes.conf');
      const text = readFileSync(file, 'utf8');
      if (redisEngine() === 'redis') {
        // Redis 7.0 writes no shard-id: nothing to align, and the pod comes back as before.
        expect(text).not.toMatch(/shard-id=/);
      } else {
        // What Valkey 8.0.1 left on CI: the replica's own line with another shard-id than its master's.
        const mine = text.split('\n').find((l) => / myself,/.test(l))!;
        expect(mine).toMatch(/shard-id=[0-9a-f]{40}/);
        writeFileSync(file, text.replace(mine, mine.replace(/shard-id=[0-9a-f]{40}/, `shard-id=${'ab'.repeat(20)}`)));
      }
      await pod.restart({ newIp: true });
      await waitFor(
        `${pod.name} to be a replica of ${before[pod.name]!.master} again`,
        async () => {
          const r = (await roles(pods))[pod.name]!;
          return { done: r.role === 'replica' && r.master === before[pod.name]!.master, state: `${r.role} ${r.master ?? ''}` };
        },
        { timeoutMs: 90_000, context: () => pod.describe(20) },
      );
      const aligned = linesSinceLastStart(pod).filter((l) => /replica line\(s\) carried another shard-id than their master's/.test(l));
      expect(aligned).toHaveLength(redisEngine() === 'redis' ? 0 : 1);
      await expectWholeCluster('after a restart with a stale shard-id');
    },
    TEST_TIMEOUT_MS,
  );
});

/** Deletes the pod and its PersistentVolume: SIGKILL, then an empty data dir. */
async function loseVolume(pod: Pod): Promise<void> {
  await pod.kill();
  RedisClusterChart.wipeVolume(pod);
}
