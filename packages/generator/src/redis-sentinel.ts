/** Resolved environment (mode: sentinel) -> values for charts/redis-sentinel. Pure. */
import type { ResolvedEnvironment } from '@redis-gitops/spec';
import { releaseName, type ChartValues } from './chart-values.ts';
import { SHARED_PROVENANCE, sharedRedisValues, type DeepPartial } from './common.ts';
import type { RedisSentinelValues } from './values/redis-sentinel-values.ts';

export function redisSentinelValues(env: ResolvedEnvironment): ChartValues<DeepPartial<RedisSentinelValues>> {
  const s = env.topology.sentinel;
  const values: DeepPartial<RedisSentinelValues> = {
    replication: { replicas: env.topology.replicasPerShard },
    sentinel: { count: s.count, quorum: s.quorum, downAfterMilliseconds: s.downAfterMilliseconds },
    haproxy: { enabled: s.masterEndpoint },
    ...sharedRedisValues(env),
  };
  return {
    chart: 'redis-sentinel',
    release: releaseName(env.name, 'redis-sentinel'),
    values,
    provenance: {
      ...SHARED_PROVENANCE,
      replication: 'spec.topology',
      'replication.replicas': 'spec.topology.replicasPerShard',
      sentinel: 'spec.topology.sentinel',
      'sentinel.count': 'spec.topology.sentinel.count',
      'sentinel.quorum': 'spec.topology.sentinel.quorum',
      'sentinel.downAfterMilliseconds': 'spec.topology.sentinel.downAfterMilliseconds',
      haproxy: 'spec.topology.sentinel',
      'haproxy.enabled': 'spec.topology.sentinel.masterEndpoint',
    },
  };
}
