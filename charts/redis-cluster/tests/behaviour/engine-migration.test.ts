/**
 * Redis -> Valkey in place for a Redis Cluster, the way a pull request that sets
 * `spec.engine: valkey` runs it: a new render with `engine=valkey` and the StatefulSet's rolling
 * update (highest ordinal first; each pod's preStop hands its slots to a replica, SIGTERM, a new
 * IP, started from the new template, the next pod once it is ready), on real processes of
 * Debian's Redis 7.0 and Valkey 8.0, under a writer.
 * Proven: a cluster of mixed engines serves every slot during the roll (each pod must be ready
 * before the next goes), every node runs Valkey at the end, and every acknowledged write is there.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { acknowledgedMap, ClusterClient, redisEngine, Sandbox, startWriteLoad, type Pod, type WriteLoadReport } from '@redis-gitops/redis-testkit';
import { assertWholeCluster, installCluster, rollingRestart } from './operations.ts';
import { TEST_PASSWORD, type RedisClusterChart } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 600_000;

let sandbox: Sandbox;
let chart: RedisClusterChart;

/** INFO server_name of a pod: valkey, or redis (Redis 7.0 has no such field). */
async function serverOf(pod: Pod): Promise<string> {
  const info = String(await pod.command('INFO', 'server'));
  return /^server_name:(\S+)/m.exec(info)?.[1] ?? 'redis';
}

beforeAll(async () => {
  if (redisEngine() !== 'redis') throw new Error('engine-migration.test.ts starts on Redis: run it without REDIS_TESTKIT_ENGINE=valkey');
  sandbox = await Sandbox.create({ name: 'cluster-engine-migration', withValkey: true });
  ({ chart } = await installCluster(sandbox, { set: ['engine=redis'] }));
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('Redis -> Valkey by a rolling update of the cluster (spec.engine: valkey)', () => {
  it(
    'rolls every node to Valkey one at a time under a writer: the mixed cluster serves all slots at each step, every node ends on Valkey, no acknowledged write is lost',
    async () => {
      for (const p of chart.pods) expect({ pod: p.name, server: await serverOf(p) }).toEqual({ pod: p.name, server: 'redis' });
      const client = new ClusterClient({ seeds: () => chart.allPods.filter((p) => p.running).map((p) => p.address), password: TEST_PASSWORD });
      const load = startWriteLoad({ client, keysPrefix: 'mig', ratePerSec: 100, waitReplicas: 0, waitTimeoutMs: 1000 });
      const t0 = Date.now();
      chart.applyTemplateChange(await chart.renderRevision(['engine=valkey']));
      const steps: string[] = [];
      await rollingRestart(chart, {
        after: async (pod, step) => {
          expect({ pod: pod.name, preStopError: step.stop.preStopError, server: await serverOf(pod) }).toEqual({ pod: pod.name, preStopError: undefined, server: 'valkey' });
          const engines = await Promise.all(chart.pods.map(serverOf));
          steps.push(`${pod.name} ready after ${(step.readyMs / 1000).toFixed(1)}s (${engines.filter((e) => e === 'valkey').length} valkey + ${engines.filter((e) => e === 'redis').length} redis)`);
        },
      });
      await load.stop();
      client.close();
      const report: WriteLoadReport = await load.done;
      for (const p of chart.pods) expect({ pod: p.name, server: await serverOf(p) }).toEqual({ pod: p.name, server: 'valkey' });
      const kinds = Object.entries(report.errorCounts).map(([k, n]) => `${n}x ${k}`);
      console.log(
        `Redis 7.0 -> Valkey 8.0 rolling update of ${chart.pods.length} cluster nodes (${((Date.now() - t0) / 1000).toFixed(0)}s): ${steps.join('; ')}; ` +
          `${report.acknowledged.length} writes acknowledged, ${report.failed.length} failed (${kinds.join('; ') || 'none'})`,
      );
      expect(report.acknowledged.length).toBeGreaterThan(100);
      await assertWholeCluster(chart, [acknowledgedMap(report)], 'after the move to Valkey');
    },
    TEST_TIMEOUT_MS,
  );
});
