/**
 * Decide by data, not by "a dataset exists" (issue 10; found by the seeded fault campaign, history
 * 561453065). With persistence off a replica still keeps the RDB of its last full sync as dump.rdb.
 * Once that replica has been promoted and taken more writes, its dump.rdb is a snapshot from the
 * past. If it then restarts in the same pod (a container restart: same IP, same volume), loading
 * that RDB as the master of its slots would make its replica full-resync the old snapshot: every
 * write since is lost while every probe says ready. start-node.sh compares the RDB's replication
 * offset with its replicas' and hands the slots to the replica that holds the newer data.
 * Real redis-server processes run the chart's own scripts; timeouts are upper bounds only.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeKeySet, roles, Sandbox, writeKeys, type Pod } from '@redis-gitops/redis-testkit';
import { assertWholeCluster, installCluster, killMasterAndWaitPromotion, linesSinceLastStart } from './operations.ts';
import type { RedisClusterChart } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 300_000;
const NO_PERSISTENCE = ['persistence.enabled=false', 'persistence.aof=false', 'persistence.rdbSave='];

let sandbox: Sandbox;
let chart: RedisClusterChart;
let pods: Pod[];

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'chart-stale-rdb' });
  ({ chart } = await installCluster(sandbox, { set: NO_PERSISTENCE }));
  pods = chart.pods;
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
});

describe('redis-cluster without persistence: a promoted replica restarted on its stale dump.rdb', () => {
  it(
    'hands its slots to the replica that holds the newer writes instead of serving the old snapshot: no key lost',
    async () => {
      expect(chart.redisConf).toMatch(/^appendonly no$/m);
      const before = makeKeySet('before', 500);
      await writeKeys(pods, before);
      // A replica that full-synced keeps that RDB on its volume even without persistence.
      const r = await roles(pods);
      const master = pods.find((p) => r[p.name]!.role === 'master')!;
      const replica = pods.find((p) => r[p.name]!.master === master.name)!;
      expect(existsSync(path.join(replica.dataDir, 'dump.rdb'))).toBe(true);
      // The master dies for good; the replica is promoted; the old master comes back as its replica.
      await killMasterAndWaitPromotion(chart, master);
      await master.restart({ newIp: true });
      await assertWholeCluster(chart, [before], 'old master back as a replica');
      const after = makeKeySet('after', 500);
      await writeKeys(pods, after); // newer than the promoted node's dump.rdb
      // A container restart of the promoted node: same IP, same volume with its stale dump.rdb.
      await replica.kill({ keepDns: true });
      await chart.startNode(replica, { newIp: false, startTimeoutMs: 180_000 });
      await assertWholeCluster(chart, [before, after], 'promoted node restarted on its stale RDB');
      const log = linesSinceLastStart(replica).join('\n');
      expect(log).toMatch(/no current dataset \(rdb, RDB offset \d+\) but still owns slots .* holds newer data: CLUSTER FAILOVER FORCE/);
      expect((await roles(pods))[replica.name]).toMatchObject({ role: 'replica', master: master.name });
    },
    TEST_TIMEOUT_MS,
  );
});
