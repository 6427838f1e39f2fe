/**
 * The one place where defaults are applied. Every `@default` in types.ts is applied here with `??`
 * (a test checks the two agree); profile-dependent defaults come from profiles.ts.
 */
import { PROFILES, type Profile } from './profiles.ts';
import { quantityValue } from '@redis-gitops/quantity';
import { ENGINE_DEFAULTS } from './engines.ts';
import type { AllowedClient, Auth, ClusterEntry, Engine, MaxmemoryPolicy, RedisEnvironment, Scheduling, Tier, Toleration, TopologyMode } from './types.ts';

export interface ResolvedEnvironment {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly cluster: ClusterEntry;
  readonly profile: Profile;
  readonly namespace: string;
  readonly tier: Tier;
  readonly topology: {
    readonly mode: TopologyMode;
    readonly shards: number;
    readonly replicasPerShard: number;
    /** Explicit layout, or empty for the even split. */
    readonly slots: readonly string[];
    readonly sentinel: { readonly count: number; readonly quorum: number; readonly downAfterMilliseconds: number; readonly masterEndpoint: boolean };
    /** Cluster mode's `cluster-node-timeout`, milliseconds. */
    readonly nodeTimeout: number;
  };
  /** The server (spec.engine). */
  readonly engine: Engine;
  readonly redis: {
    readonly version: string;
    readonly image: string;
    readonly digest: string;
    readonly maxmemoryRatio: number;
    readonly maxmemoryPolicy: MaxmemoryPolicy;
  };
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu?: string; readonly memory: string };
  };
  readonly persistence: {
    readonly enabled: boolean;
    readonly aof: boolean;
    readonly rdbSave: string;
    readonly size: string;
    readonly storageClass: string;
  };
  readonly backup: {
    readonly enabled: boolean;
    readonly schedule: string;
    readonly retention: number;
    readonly size: string;
    readonly storageClass: string;
    /** The bucket; undefined: the sets stay on the backup volume only. */
    readonly remote: ResolvedBackupRemote | undefined;
    /** Why there is no remote copy (spec.backup.remoteOptOut); empty when none was given. */
    readonly remoteOptOut: string;
    readonly drill: { readonly enabled: boolean; readonly schedule: string };
  };
  /** The backup set new pods seed their empty volumes from; empty: no restore. */
  readonly restore: { readonly fromSet: string; readonly source: 'volume' | 'remote' };
  readonly monitoring: {
    readonly enabled: boolean;
    readonly serviceMonitor: boolean;
    readonly alerts: boolean;
    readonly dashboards: boolean;
    readonly namespace: string;
  };
  readonly network: { readonly allowedClients: readonly AllowedClient[] };
  readonly auth: { readonly existingSecret: string; readonly passwordKey: string; readonly acl: ResolvedAcl };
  readonly tls: { readonly enabled: boolean; readonly existingSecret: string };
  /** The cluster's scheduling defaults with the environment's own on top (mergeScheduling). */
  readonly scheduling: ResolvedScheduling;
}

export interface ResolvedBackupRemote {
  readonly endpoint: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly pathStyle: boolean;
  readonly credentialsSecret: string;
  /** The crypt password's Secret; empty: no client-side encryption. */
  readonly encryptionSecret: string;
  /** The endpoint's networks, for redis-netpol (port defaulted to 443). */
  readonly egress: readonly { readonly cidr: string; readonly port: number }[];
}

/** ACL users, defaults applied; `enabled` false when spec.auth.acl is absent (one shared password). */
export interface ResolvedAcl {
  readonly enabled: boolean;
  readonly defaultUser: { readonly enabled: boolean; readonly rules: string };
  /** Never empty when enabled: spec.auth.systemSecrets, or [spec.auth.existingSecret]. */
  readonly systemSecrets: readonly string[];
  readonly users: ReadonlyArray<{ readonly name: string; readonly existingSecret: string; readonly passwordKeys: readonly string[]; readonly rules: string }>;
}

/** spec.auth.acl with its defaults; a disabled ACL when absent. */
export function resolveAcl(auth: Auth): ResolvedAcl {
  const a = auth.acl;
  const systemSecrets = a?.systemSecrets ?? [];
  return {
    enabled: a !== undefined,
    defaultUser: { enabled: a?.defaultUser?.enabled ?? true, rules: a?.defaultUser?.rules ?? '~* &* +@all' },
    systemSecrets: systemSecrets.length ? [...systemSecrets] : [auth.existingSecret],
    users: (a?.users ?? []).map((u) => ({ name: u.name, existingSecret: u.existingSecret ?? auth.existingSecret, passwordKeys: [...u.passwordKeys], rules: u.rules })),
  };
}

export interface ResolvedScheduling {
  readonly tolerations: readonly Toleration[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Empty: none. */
  readonly priorityClassName: string;
  readonly imagePullSecrets: readonly string[];
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/**
 * The cluster's scheduling defaults, then the environment's: node selector and annotations merge
 * key by key (the environment wins), tolerations and image pull Secrets add up (without
 * duplicates: a taint the cluster already tolerates is not tolerated twice), the priority class
 * is replaced.
 */
export function mergeScheduling(cluster: Scheduling | undefined, env: Scheduling | undefined): ResolvedScheduling {
  const tolerations: Toleration[] = [];
  const seen = new Set<string>();
  for (const t of [...(cluster?.tolerations ?? []), ...(env?.tolerations ?? [])]) {
    const key = JSON.stringify([t.key ?? '', t.operator ?? 'Equal', t.value ?? '', t.effect ?? '', t.tolerationSeconds ?? null]);
    if (seen.has(key)) continue;
    seen.add(key);
    tolerations.push(t);
  }
  return {
    tolerations,
    nodeSelector: { ...cluster?.nodeSelector, ...env?.nodeSelector },
    priorityClassName: env?.priorityClassName ?? cluster?.priorityClassName ?? '',
    imagePullSecrets: [...new Set([...(cluster?.imagePullSecrets ?? []), ...(env?.imagePullSecrets ?? [])])],
    podAnnotations: { ...cluster?.podAnnotations, ...env?.podAnnotations },
  };
}

/** Formats bytes as the largest exact binary unit (`8Gi`, `1536Mi`). */
function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(Math.ceil(bytes));
}

/** Applies every default. The input must already have passed schema and semantic checks. */
export function resolveEnvironment(env: RedisEnvironment, cluster: ClusterEntry): ResolvedEnvironment {
  const s = env.spec;
  const engine: Engine = s.engine ?? 'redis';
  const profile = PROFILES[cluster.profile];
  const mode = s.topology?.mode ?? 'cluster';
  const shards = mode === 'cluster' ? (s.topology?.shards ?? 3) : 1;
  const persistenceSize = s.persistence?.size ?? profile.persistenceSize;
  const memoryLimit = s.resources?.limits?.memory ?? profile.resources.limits.memory;
  // One backup set holds an RDB per master, each at most about the memory limit;
  // keep `retention` sets plus the one being written.
  const retention = s.backup?.retention ?? 7;
  const backupBytes = (quantityValue(memoryLimit) ?? 0) * shards * (retention + 1);
  return {
    name: env.metadata.name,
    labels: env.metadata.labels ?? {},
    cluster,
    profile,
    namespace: s.namespace,
    tier: s.tier,
    topology: {
      mode,
      shards,
      replicasPerShard: s.topology?.replicasPerShard ?? 1,
      slots: s.topology?.slots ?? [],
      sentinel: {
        count: s.topology?.sentinel?.count ?? 3,
        quorum: s.topology?.sentinel?.quorum ?? 2,
        downAfterMilliseconds: s.topology?.sentinel?.downAfterMilliseconds ?? 5000,
        masterEndpoint: s.topology?.sentinel?.masterEndpoint ?? false,
      },
      nodeTimeout: s.topology?.nodeTimeout ?? 5000,
    },
    engine,
    redis: {
      version: s.redis?.version ?? ENGINE_DEFAULTS[engine].version,
      image: s.redis?.image ?? ENGINE_DEFAULTS[engine].image,
      digest: s.redis?.digest ?? '',
      maxmemoryRatio: s.redis?.maxmemoryRatio ?? 0.75,
      maxmemoryPolicy: s.redis?.maxmemoryPolicy ?? 'noeviction',
    },
    resources: {
      requests: {
        cpu: s.resources?.requests?.cpu ?? profile.resources.requests.cpu,
        memory: s.resources?.requests?.memory ?? profile.resources.requests.memory,
      },
      limits: {
        ...((s.resources?.limits?.cpu ?? profile.resources.limits.cpu) ? { cpu: s.resources?.limits?.cpu ?? profile.resources.limits.cpu } : {}),
        memory: memoryLimit,
      },
    },
    persistence: {
      enabled: s.persistence?.enabled ?? true,
      aof: s.persistence?.aof ?? true,
      rdbSave: s.persistence?.rdbSave ?? profile.rdbSave,
      size: persistenceSize,
      storageClass: s.persistence?.storageClass ?? '',
    },
    backup: {
      enabled: s.backup?.enabled ?? s.tier === 'production',
      schedule: s.backup?.schedule ?? '17 2 * * *',
      retention,
      size: s.backup?.size ?? formatBytes(backupBytes),
      storageClass: s.backup?.storageClass ?? '',
      remote: s.backup?.remote
        ? {
            endpoint: s.backup.remote.endpoint,
            bucket: s.backup.remote.bucket,
            prefix: s.backup.remote.prefix ?? env.metadata.name,
            region: s.backup.remote.region ?? 'us-east-1',
            pathStyle: s.backup.remote.pathStyle ?? false,
            credentialsSecret: s.backup.remote.credentialsSecret,
            encryptionSecret: s.backup.remote.encryption?.passwordSecret ?? '',
            egress: s.backup.remote.egress.map((e) => ({ cidr: e.cidr, port: e.port ?? 443 })),
          }
        : undefined,
      remoteOptOut: s.backup?.remoteOptOut ?? '',
      drill: {
        enabled: s.backup?.drill?.enabled ?? (s.tier === 'production' && (s.backup?.enabled ?? s.tier === 'production')),
        schedule: s.backup?.drill?.schedule ?? '47 4 * * 0',
      },
    },
    restore: { fromSet: s.restore?.fromSet ?? '', source: s.restore?.source ?? 'volume' },
    monitoring: {
      enabled: s.monitoring?.enabled ?? true,
      serviceMonitor: s.monitoring?.serviceMonitor ?? true,
      alerts: s.monitoring?.alerts ?? true,
      dashboards: s.monitoring?.dashboards ?? true,
      namespace: s.monitoring?.namespace ?? 'monitoring',
    },
    network: { allowedClients: s.network?.allowedClients ?? [] },
    auth: { existingSecret: s.auth.existingSecret, passwordKey: s.auth.passwordKey ?? 'redis-password', acl: resolveAcl(s.auth) },
    tls: { enabled: s.tls?.enabled ?? false, existingSecret: s.tls?.existingSecret ?? '' },
    scheduling: mergeScheduling(cluster.scheduling, s.scheduling),
  };
}
