/** Resolved environment -> values for charts/redis-cluster. Pure. */
import type { ResolvedEnvironment } from '@redis-gitops/spec';
import type { ChartValues } from './chart-values.ts';
import type { RedisClusterValues } from './values/redis-cluster-values.ts';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<infer U> ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Labels every generated object carries, so policies and runbooks can select by environment and tier. */
export function environmentLabels(env: ResolvedEnvironment): Record<string, string> {
  return { 'redis-gitops.dev/environment': env.name, 'redis-gitops.dev/tier': env.tier };
}

export function redisClusterValues(env: ResolvedEnvironment): ChartValues<DeepPartial<RedisClusterValues>> {
  const values: DeepPartial<RedisClusterValues> = {
    commonLabels: environmentLabels(env),
    image: { repository: env.redis.image, tag: env.redis.version, digest: env.redis.digest },
    cluster: {
      shards: env.topology.shards,
      replicasPerShard: env.topology.replicasPerShard,
      slots: [...env.topology.slots],
    },
    auth: { enabled: true, existingSecret: env.auth.existingSecret, passwordKey: env.auth.passwordKey },
    tls: { enabled: env.tls.enabled, existingSecret: env.tls.existingSecret },
    redis: { maxmemoryRatio: env.redis.maxmemoryRatio, maxmemoryPolicy: env.redis.maxmemoryPolicy },
    persistence: {
      enabled: env.persistence.enabled,
      size: env.persistence.size,
      storageClass: env.persistence.storageClass,
      aof: env.persistence.aof,
      rdbSave: env.persistence.rdbSave,
    },
    resources: {
      requests: { ...env.resources.requests },
      limits: { ...env.resources.limits },
    },
    scheduling: {
      arch: env.cluster.arch,
      // A master and its replica must never share a node in production; elsewhere prefer not to.
      antiAffinity: env.tier === 'production' ? 'hard' : 'soft',
    },
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
  };
  return {
    chart: 'redis-cluster',
    values,
    provenance: {
      image: 'spec.redis',
      'image.tag': 'spec.redis.version',
      'image.repository': 'spec.redis.image',
      'image.digest': 'spec.redis.digest',
      cluster: 'spec.topology',
      'cluster.shards': 'spec.topology.shards',
      'cluster.replicasPerShard': 'spec.topology.replicasPerShard',
      'cluster.slots': 'spec.topology.slots',
      auth: 'spec.auth',
      'auth.existingSecret': 'spec.auth.existingSecret',
      'auth.passwordKey': 'spec.auth.passwordKey',
      tls: 'spec.tls',
      redis: 'spec.redis',
      persistence: 'spec.persistence',
      'persistence.size': 'spec.persistence.size',
      'persistence.storageClass': 'spec.persistence.storageClass',
      'persistence.rdbSave': 'spec.persistence.rdbSave',
      resources: 'spec.resources',
      scheduling: 'spec.cluster',
      'scheduling.antiAffinity': 'spec.tier',
    },
  };
}
