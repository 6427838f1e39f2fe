/** Resolved environment -> values for charts/redis-cluster. Pure. */
import type { ResolvedEnvironment } from '@redis-gitops/spec';
import { releaseName, type ChartValues } from './chart-values.ts';
import { SHARED_PROVENANCE, sharedRedisValues, type DeepPartial } from './common.ts';
import type { RedisClusterValues } from './values/redis-cluster-values.ts';

export function redisClusterValues(env: ResolvedEnvironment): ChartValues<DeepPartial<RedisClusterValues>> {
  const values: DeepPartial<RedisClusterValues> = {
    cluster: {
      shards: env.topology.shards,
      replicasPerShard: env.topology.replicasPerShard,
      slots: [...env.topology.slots],
      nodeTimeout: env.topology.nodeTimeout,
    },
    ...sharedRedisValues(env),
  };
  return {
    chart: 'redis-cluster',
    release: releaseName(env.name, 'redis-cluster'),
    values,
    provenance: {
      ...SHARED_PROVENANCE,
      cluster: 'spec.topology',
      'cluster.shards': 'spec.topology.shards',
      'cluster.replicasPerShard': 'spec.topology.replicasPerShard',
      'cluster.slots': 'spec.topology.slots',
      'cluster.nodeTimeout': 'spec.topology.nodeTimeout',
    },
  };
}
