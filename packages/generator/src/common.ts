/** Values every Redis chart shares, from a resolved environment. Pure. */
import type { ResolvedEnvironment } from '@redis-gitops/spec';
import type { RedisClusterValues } from './values/redis-cluster-values.ts';
import type { RedisSentinelValues } from './values/redis-sentinel-values.ts';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<infer U> ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

type SharedKeys =
  | 'commonLabels'
  | 'engine'
  | 'image'
  | 'auth'
  | 'tls'
  | 'redis'
  | 'persistence'
  | 'resources'
  | 'scheduling'
  | 'podAnnotations'
  | 'imagePullSecrets'
  | 'podDisruptionBudget'
  | 'metrics'
  | 'backup'
  | 'restore';
/** The keys the Redis charts have in common, typed against both charts so neither can drift. */
export type SharedRedisValues = DeepPartial<Pick<RedisClusterValues, SharedKeys>> & DeepPartial<Pick<RedisSentinelValues, SharedKeys>>;

/** Labels every generated object carries, so policies and runbooks can select by environment and tier. */
export function environmentLabels(env: ResolvedEnvironment): Record<string, string> {
  return { 'redis-gitops.dev/environment': env.name, 'redis-gitops.dev/tier': env.tier };
}

export function sharedRedisValues(env: ResolvedEnvironment): SharedRedisValues {
  return {
    commonLabels: environmentLabels(env),
    engine: env.engine,
    image: { repository: env.redis.image, tag: env.redis.version, digest: env.redis.digest },
    auth: {
      enabled: true,
      existingSecret: env.auth.existingSecret,
      passwordKey: env.auth.passwordKey,
      acl: {
        enabled: env.auth.acl.enabled,
        defaultUser: { ...env.auth.acl.defaultUser },
        systemSecrets: [...env.auth.acl.systemSecrets],
        users: env.auth.acl.users.map((u) => ({ ...u, passwordKeys: [...u.passwordKeys] })),
      },
    },
    tls: { enabled: env.tls.enabled, existingSecret: env.tls.existingSecret },
    redis: { maxmemoryRatio: env.redis.maxmemoryRatio, maxmemoryPolicy: env.redis.maxmemoryPolicy },
    persistence: {
      enabled: env.persistence.enabled,
      size: env.persistence.size,
      storageClass: env.persistence.storageClass,
      aof: env.persistence.aof,
      rdbSave: env.persistence.rdbSave,
    },
    resources: { requests: { ...env.resources.requests }, limits: { ...env.resources.limits } },
    scheduling: {
      arch: env.cluster.arch,
      // A master and its replica must never share a node in production, nor in staging, which
      // rehearses production (the anti-affinity policy denies, resp. warns, otherwise); dev prefers not to.
      antiAffinity: env.tier === 'dev' ? 'soft' : 'hard',
      nodeSelector: { ...env.scheduling.nodeSelector },
      tolerations: env.scheduling.tolerations.map((t) => ({ ...t })),
      priorityClassName: env.scheduling.priorityClassName,
    },
    podAnnotations: { ...env.scheduling.podAnnotations },
    imagePullSecrets: [...env.scheduling.imagePullSecrets],
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    metrics: { enabled: env.monitoring.enabled },
    backup: {
      enabled: env.backup.enabled,
      schedule: env.backup.schedule,
      retention: env.backup.retention,
      size: env.backup.size,
      storageClass: env.backup.storageClass,
      // The upload runs in the backup Job: no Job, no upload. A restore from the bucket needs the
      // bucket's settings even without backups.
      remote:
        env.backup.remote && (env.backup.enabled || (env.restore.fromSet !== '' && env.restore.source === 'remote'))
          ? {
              enabled: env.backup.enabled,
              endpoint: env.backup.remote.endpoint,
              bucket: env.backup.remote.bucket,
              prefix: env.backup.remote.prefix,
              region: env.backup.remote.region,
              pathStyle: env.backup.remote.pathStyle,
              credentialsSecret: env.backup.remote.credentialsSecret,
              encryption: { enabled: env.backup.remote.encryptionSecret !== '', passwordSecret: env.backup.remote.encryptionSecret },
            }
          : { enabled: false },
      drill: { enabled: env.backup.enabled && env.backup.drill.enabled, schedule: env.backup.drill.schedule },
    },
    restore: { fromSet: env.restore.fromSet, source: env.restore.source },
  };
}

/** Where each shared value comes from in the spec (values path -> spec path). */
export const SHARED_PROVENANCE: Readonly<Record<string, string>> = {
  engine: 'spec.engine',
  image: 'spec.redis',
  'image.tag': 'spec.redis.version',
  'image.repository': 'spec.redis.image',
  'image.digest': 'spec.redis.digest',
  auth: 'spec.auth',
  'auth.existingSecret': 'spec.auth.existingSecret',
  'auth.passwordKey': 'spec.auth.passwordKey',
  'auth.acl': 'spec.auth.acl',
  'auth.acl.users': 'spec.auth.acl.users',
  'auth.acl.systemSecrets': 'spec.auth.acl.systemSecrets',
  'auth.acl.defaultUser': 'spec.auth.acl.defaultUser',
  tls: 'spec.tls',
  redis: 'spec.redis',
  persistence: 'spec.persistence',
  'persistence.size': 'spec.persistence.size',
  'persistence.storageClass': 'spec.persistence.storageClass',
  'persistence.rdbSave': 'spec.persistence.rdbSave',
  resources: 'spec.resources',
  scheduling: 'spec.scheduling',
  'scheduling.arch': 'spec.cluster',
  'scheduling.antiAffinity': 'spec.tier',
  'scheduling.nodeSelector': 'spec.scheduling.nodeSelector',
  'scheduling.tolerations': 'spec.scheduling.tolerations',
  'scheduling.priorityClassName': 'spec.scheduling.priorityClassName',
  podAnnotations: 'spec.scheduling.podAnnotations',
  imagePullSecrets: 'spec.scheduling.imagePullSecrets',
  metrics: 'spec.monitoring',
  backup: 'spec.backup',
  'backup.schedule': 'spec.backup.schedule',
  'backup.retention': 'spec.backup.retention',
  'backup.size': 'spec.backup.size',
  'backup.storageClass': 'spec.backup.storageClass',
  'backup.remote': 'spec.backup.remote',
  'backup.drill': 'spec.backup.drill',
  restore: 'spec.restore',
  'restore.fromSet': 'spec.restore.fromSet',
  'restore.source': 'spec.restore.source',
};
