/**
 * Values of `charts/redis-sentinel`: one Redis master with replicas, watched by a group of
 * Sentinels. Source of truth for the chart's `values.schema.json`, `values.yaml` and README table.
 */
import type { Int } from '@redis-gitops/spec';
import type { AuthValues, ChartNamingValues, EngineValue, PdbValues, RedisPodValues, ResourceValues, ServerImageValues, ServiceValues } from './common-values.ts';
import type { HaproxyValues } from './redis-sentinel-haproxy-values.ts';

/** Redis replication. */
export interface ReplicationValues {
  /**
   * Replicas of the master. Pods = 1 + replicas.
   * @minimum 1
   * @maximum 10
   * @default 2
   */
  replicas: Int;
}

/** Sentinel password from an existing Secret (may be the same Secret as the Redis one). */
export interface SentinelAuthValues {
  /** Require a password to talk to the Sentinels (`requirepass` in sentinel.conf). @default true */
  enabled: boolean;
  /** Existing Secret holding the Sentinel password; empty means the Redis auth Secret. @default "" */
  existingSecret: string;
  /** Key of the password inside the Secret; empty means `auth.passwordKey`. @default "" */
  passwordKey: string;
}

/** The Sentinel group. */
export interface SentinelValues {
  /**
   * Number of Sentinel processes (own StatefulSet). Use an odd number.
   * @minimum 3
   * @maximum 7
   * @default 3
   */
  count: Int;
  /**
   * Sentinels that must agree the master is down before a failover.
   * @minimum 1
   * @default 2
   */
  quorum: Int;
  /** Name of the monitored master set, as clients ask for it. @default "mymaster" */
  masterSet: string;
  /**
   * Milliseconds without a reply before a Sentinel considers the master down.
   * @minimum 1000
   * @default 5000
   */
  downAfterMilliseconds: Int;
  /**
   * Failover timeout in milliseconds.
   * @minimum 1000
   * @default 60000
   */
  failoverTimeout: Int;
  /**
   * Replicas resynced with the new master at the same time after a failover.
   * @minimum 1
   * @default 1
   */
  parallelSyncs: Int;
  /** Sentinel password. */
  auth: SentinelAuthValues;
  /**
   * Sentinel container resources.
   * @default {"requests":{"cpu":"10m","memory":"32Mi"},"limits":{"memory":"64Mi"}}
   */
  resources: ResourceValues;
  /**
   * Sentinel port.
   * @minimum 1
   * @maximum 65535
   * @default 26379
   */
  port: Int;
}

/** The keys only the redis-sentinel chart has (see RedisSentinelValues). */
export interface RedisSentinelOwnValues {
  /**
   * The server: `redis`, or `valkey`. It picks the default image and the binaries the scripts run
   * (`valkey-server`, `valkey-sentinel`, `valkey-cli`, `valkey-check-rdb`); the config, the scripts
   * and the data format are the same. Redis -> Valkey is a rolling change; Valkey -> Redis is not
   * supported once Valkey has written its own RDB format (see the README, "Engines").
   * @default "redis"
   */
  engine: EngineValue;
  /** Server image (official multi-arch `redis` or `valkey/valkey`; it also runs the Sentinels). */
  image: ServerImageValues;
  /** Master and replicas. */
  replication: ReplicationValues;
  /** Sentinel group. */
  sentinel: SentinelValues;
  /**
   * Announce stable hostnames (`<pod>.<headless>`) instead of pod IPs to Sentinels and replicas
   * (`replica-announce-ip` and Sentinel `announce-hostnames`/`resolve-hostnames`).
   * @default false
   */
  announceHostnames: boolean;
  /** Redis password from an existing Secret. */
  auth: AuthValues;
  /** PodDisruptionBudget for the Redis pods (the Sentinels get their own with the same settings). */
  podDisruptionBudget: PdbValues;
  /** Client Service for Sentinel discovery (port 26379) and a Service for the Redis pods (6379). */
  service: ServiceValues;
  /**
   * Seconds a pod gets to fail over (master) and flush before it is killed.
   * @minimum 10
   * @default 60
   */
  terminationGracePeriodSeconds: Int;
  /** A master endpoint for clients that do not speak Sentinel (HAProxy in front of the Redis pods). */
  haproxy: HaproxyValues;
}

/** Values of the redis-sentinel chart. */
export type RedisSentinelValues = RedisPodValues & RedisSentinelOwnValues & ChartNamingValues;
