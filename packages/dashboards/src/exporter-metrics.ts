/**
 * The metric names that alerts and dashboards may use, each checked against BOTH redis_exporter
 * versions this project meets:
 *
 * - **1.45** (Debian `prometheus-redis-exporter`): proven live. `charts/redis-monitoring/tests/
 *   live-metrics.test.ts` scrapes real exporters in front of a real Redis Cluster and a replicated
 *   (sentinel-mode) group and fails when any name used by an alert or a panel is missing.
 * - **v1.81.0** (the image pinned in the Redis charts): reviewed in the exporter's source, where
 *   `source` below points. Upstream files read: `exporter/exporter.go` (the `metricMapGauges`,
 *   `metricMapCounters` and `metricDescriptions` maps of a Redis-7.4-era release), and
 *   `exporter/info.go` + `exporter/metrics.go` of a release newer than v1.81.0 (it handles
 *   Valkey 9.1's "Cluster Info" INFO section). A name present in 1.45 and in that newer source,
 *   with no rename in the release notes of v1.46 … v1.81.0 (all additive), exists in v1.81.0.
 *   The chart README lists the evidence per name.
 *
 * Adding a name here means repeating that review; the tests fail on any name used by an alert
 * or a panel that is not listed here, and on any listed name the live 1.45 exporter lacks.
 */

export interface ExporterMetricInfo {
  /** Prometheus type as the exporter declares it. */
  readonly type: 'gauge' | 'counter';
  /** Where the value comes from in Redis. */
  readonly from: string;
  /** Where the name is made in the exporter source (checked for v1.81.0). */
  readonly source: string;
}

const gaugeMap = (field: string) => `metricMapGauges "${field}"`;
const counterMap = (field: string) => `metricMapCounters "${field}"`;
/** `includeMetric` passes every CLUSTER INFO key starting with `cluster_`; "ok" -> 1, "fail" -> 0. */
const clusterInfo = (field: string) => `CLUSTER INFO ${field} via includeMetric prefix "cluster_" (metrics.go)`;

/** Every exporter metric this project relies on. */
export const EXPORTER_METRICS = {
  redis_up: { type: 'gauge', from: 'exporter: 1 when the last scrape of Redis worked', source: 'exporter.go Collect: registerConstMetricGauge("up")' },
  redis_instance_info: { type: 'gauge', from: 'INFO role, redis_mode, redis_version, ... as labels', source: 'info.go extractInfoMetrics: "instance_info" with labels role, redis_mode, ...' },
  redis_uptime_in_seconds: { type: 'gauge', from: 'INFO uptime_in_seconds', source: gaugeMap('uptime_in_seconds') },
  redis_memory_used_bytes: { type: 'gauge', from: 'INFO used_memory', source: gaugeMap('used_memory') },
  redis_memory_used_rss_bytes: { type: 'gauge', from: 'INFO used_memory_rss', source: gaugeMap('used_memory_rss') },
  redis_memory_max_bytes: { type: 'gauge', from: 'INFO maxmemory (0 = no limit)', source: gaugeMap('maxmemory') },
  redis_mem_fragmentation_ratio: { type: 'gauge', from: 'INFO mem_fragmentation_ratio', source: gaugeMap('mem_fragmentation_ratio') },
  redis_evicted_keys_total: { type: 'counter', from: 'INFO evicted_keys', source: counterMap('evicted_keys') },
  redis_expired_keys_total: { type: 'counter', from: 'INFO expired_keys', source: counterMap('expired_keys') },
  redis_keyspace_hits_total: { type: 'counter', from: 'INFO keyspace_hits', source: counterMap('keyspace_hits') },
  redis_keyspace_misses_total: { type: 'counter', from: 'INFO keyspace_misses', source: counterMap('keyspace_misses') },
  redis_db_keys: { type: 'gauge', from: 'INFO keyspace dbN:keys=', source: 'info.go parseDBKeyspaceString "db_keys"' },
  redis_commands_processed_total: { type: 'counter', from: 'INFO total_commands_processed', source: counterMap('total_commands_processed') },
  redis_commands_total: { type: 'counter', from: 'INFO commandstats calls= per cmd', source: 'info.go handleMetricsCommandStats "commands_total" {cmd}' },
  redis_commands_duration_seconds_total: { type: 'counter', from: 'INFO commandstats usec= per cmd / 1e6', source: 'info.go handleMetricsCommandStats "commands_duration_seconds_total" {cmd}' },
  redis_net_input_bytes_total: { type: 'counter', from: 'INFO total_net_input_bytes', source: counterMap('total_net_input_bytes') },
  redis_net_output_bytes_total: { type: 'counter', from: 'INFO total_net_output_bytes', source: counterMap('total_net_output_bytes') },
  redis_connected_clients: { type: 'gauge', from: 'INFO connected_clients', source: gaugeMap('connected_clients') },
  redis_blocked_clients: { type: 'gauge', from: 'INFO blocked_clients', source: gaugeMap('blocked_clients') },
  redis_config_maxclients: { type: 'gauge', from: 'CONFIG GET maxclients', source: 'exporter.go extractConfigMetrics "config_maxclients"' },
  redis_rejected_connections_total: { type: 'counter', from: 'INFO rejected_connections', source: counterMap('rejected_connections') },
  redis_connected_slaves: { type: 'gauge', from: 'INFO connected_slaves', source: gaugeMap('connected_slaves') },
  redis_master_link_up: { type: 'gauge', from: 'INFO master_link_status (replicas only)', source: 'info.go handleMetricsReplication "master_link_up" {master_host, master_port}' },
  redis_master_last_io_seconds_ago: {
    type: 'gauge',
    from: 'INFO master_last_io_seconds_ago (replicas only)',
    source: 'info.go handleMetricsReplication "master_last_io_seconds_ago" {master_host, master_port}',
  },
  redis_master_repl_offset: { type: 'gauge', from: 'INFO master_repl_offset', source: gaugeMap('master_repl_offset') },
  redis_connected_slave_offset_bytes: {
    type: 'gauge',
    from: 'INFO slaveN:offset= (masters only)',
    source: 'info.go handleMetricsReplication "connected_slave_offset_bytes" {slave_ip, slave_port, slave_state}',
  },
  redis_connected_slave_lag_seconds: {
    type: 'gauge',
    from: 'INFO slaveN:lag= (masters only)',
    source: 'info.go handleMetricsReplication "connected_slave_lag_seconds" {slave_ip, slave_port, slave_state}',
  },
  redis_rdb_last_bgsave_status: { type: 'gauge', from: 'INFO rdb_last_bgsave_status (ok 1, err 0)', source: gaugeMap('rdb_last_bgsave_status') },
  redis_rdb_changes_since_last_save: { type: 'gauge', from: 'INFO rdb_changes_since_last_save', source: gaugeMap('rdb_changes_since_last_save') },
  redis_aof_last_write_status: { type: 'gauge', from: 'INFO aof_last_write_status (ok 1, err 0)', source: gaugeMap('aof_last_write_status') },
  redis_aof_last_bgrewrite_status: { type: 'gauge', from: 'INFO aof_last_bgrewrite_status (ok 1, err 0)', source: gaugeMap('aof_last_bgrewrite_status') },
  redis_cluster_state: { type: 'gauge', from: 'CLUSTER INFO cluster_state (ok 1, fail 0)', source: clusterInfo('cluster_state') },
  redis_cluster_slots_assigned: { type: 'gauge', from: 'CLUSTER INFO cluster_slots_assigned', source: clusterInfo('cluster_slots_assigned') },
  redis_cluster_slots_ok: { type: 'gauge', from: 'CLUSTER INFO cluster_slots_ok', source: clusterInfo('cluster_slots_ok') },
  redis_cluster_slots_pfail: { type: 'gauge', from: 'CLUSTER INFO cluster_slots_pfail', source: clusterInfo('cluster_slots_pfail') },
  redis_cluster_slots_fail: { type: 'gauge', from: 'CLUSTER INFO cluster_slots_fail', source: clusterInfo('cluster_slots_fail') },
  redis_cluster_known_nodes: { type: 'gauge', from: 'CLUSTER INFO cluster_known_nodes', source: clusterInfo('cluster_known_nodes') },
  redis_cluster_size: { type: 'gauge', from: 'CLUSTER INFO cluster_size (masters serving slots)', source: clusterInfo('cluster_size') },
} as const satisfies Record<string, ExporterMetricInfo>;

/** A metric name from the reviewed catalogue. Dashboards can only query these (checked by tsc). */
export type ExporterMetric = keyof typeof EXPORTER_METRICS;

/**
 * Series Prometheus itself makes for every scrape target; they never appear in an exporter's
 * /metrics output, so the live check skips them.
 */
export const PROMETHEUS_TARGET_METRICS = ['up'] as const;

/**
 * kube-state-metrics series an alert may join with (documented as a dependency in the chart
 * README). They come from kube-state-metrics, not from redis_exporter, so the live exporter check
 * skips them; promtool tests cover the alerts that use them.
 */
export const KUBE_STATE_METRICS = {
  kube_pod_container_status_running: { type: 'gauge', from: 'kube-state-metrics: 1 while the container is in state running', source: 'kube-state-metrics docs/metrics/workload/pod-metrics.md' },
  kube_cronjob_status_last_successful_time: {
    type: 'gauge',
    from: 'kube-state-metrics: unix time of the last successful run of the CronJob (absent before the first)',
    source: 'kube-state-metrics documentation, https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/cronjob-metrics.md',
  },
  kube_cronjob_created: {
    type: 'gauge',
    from: 'kube-state-metrics: unix creation time of the CronJob',
    source: 'kube-state-metrics documentation, https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/cronjob-metrics.md',
  },
  kube_job_status_failed: {
    type: 'gauge',
    from: 'kube-state-metrics: failed pods of the Job (label reason on newer versions)',
    source: 'kube-state-metrics documentation, https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/job-metrics.md',
  },
  kube_job_owner: {
    type: 'gauge',
    from: 'kube-state-metrics: 1 per owner of the Job (owner_kind, owner_name)',
    source: 'kube-state-metrics documentation, https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/job-metrics.md',
  },
  kube_job_status_start_time: {
    type: 'gauge',
    from: 'kube-state-metrics: unix time the Job started',
    source: 'kube-state-metrics documentation, https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/job-metrics.md',
  },
} as const;

/**
 * Series the exporter serves when it scrapes a **Sentinel** (not a Redis pod), used by the Sentinel
 * alerts. Proven live against Debian's 1.45 with a real redis-sentinel (live-metrics.test.ts); in
 * v1.81.0 they are made in `exporter/sentinels.go`. The redis-sentinel chart's Sentinel pods run the
 * exporter sidecar, and the redis-monitoring PodMonitor scrapes them (label `component="sentinel"`).
 */
export const SENTINEL_EXPORTER_METRICS = {
  redis_sentinel_master_ckquorum_status: { type: 'gauge', from: 'SENTINEL CKQUORUM <master>: 1 OK, 0 NOQUORUM (label message)', source: 'exporter/sentinels.go "sentinel_master_ckquorum_status"' },
  redis_sentinel_tilt: { type: 'gauge', from: 'INFO sentinel: sentinel_tilt', source: 'exporter/sentinels.go "sentinel_tilt"' },
  redis_sentinel_master_status: {
    type: 'gauge',
    from: 'INFO sentinel: masterN status, with labels master_name, master_address, master_status',
    source: 'exporter/sentinels.go "sentinel_master_status"',
  },
} as const satisfies Record<string, ExporterMetricInfo>;

export function isExporterMetric(name: string): name is ExporterMetric {
  return Object.hasOwn(EXPORTER_METRICS, name);
}
