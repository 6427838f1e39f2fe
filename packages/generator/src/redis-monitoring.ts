/** Resolved environment -> values for charts/redis-monitoring (scrape, alerts, dashboards). Pure. */
import type { ResolvedEnvironment } from '@redis-gitops/spec';
import { releaseName, type ChartValues } from './chart-values.ts';
import { environmentLabels, type DeepPartial } from './common.ts';
import type { RedisMonitoringValues } from './values/redis-monitoring-values.ts';

export function redisMonitoringValues(env: ResolvedEnvironment): ChartValues<DeepPartial<RedisMonitoringValues>> {
  const cluster = env.topology.mode === 'cluster';
  const values: DeepPartial<RedisMonitoringValues> = {
    target: {
      // The Redis chart is released under the environment's name (see the Argo CD Applications).
      release: env.name,
      chart: cluster ? 'redis-cluster' : 'redis-sentinel',
      shards: env.topology.shards,
      replicasPerShard: env.topology.replicasPerShard,
    },
    commonLabels: environmentLabels(env),
    scrape: { enabled: env.monitoring.serviceMonitor },
    alerts: { enabled: env.monitoring.alerts },
    dashboards: { enabled: env.monitoring.dashboards },
  };
  return {
    chart: 'redis-monitoring',
    release: releaseName(env.name, 'redis-monitoring'),
    values,
    provenance: {
      target: 'spec.topology',
      'target.shards': 'spec.topology.shards',
      'target.replicasPerShard': 'spec.topology.replicasPerShard',
      scrape: 'spec.monitoring.serviceMonitor',
      alerts: 'spec.monitoring.alerts',
      dashboards: 'spec.monitoring.dashboards',
    },
  };
}
