/**
 * A rolling restart of every pod (what `kubectl rollout restart`, a config change or an image
 * upgrade does), on real redis-server processes, as the StatefulSet controller and kubelet run it
 * (operations.ts): one pod at a time, highest ordinal first; the chart's preStop hook
 * (prestop.sh: a master hands its slots to its replica with CLUSTER FAILOVER), SIGTERM, SIGKILL
 * after terminationGracePeriodSeconds; the pod comes back on a new IP with its volume; the next
 * pod goes once the chart's readiness probe passes. A steady write load runs through a cluster
 * client (MOVED/ASK); acknowledged = the master's OK (no WAIT), so a handover that lost a write
 * would show. Failed writes are printed, never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { acknowledgedMap, makeKeySet, Sandbox, writeKeys, writeLoadText } from '@redis-gitops/redis-testkit';
import { assertShardShape, assertWholeCluster, installCluster, rollingRestart, withWriteLoad } from './operations.ts';
import type { RedisClusterChart } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 300_000;

let sandbox: Sandbox;
let chart: RedisClusterChart;
const known = makeKeySet('known', 2000);

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'chart-rolling' });
  ({ chart } = await installCluster(sandbox));
  await writeKeys(chart.pods, known);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
});

describe('rolling restart of every pod (preStop, SIGTERM, new IP, wait for readiness)', () => {
  it(
    'keeps every acknowledged write, ends fully healthy with one master and its replicas per shard',
    async () => {
      await assertShardShape(chart);
      const ipsBefore = chart.pods.map((p) => p.ip);
      const { result: restart, report } = await withWriteLoad(chart, { keysPrefix: 'rolling' }, () => rollingRestart(chart));
      const lines = restart.pods.map(
        (p) =>
          `${p.pod} (${p.wasMaster ? 'master' : 'replica'}): preStop ${p.stop.preStopMs}ms${p.stop.preStopError ? ` (${p.stop.preStopError})` : ''}, ` +
          `${p.stop.killed ? 'SIGKILLed after the grace period' : `SIGTERM to exit ${p.stop.sigtermToExitMs}ms`}, Ready again ${p.readyMs}ms after its deletion began`,
      );
      console.log(`rolling restart of ${restart.pods.length} pods in ${restart.totalMs}ms:\n  ${lines.join('\n  ')}\nwrites during it (100/s, acknowledged = OK): ${writeLoadText(report)}`);
      expect(report.acknowledged.length).toBeGreaterThan(0);
      await assertWholeCluster(chart, [known, acknowledgedMap(report)], 'after the rolling restart');
      await assertShardShape(chart);
      for (const [i, p] of chart.pods.entries()) expect({ pod: p.name, newIp: p.ip !== ipsBefore[i] }).toEqual({ pod: p.name, newIp: true });
    },
    TEST_TIMEOUT_MS,
  );
});
