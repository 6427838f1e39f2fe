/**
 * What the cluster end-to-end files share: a redis-cluster release of the chart's own behaviour
 * harness, watched by a MonitoredRelease of the monitoring chart's ci/cluster-values.yaml scenario,
 * with every target scraped before the tests start.
 */
import type { Sandbox } from '@redis-gitops/redis-testkit';
import { TEST_PASSWORD, type RedisClusterChart } from '../../../../redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import { MonitoredRelease } from './monitored-release.ts';

/** Starts exporters and Prometheus for `chart` (monitoring values `set` on top of the short time constants) and waits until every pod is scraped. */
export async function monitorCluster(sandbox: Sandbox, chart: RedisClusterChart, set: readonly string[] = []): Promise<MonitoredRelease> {
  const monitored = await MonitoredRelease.start({
    sandbox,
    chart: 'redis-cluster',
    scenario: 'cluster-values.yaml',
    release: chart.release,
    namespace: chart.namespace,
    shards: chart.shards,
    replicasPerShard: chart.replicasPerShard,
    statefulSet: chart.current.find('StatefulSet', ''),
    pods: chart.pods,
    secret: () => TEST_PASSWORD, // the harness's auth Secret holds one password
    ...(set.length ? { set: [...set] } : {}),
  });
  await monitored.prometheus.waitTargetsUp(chart.podCount);
  return monitored;
}
