/** Resolved environment -> values for charts/redis-netpol (default deny + explicit allows). Pure. */
import type { AllowedClient, ResolvedEnvironment } from '@redis-gitops/spec';
import { releaseName, type ChartValues } from './chart-values.ts';
import { environmentLabels, type DeepPartial } from './common.ts';
import type { NetpolClient, RedisNetpolValues } from './values/redis-netpol-values.ts';

/** One spec client -> one chart client; the spec's semantic checks already refused empty or ambiguous entries. */
export function netpolClient(c: AllowedClient): NetpolClient {
  const pod = c.podSelector ? { podSelector: { matchLabels: { ...c.podSelector } } } : {};
  if (c.namespace) return { namespace: c.namespace, ...pod };
  if (c.namespaceSelector) return { namespaceSelector: { matchLabels: { ...c.namespaceSelector } }, ...pod };
  return { podSelector: { matchLabels: { ...c.podSelector! } } };
}

/**
 * The bucket's networks, for the pods that talk to it: the backup and drill Jobs when the sets are
 * uploaded, and the Redis pods only while a restore downloads a set (spec.restore.source remote).
 */
function bucketEgress(env: ResolvedEnvironment): DeepPartial<RedisNetpolValues['backup']> | undefined {
  const remote = env.backup.remote;
  const restoreFromBucket = env.restore.fromSet !== '' && env.restore.source === 'remote';
  if (!remote || !(env.backup.enabled || restoreFromBucket)) return undefined;
  return { egress: remote.egress.map((e) => ({ cidr: e.cidr, port: e.port })), restoreFromBucket };
}

export function redisNetpolValues(env: ResolvedEnvironment): ChartValues<DeepPartial<RedisNetpolValues>> {
  const values: DeepPartial<RedisNetpolValues> = {
    target: { release: env.name, chart: env.topology.mode === 'cluster' ? 'redis-cluster' : 'redis-sentinel' },
    commonLabels: environmentLabels(env),
    clients: env.network.allowedClients.map(netpolClient),
    monitoring: { enabled: env.monitoring.enabled, namespace: env.monitoring.namespace },
  };
  const backup = bucketEgress(env);
  if (backup) values.backup = backup;
  return {
    chart: 'redis-netpol',
    release: releaseName(env.name, 'redis-netpol'),
    values,
    provenance: {
      target: 'spec.topology',
      clients: 'spec.network.allowedClients',
      monitoring: 'spec.monitoring',
      'monitoring.namespace': 'spec.monitoring.namespace',
      backup: 'spec.backup.remote.egress',
      'backup.egress': 'spec.backup.remote.egress',
      'backup.restoreFromBucket': 'spec.restore.source',
    },
  };
}
