/**
 * Values of `charts/redis-cluster`. Source of truth for the chart's `values.schema.json`,
 * its documented `values.yaml` and its README table (`npm run codegen` writes all three).
 */
import type { Int, SlotRanges } from '@redis-gitops/spec';
import type { AuthValues, ChartNamingValues, EngineValue, PdbValues, RedisPodValues, ResourceValues, ServerImageValues, ServiceValues } from './common-values.ts';

/** Cluster shape. */
export interface ClusterShapeValues {
  /**
   * Number of masters. Redis Cluster needs at least 3.
   * @minimum 3
   * @maximum 100
   * @default 3
   */
  shards: Int;
  /**
   * Replicas per master, each on a different pod (and node, with anti-affinity) from its master.
   * @minimum 0
   * @maximum 5
   * @default 1
   */
  replicasPerShard: Int;
  /**
   * Explicit slot layout, one entry per shard (`"0-5000"`, or `"0-99,200-5000"`); empty means an even split.
   * @default []
   */
  slots: SlotRanges[];
  /**
   * `cluster-node-timeout` in milliseconds: how long a node may be unreachable before failover starts.
   * @minimum 1000
   * @default 5000
   */
  nodeTimeout: Int;
}

/**
 * The cluster-admin hook Jobs: bootstrap (post-install/post-upgrade: creates, repairs, adds shards)
 * and scale-in (pre-upgrade: moves the slots off shards that are removed).
 */
export interface BootstrapValues {
  /** Run the bootstrap Job (post-install/post-upgrade) and the scale-in Job (pre-upgrade). @default true */
  enabled: boolean;
  /**
   * Retries before a Job gives up.
   * @minimum 0
   * @default 10
   */
  backoffLimit: Int;
  /**
   * Seconds a Job may run in total; moving slots when shards are added or removed takes longer with more data.
   * @minimum 60
   * @default 900
   */
  activeDeadlineSeconds: Int;
  /**
   * Resources of the Jobs' container.
   * @default {"requests":{"cpu":"10m","memory":"32Mi"},"limits":{"cpu":"200m","memory":"64Mi"}}
   */
  resources: ResourceValues;
}

/** The keys only the redis-cluster chart has (see RedisClusterValues). */
export interface RedisClusterOwnValues {
  /**
   * The server: `redis`, or `valkey`. It picks the default image and the binaries the scripts run
   * (`valkey-server`, `valkey-cli`, `valkey-check-rdb`); the config, the scripts and the data
   * format are the same. Redis -> Valkey is a rolling change; Valkey -> Redis is not supported once
   * Valkey has written its own RDB format (see the README, "Engines").
   * @default "redis"
   */
  engine: EngineValue;
  /** Server image (official multi-arch `redis` or `valkey/valkey`). */
  image: ServerImageValues;
  /** Cluster shape and slot layout. */
  cluster: ClusterShapeValues;
  /** Password from an existing Secret. */
  auth: AuthValues;
  /** PodDisruptionBudget. */
  podDisruptionBudget: PdbValues;
  /** Client Service. */
  service: ServiceValues;
  /** The hook Jobs that create, repair and scale the cluster (bootstrap, scale-in). */
  bootstrap: BootstrapValues;
  /**
   * Seconds a pod gets to hand over its role and flush before it is killed.
   * @minimum 10
   * @default 60
   */
  terminationGracePeriodSeconds: Int;
}

/** Values of the redis-cluster chart. */
export type RedisClusterValues = RedisPodValues & RedisClusterOwnValues & ChartNamingValues;
