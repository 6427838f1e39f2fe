/**
 * Values of `charts/redis-monitoring`: the prometheus-operator PodMonitor, the PrometheusRule
 * (alerts on by default) and the Grafana dashboard ConfigMaps for ONE Redis release
 * (redis-cluster or redis-sentinel) installed in the same namespace. Source of truth for the
 * chart's `values.schema.json`, its documented `values.yaml` and its README table
 * (`npm run codegen` writes all three).
 */
import type { RedisAlertName } from '@redis-gitops/dashboards';
import type { Int, MatchLabels } from '@redis-gitops/spec';

/** A Prometheus duration such as `30s`, `5m`, `1h` or `1h30m`.
 * @pattern ^([0-9]+(ms|s|m|h|d|w|y))+$
 * @examples ["5m", "1h30m"]
 */
export type PromDuration = string;

/** A ratio between 0 and 1.
 * @minimum 0
 * @maximum 1
 */
export type Ratio = number;

/** Names of the alerts this chart can render: the typed alert rules of @redis-gitops/dashboards are their one source. */
export type { RedisAlertName };

/** The Redis release this chart watches. */
export interface MonitoringTargetValues {
  /**
   * Helm release name of the Redis release (the `app.kubernetes.io/instance` label of its pods);
   * empty means this chart's own release name (Argo CD and the generator use one release name per environment).
   * @pattern ^([a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?)?$
   * @examples ["prod-x86"]
   * @default ""
   */
  release: string;
  /**
   * Chart of the Redis release: `redis-cluster` (sharded) or `redis-sentinel` (one master, replicas, Sentinel).
   * It sets the `mode` label (`cluster` or `sentinel`) and which alerts apply.
   * @default "redis-cluster"
   */
  chart: 'redis-cluster' | 'redis-sentinel';
  /**
   * `app.kubernetes.io/name` of the Redis pods; empty means `chart`. Set it only when the Redis release uses `nameOverride`.
   * @pattern ^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$
   * @examples ["redis-cluster"]
   * @default ""
   */
  name: string;
  /**
   * Masters the Redis Cluster is meant to have (`cluster.shards` of redis-cluster). More masters than this is split-brain.
   * Ignored for redis-sentinel, whose group has exactly one master.
   * @minimum 1
   * @maximum 100
   * @default 3
   */
  shards: Int;
  /**
   * Replicas per master (`cluster.replicasPerShard`, or `replication.replicas` of redis-sentinel).
   * With 0, no alert expects a replica.
   * @minimum 0
   * @maximum 10
   * @default 1
   */
  replicasPerShard: Int;
  /**
   * The Redis release runs backups (`backup.enabled` of its chart): renders the backup alerts `RedisBackupTooOld` and
   * `RedisBackupJobFailed`, which read the kube-state-metrics series of its backup CronJob `<fullname>-backup`.
   * @default false
   */
  backup: boolean;
  /**
   * The Redis release runs the HAProxy master endpoint (redis-sentinel `haproxy.enabled`): renders
   * `RedisMasterEndpointDown`, which reads the HAProxy pods' own exporter (scraped as component `haproxy`).
   * @default false
   */
  masterEndpoint: boolean;
}

/** How Prometheus scrapes the exporter sidecars. */
export interface MonitoringScrapeValues {
  /** Render the PodMonitor. @default true */
  enabled: boolean;
  /** Scrape interval. @default "30s" */
  interval: PromDuration;
  /** Scrape timeout; must not exceed `interval`. @default "10s" */
  scrapeTimeout: PromDuration;
  /**
   * Name of the exporter's container port in the Redis pods.
   * @pattern ^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$
   * @examples ["metrics"]
   * @default "metrics"
   */
  port: string;
  /**
   * HTTP path of the metrics.
   * @pattern ^/.*$
   * @examples ["/metrics"]
   * @default "/metrics"
   */
  path: string;
  /** Labels added to the PodMonitor, e.g. the one your Prometheus `podMonitorSelector` matches (`release: kube-prometheus-stack`). @default {} */
  labels: MatchLabels;
  /** Drop the exporter's own Go runtime and process series (`go_*`, `process_*`) at scrape time. @default true */
  dropRuntimeMetrics: boolean;
}

/** Alert thresholds. Every expression is scoped to the target release's series. */
export interface MonitoringThresholdValues {
  /**
   * How long an instance must be down (`redis_up` or the scrape `up` is 0) before `RedisDown` fires.
   * @default "1m"
   */
  downFor: PromDuration;
  /**
   * `used_memory / maxmemory` above which `RedisMemoryHigh` (warning) fires. Never fires when maxmemory is 0.
   * @default 0.85
   */
  memoryWarningRatio: Ratio;
  /**
   * `used_memory / maxmemory` above which `RedisMemoryCritical` fires. Never fires when maxmemory is 0.
   * @default 0.95
   */
  memoryCriticalRatio: Ratio;
  /**
   * Range `predict_linear` fits memory growth over, for `RedisMemoryGrowthToMaxmemory` (slow leaks).
   * @default "6h"
   */
  memoryGrowthWindow: PromDuration;
  /**
   * Hours ahead: `RedisMemoryGrowthToMaxmemory` fires when steady growth is predicted to reach maxmemory within this time.
   * @minimum 1
   * @maximum 720
   * @default 24
   */
  memoryGrowthHorizonHours: Int;
  /**
   * Keys evicted within `evictedKeysWindow` above which `RedisKeysEvicted` fires (0: any eviction; a cache that is meant to evict may raise it).
   * @minimum 0
   * @default 0
   */
  evictedKeys: Int;
  /** Look-back of `RedisKeysEvicted`: the alert stays until no key was evicted for this long. @default "5m" */
  evictedKeysWindow: PromDuration;
  /**
   * Connections rejected (maxclients reached) within `rejectedConnectionsWindow` above which `RedisRejectedConnections` fires.
   * @minimum 0
   * @default 0
   */
  rejectedConnections: Int;
  /** Look-back of `RedisRejectedConnections`: the alert stays until no connection was rejected for this long. @default "5m" */
  rejectedConnectionsWindow: PromDuration;
  /**
   * Keyspace hit ratio (hits / (hits + misses), per release) below which `RedisLowHitRatio` (warning) fires.
   * @default 0.8
   */
  hitRatio: Ratio;
  /**
   * Key lookups per second (hits + misses, per release) below which the hit ratio is not judged: an idle release is not a problem.
   * @minimum 0
   * @default 1
   */
  hitRatioMinLookupsPerSecond: number;
  /**
   * Bytes a replica may trail its master (master offset - replica offset) before `RedisReplicationLag` fires.
   * @minimum 0
   * @default 10485760
   */
  replicationLagBytes: Int;
  /**
   * How long a Redis container may run while redis-server is not up (`redis_up` 0, the container running) before
   * `RedisStartHeld` fires: its start script is waiting safely because it cannot decide who holds the data.
   * @default "5m"
   */
  startHeldFor: PromDuration;
  /**
   * Look-back of `RedisDataVanished`: a master with no key now that had keys within this window lost its data.
   * @default "30m"
   */
  dataVanishedWindow: PromDuration;
  /**
   * Hours since the backup CronJob's last successful run (or since it was created, if it never succeeded) after which
   * `RedisBackupTooOld` fires: about twice the schedule's interval (48 for a daily backup; the generator derives it from
   * `spec.backup.schedule`).
   * @minimum 1
   * @maximum 8760
   * @default 48
   */
  backupMaxAgeHours: Int;
  /** Look-back of `RedisSentinelFailoversFrequent`: master changes are counted over this window. @default "1h" */
  sentinelFailoverWindow: PromDuration;
  /**
   * Master changes (failovers) within `sentinelFailoverWindow` above which `RedisSentinelFailoversFrequent` fires.
   * @minimum 0
   * @maximum 100
   * @default 1
   */
  sentinelFailovers: Int;
}

/**
 * How long each condition must hold before its alert fires (the rule's `for:`), per alert. `RedisDown`
 * and `RedisStartHeld` take theirs from `thresholds.downFor` / `thresholds.startHeldFor`; alerts
 * without a `for` fire at once. The defaults are the production values; tests shorten them.
 */
export interface MonitoringAlertForValues {
  /** No `redis_up` series of the release at all: how long before `RedisMetricsAbsent` fires. @default "10m" */
  RedisMetricsAbsent: PromDuration;
  /** Fewer pods scraped than the release should have: how long before `RedisPodsMissing` fires. @default "15m" */
  RedisPodsMissing: PromDuration;
  /** More masters than shards (more than one in a Sentinel group): how long before `RedisSplitBrain` fires. @default "2m" */
  RedisSplitBrain: PromDuration;
  /**
   * A pod promoted from replica to master must stay master this long before the info alert `RedisFailover` fires;
   * the alert looks back twice this long, so it resolves by itself this long after it fired. @default "1m"
   */
  RedisFailover: PromDuration;
  /** `used_memory / maxmemory` above `memoryWarningRatio`: how long before `RedisMemoryHigh` fires. @default "5m" */
  RedisMemoryHigh: PromDuration;
  /** `used_memory / maxmemory` above `memoryCriticalRatio`: how long before `RedisMemoryCritical` fires. @default "5m" */
  RedisMemoryCritical: PromDuration;
  /** Memory predicted to reach maxmemory: how long before `RedisMemoryGrowthToMaxmemory` fires. @default "1h" */
  RedisMemoryGrowthToMaxmemory: PromDuration;
  /** Keyspace hit ratio below `hitRatio`: how long before `RedisLowHitRatio` fires. @default "30m" */
  RedisLowHitRatio: PromDuration;
  /** A node reports `cluster_state:fail`: how long before `RedisClusterStateNotOk` fires. @default "2m" */
  RedisClusterStateNotOk: PromDuration;
  /** Slots in `fail` state: how long before `RedisClusterSlotsFail` fires. @default "1m" */
  RedisClusterSlotsFail: PromDuration;
  /** Slots in `pfail` state: how long before `RedisClusterSlotsPfail` fires. @default "5m" */
  RedisClusterSlotsPfail: PromDuration;
  /** Fewer than 16384 slots assigned: how long before `RedisClusterSlotsUnassigned` fires. @default "5m" */
  RedisClusterSlotsUnassigned: PromDuration;
  /** A master without a connected replica: how long before `RedisMasterWithoutReplica` fires. @default "10m" */
  RedisMasterWithoutReplica: PromDuration;
  /** A replica without its master link: how long before `RedisReplicationLinkDown` fires. @default "2m" */
  RedisReplicationLinkDown: PromDuration;
  /** A replica more than `replicationLagBytes` behind: how long before `RedisReplicationLag` fires. @default "5m" */
  RedisReplicationLag: PromDuration;
  /** The last RDB snapshot failed: how long before `RedisRdbSaveFailed` fires. @default "1m" */
  RedisRdbSaveFailed: PromDuration;
  /** An AOF write or rewrite failed: how long before `RedisAofWriteFailed` fires. @default "1m" */
  RedisAofWriteFailed: PromDuration;
  /** No successful backup for `backupMaxAgeHours`: how long before `RedisBackupTooOld` fires. @default "10m" */
  RedisBackupTooOld: PromDuration;
  /** SENTINEL CKQUORUM fails on a Sentinel: how long before `RedisSentinelQuorumLost` fires. @default "2m" */
  RedisSentinelQuorumLost: PromDuration;
  /** A Sentinel in TILT mode: how long before `RedisSentinelTilt` fires (TILT lasts 30 s at least). @default "2m" */
  RedisSentinelTilt: PromDuration;
  /** Sentinels naming different masters: how long before `RedisSentinelMasterDisagreement` fires. @default "2m" */
  RedisSentinelMasterDisagreement: PromDuration;
  /**
   * No HAProxy pod of the master endpoint has a master in its write backend: how long before `RedisMasterEndpointDown` fires.
   * Longer than a failover (down-after-milliseconds, the election, one check interval). @default "1m"
   */
  RedisMasterEndpointDown: PromDuration;
}

/** The PrometheusRule. */
export interface MonitoringAlertValues {
  /** Render the PrometheusRule (all alerts on by default). @default true */
  enabled: boolean;
  /** Alerts to leave out, by name (e.g. `["RedisLowHitRatio"]`). @default [] */
  disabled: RedisAlertName[];
  /** Labels added to every alert (e.g. `team: platform`) for Alertmanager routing. @default {} */
  labels: MatchLabels;
  /** Labels added to the PrometheusRule object, e.g. the one your Prometheus `ruleSelector` matches. @default {} */
  ruleLabels: MatchLabels;
  /**
   * Base URL of the environment's RUNBOOK; when set every alert gets `runbook_url: <url>#<alertname in lower case>`.
   * @pattern ^(https?://\S+)?$
   * @examples ["https://git.example.org/redis/blob/main/environments/prod-x86/generated/RUNBOOK.md"]
   * @default ""
   */
  runbookUrl: string;
  /** Thresholds. */
  thresholds: MonitoringThresholdValues;
  /** `for:` of each alert (how long its condition must hold). */
  for: MonitoringAlertForValues;
}

/** Grafana dashboards, one ConfigMap each, picked up by the Grafana sidecar. */
export interface MonitoringDashboardValues {
  /** Render the dashboard ConfigMaps. @default true */
  enabled: boolean;
  /** Labels the Grafana sidecar looks for (kube-prometheus-stack: `grafana_dashboard: "1"`). @default {"grafana_dashboard":"1"} */
  labels: MatchLabels;
  /** Annotations on the ConfigMaps, e.g. the sidecar's folder annotation (`grafana_folder: Redis`). @default {} */
  annotations: { [key: string]: string };
}

/** Values of the redis-monitoring chart. */
export interface RedisMonitoringValues {
  /** Override the chart name part of object names. @default "" */
  nameOverride: string;
  /** Override the full object name prefix. @default "" */
  fullnameOverride: string;
  /** Labels added to every object. @default {} */
  commonLabels: MatchLabels;
  /** The Redis release to monitor (same namespace). */
  target: MonitoringTargetValues;
  /** PodMonitor for the exporter sidecars. */
  scrape: MonitoringScrapeValues;
  /** Alerts (PrometheusRule). */
  alerts: MonitoringAlertValues;
  /** Grafana dashboards. */
  dashboards: MonitoringDashboardValues;
}
