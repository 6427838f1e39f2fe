/**
 * Every alert of the redis-monitoring chart, as data: the one source of the alert names, their
 * groups, severities, expressions and texts. `prometheus-rule-template.ts` turns this list into
 * the chart's `templates/prometheusrule.yaml` (written by `bin/generate-dashboards.ts`, checked for
 * drift by the tests), and the chart values' `alerts.disabled` enum is this list's names.
 *
 * Expressions and texts are written with two kinds of placeholder:
 *   - `{S}` / `{S,role="master"}`: the release selector of every series (namespace, release, mode),
 *     optionally with more matchers;
 *   - `<% expr %>`: a Helm expression spliced in at render time, e.g. `<% $t.downFor %>` (a
 *     threshold from values), `<% $for.RedisSplitBrain %>` (a `for:` duration from `alerts.for`), `<% $by %>` (the aggregation labels), `<% $masters %>`.
 * Prometheus's own templates (`{{ $labels.pod }}`, `{{ $value | humanize }}`) stay as they are.
 */

export type Severity = 'critical' | 'warning';
export type AlertMode = 'cluster' | 'sentinel';

/** A text that differs between Redis Cluster and Sentinel releases. */
export interface PerMode {
  readonly cluster: string;
  readonly sentinel: string;
}

export interface AlertRule {
  readonly alert: string;
  readonly group: string;
  readonly severity: Severity;
  readonly expr: string;
  /**
   * `for:` duration, always a Helm expression from values: `<% $for.<alert> %>` (`alerts.for.<alert>`,
   * the default in the values type of @redis-gitops/generator) or a threshold (`<% $t.downFor %>`);
   * absent: fires at once. Tests shorten every `for` through these values only.
   */
  readonly for?: string;
  /** Only for these release kinds. @default both */
  readonly modes?: readonly AlertMode[];
  /** Only when the release has replicas (target.replicasPerShard >= 1). */
  readonly needsReplicas?: boolean;
  readonly summary: string | PerMode;
  readonly description: string | PerMode;
}

export const ALERT_RULES = [
  // ---- availability -----------------------------------------------------------------------------
  {
    alert: 'RedisDown',
    group: 'redis-availability',
    severity: 'critical',
    expr: 'max by (<% $by %>, pod) (redis_up{S}) == 0\nor\nmax by (<% $by %>, pod) (up{S}) == 0',
    for: '<% $t.downFor %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} is down',
    description:
      'The exporter of {{ $labels.pod }} cannot reach Redis, or Prometheus cannot scrape the pod. Check the pod: kubectl -n {{ $labels.namespace }} describe pod {{ $labels.pod }}; kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c redis --previous. A master that stays down is failed over by its replica (cluster) or by Sentinel; make sure the pod comes back and rejoins as a replica.',
  },
  {
    alert: 'RedisMetricsAbsent',
    group: 'redis-availability',
    severity: 'critical',
    expr: 'absent(redis_up{S})',
    for: '<% $for.RedisMetricsAbsent %>',
    summary: 'No metrics from Redis release <% .Release.Namespace %>/<% $release %>',
    description:
      'Prometheus has no redis_up series for release <% $release %> in namespace <% .Release.Namespace %>: either every Redis pod is gone, or monitoring is blind (the PodMonitor selects no pod, the exporter sidecar or its port <% quote .Values.scrape.port %> is missing, or a NetworkPolicy blocks Prometheus on port 9121). Check: kubectl -n <% .Release.Namespace %> get pods -l app.kubernetes.io/instance=<% $release %>; kubectl -n <% .Release.Namespace %> get podmonitor <% include "redis-common.fullname" . %> -o yaml; the Prometheus targets page.',
  },
  {
    alert: 'RedisPodsMissing',
    group: 'redis-availability',
    severity: 'warning',
    expr: 'count by (<% $by %>) (up{S}) < <% include "redis-monitoring.expectedPods" . %>',
    for: '<% $for.RedisPodsMissing %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.release }} runs {{ $value }} of <% include "redis-monitoring.expectedPods" . %> pods',
    description:
      'Fewer Redis pods are scraped than the release should have. A pod is Pending (no node fits its resources, affinity or volume) or was deleted and not recreated. Check: kubectl -n {{ $labels.namespace }} get pods -l app.kubernetes.io/instance={{ $labels.release }}; kubectl -n {{ $labels.namespace }} get events --sort-by=.lastTimestamp.',
  },
  {
    alert: 'RedisSplitBrain',
    group: 'redis-availability',
    severity: 'critical',
    expr: 'count by (<% $by %>) (redis_instance_info{S,role="master"}) > <% $masters %>',
    for: '<% $for.RedisSplitBrain %>',
    summary: {
      cluster: 'Redis Cluster {{ $labels.namespace }}/{{ $labels.release }} has {{ $value }} masters for <% $masters %> shards',
      sentinel: 'Redis Sentinel group {{ $labels.namespace }}/{{ $labels.release }} has {{ $value }} masters',
    },
    description: {
      cluster:
        'More nodes claim to be master than the cluster has shards: an old master came back without being demoted, or a partition let two nodes serve the same slots; writes to one of them are lost. Find them: redis-cli -c cluster nodes on any pod (look for two masters with the same slots, and flags fail, fail?, noaddr). Demote the stale one with CLUSTER FAILOVER on its real replica or CLUSTER REPLICATE <master-id> on the stale node, then check every slot has one owner (redis-cli --cluster check).',
      sentinel:
        'More than one Redis pod of the group reports role master: an old master restarted with its old config and came back writable; clients that still use it write to data that will be thrown away. Ask a Sentinel who the master is (SENTINEL get-master-addr-by-name), then make the other one a replica: redis-cli -h <stale pod> REPLICAOF <master ip> 6379. If Sentinel does not know the new address of a pod, run SENTINEL RESET <set> on every Sentinel.',
    },
  },
  // ---- memory -----------------------------------------------------------------------------------
  {
    alert: 'RedisMemoryHigh',
    group: 'redis-memory',
    severity: 'warning',
    expr: 'redis_memory_used_bytes{S}\n  / (redis_memory_max_bytes{S} > 0)\n  > <% $t.memoryWarningRatio %>',
    for: '<% $for.RedisMemoryHigh %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of maxmemory',
    description:
      'Memory use is close to maxmemory. With the noeviction policy Redis then refuses writes (OOM errors), with an evicting policy it drops keys. Find big keys (redis-cli --bigkeys, MEMORY USAGE), shorten TTLs, or give Redis more memory: raise resources.limits.memory in the environment spec (maxmemory follows it) or add shards.',
  },
  {
    alert: 'RedisMemoryCritical',
    group: 'redis-memory',
    severity: 'critical',
    expr: 'redis_memory_used_bytes{S}\n  / (redis_memory_max_bytes{S} > 0)\n  > <% $t.memoryCriticalRatio %>',
    for: '<% $for.RedisMemoryCritical %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of maxmemory',
    description:
      'Redis is about to refuse writes (noeviction) or is evicting keys. Act now: delete or expire data you can spare, or raise resources.limits.memory in the environment spec and roll the pods one at a time (replicas first). In a cluster, a single full shard means hot or big keys: redis-cli --bigkeys on that pod.',
  },
  {
    alert: 'RedisMemoryGrowthToMaxmemory',
    group: 'redis-memory',
    severity: 'warning',
    expr: [
      '(',
      '  predict_linear(redis_memory_used_bytes{S}[<% $t.memoryGrowthWindow %>], <% mul (int $t.memoryGrowthHorizonHours) 3600 %>)',
      '    > (redis_memory_max_bytes{S} > 0)',
      ')',
      'and deriv(redis_memory_used_bytes{S}[1h]) > 0',
      'and redis_memory_used_bytes{S} / (redis_memory_max_bytes{S} > 0) < <% $t.memoryWarningRatio %>',
    ].join('\n'),
    for: '<% $for.RedisMemoryGrowthToMaxmemory %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} memory grows steadily toward maxmemory',
    description:
      'Fitted over the last <% $t.memoryGrowthWindow %> and still growing in the last hour, memory use will reach maxmemory within <% int $t.memoryGrowthHorizonHours %>h: a slow leak, typically keys written without TTL, growing lists/streams/sorted sets, or client output buffers. Compare INFO keyspace (keys vs expires) over time, look for big keys (redis-cli --bigkeys) and CLIENT LIST omem; fix the writer or add TTLs before the memory alerts fire.',
  },
  {
    alert: 'RedisKeysEvicted',
    group: 'redis-memory',
    severity: 'warning',
    expr: 'increase(redis_evicted_keys_total{S}[5m]) > <% $t.evictedKeys %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} evicted {{ $value | humanize }} keys in 5 minutes',
    description:
      'Redis reached maxmemory and dropped keys to make room (maxmemory-policy). If this Redis is a store, not a cache, data is being lost: give it more memory or add shards. If it is a cache that is meant to evict, raise alerts.thresholds.evictedKeys.',
  },
  // ---- clients ----------------------------------------------------------------------------------
  {
    alert: 'RedisRejectedConnections',
    group: 'redis-clients',
    severity: 'warning',
    expr: 'increase(redis_rejected_connections_total{S}[5m]) > <% $t.rejectedConnections %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} rejected {{ $value | humanize }} connections in 5 minutes',
    description:
      'maxclients is reached, so new clients are refused. Usually a client leaks connections or has no pool limit: CLIENT LIST on the pod shows who holds them (addr, name, age, idle). Fix the client; raise maxclients only if the load is real.',
  },
  {
    alert: 'RedisLowHitRatio',
    group: 'redis-clients',
    severity: 'warning',
    expr: [
      '(',
      '  sum by (<% $by %>) (rate(redis_keyspace_hits_total{S}[10m]))',
      '  /',
      '  (',
      '    sum by (<% $by %>) (rate(redis_keyspace_hits_total{S}[10m]))',
      '    + sum by (<% $by %>) (rate(redis_keyspace_misses_total{S}[10m]))',
      '  )',
      ') < <% $t.hitRatio %>',
      'and',
      '(',
      '  sum by (<% $by %>) (rate(redis_keyspace_hits_total{S}[10m]))',
      '  + sum by (<% $by %>) (rate(redis_keyspace_misses_total{S}[10m]))',
      ') > <% $t.hitRatioMinLookupsPerSecond %>',
    ].join('\n'),
    for: '<% $for.RedisLowHitRatio %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.release }} keyspace hit ratio is {{ $value | humanizePercentage }}',
    description:
      'For <% $for.RedisLowHitRatio %> most key lookups have missed. Keys expire or are evicted before they are read (check evictions and TTLs), the cache is cold after a restart, or clients read keys that are never written (a key-naming bug). Compare the Hit / miss panels of the overview dashboard with deploys of the clients.',
  },
  // ---- cluster ----------------------------------------------------------------------------------
  {
    alert: 'RedisClusterStateNotOk',
    group: 'redis-cluster',
    severity: 'critical',
    modes: ['cluster'],
    expr: 'redis_cluster_state{S} == 0',
    for: '<% $for.RedisClusterStateNotOk %>',
    summary: 'Redis Cluster node {{ $labels.namespace }}/{{ $labels.pod }} reports cluster_state:fail',
    description:
      "The node refuses queries (CLUSTERDOWN): some slots have no reachable master, or the node cannot reach a majority of masters. A failover takes about cluster-node-timeout x 2; longer means it cannot happen (master without replica, replicas down, or nodes with stale addresses). Check: redis-cli cluster info; redis-cli cluster nodes (flags fail, fail?, noaddr); the pods' readiness output (/scripts/readiness.sh).",
  },
  {
    alert: 'RedisClusterSlotsFail',
    group: 'redis-cluster',
    severity: 'critical',
    modes: ['cluster'],
    expr: 'redis_cluster_slots_fail{S} > 0',
    for: '<% $for.RedisClusterSlotsFail %>',
    summary: 'Redis Cluster {{ $labels.namespace }}/{{ $labels.release }}: {{ $value }} slots failing (seen by {{ $labels.pod }})',
    description:
      "The masters of these slots are agreed to be down and no replica has taken over: keys in them cannot be read or written. Bring the master's pod back, or if its replica is healthy but not promoted, run CLUSTER FAILOVER FORCE on that replica. redis-cli --cluster check <any pod>:6379 lists the slots and owners.",
  },
  {
    alert: 'RedisClusterSlotsPfail',
    group: 'redis-cluster',
    severity: 'warning',
    modes: ['cluster'],
    expr: 'redis_cluster_slots_pfail{S} > 0',
    for: '<% $for.RedisClusterSlotsPfail %>',
    summary: 'Redis Cluster node {{ $labels.namespace }}/{{ $labels.pod }} suspects {{ $value }} slots (pfail)',
    description:
      'This node cannot reach the master of these slots, but the other masters have not agreed it is down. Lasting pfail seen by one node means a network problem between pods or a node with a stale peer address (check redis-cli cluster nodes on that pod for fail? and addresses that are not current pod IPs).',
  },
  {
    alert: 'RedisClusterSlotsUnassigned',
    group: 'redis-cluster',
    severity: 'critical',
    modes: ['cluster'],
    expr: 'redis_cluster_slots_assigned{S} < 16384',
    for: '<% $for.RedisClusterSlotsUnassigned %>',
    summary: 'Redis Cluster node {{ $labels.namespace }}/{{ $labels.pod }} sees only {{ $value }} of 16384 slots assigned',
    description:
      "Some hash slots have no owner, so the cluster is down for them. The bootstrap did not finish, or a node was forgotten with its slots. Check the bootstrap Job's logs, then redis-cli --cluster check and --cluster fix.",
  },
  // ---- replication ------------------------------------------------------------------------------
  {
    alert: 'RedisMasterWithoutReplica',
    group: 'redis-replication',
    severity: 'critical',
    needsReplicas: true,
    expr: '(redis_connected_slaves{S} == 0)\nand on (namespace, release, pod)\nredis_instance_info{S,role="master"}',
    for: '<% $for.RedisMasterWithoutReplica %>',
    summary: 'Redis master {{ $labels.namespace }}/{{ $labels.pod }} has no replica',
    description:
      "This master's data exists once: if it fails now, its slots (cluster) or the whole group (sentinel) go down and data written since the last snapshot is lost. Find its replica's pod (kubectl get pods; redis-cli role on each) and why it is not connected: Pending, crash-looping, or replicating another master after a failover (then re-balance with CLUSTER REPLICATE <master-id>).",
  },
  {
    alert: 'RedisReplicationLinkDown',
    group: 'redis-replication',
    severity: 'critical',
    needsReplicas: true,
    // A Sentinel candidate replicates the placeholder 127.0.0.1:1 on purpose: RedisStartHeld pages for it.
    expr: 'redis_master_link_up{S} == 0\nunless on (namespace, release, pod)\nredis_master_link_up{S,master_host="127.0.0.1",master_port="1"}',
    for: '<% $for.RedisReplicationLinkDown %>',
    summary: 'Redis replica {{ $labels.namespace }}/{{ $labels.pod }} lost its master {{ $labels.master_host }}:{{ $labels.master_port }}',
    description:
      "The replica is not connected to its master, so it serves stale data and cannot take over safely. If master_host is an address no pod has any more, the replica follows a dead master (stale IP after a restart): check redis-cli role and INFO replication on the replica, and the master's pod. A full resync of a big dataset also shows as link down for a while (master_sync_in_progress).",
  },
  {
    alert: 'RedisReplicationLag',
    group: 'redis-replication',
    severity: 'warning',
    needsReplicas: true,
    expr: '(\n  redis_master_repl_offset{S}\n  - on (namespace, release, pod) group_right\n  redis_connected_slave_offset_bytes{S}\n) > <% int $t.replicationLagBytes %>',
    for: '<% $for.RedisReplicationLag %>',
    summary: 'Replica {{ $labels.slave_ip }} of Redis master {{ $labels.namespace }}/{{ $labels.pod }} is {{ $value | humanize1024 }}B behind',
    description:
      "The replica acknowledges far less than its master has written, for <% $for.RedisReplicationLag %>: it cannot keep up (network, slow disk with AOF, CPU limit) or its output buffer keeps overflowing and it resyncs again and again (client-output-buffer-limit replica). A failover now would lose the difference. Check INFO replication on both and the replica's logs.",
  },
  // ---- persistence ------------------------------------------------------------------------------
  {
    alert: 'RedisRdbSaveFailed',
    group: 'redis-persistence',
    severity: 'critical',
    expr: 'redis_rdb_last_bgsave_status{S} == 0',
    for: '<% $for.RedisRdbSaveFailed %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }}: last RDB snapshot failed',
    description:
      'The last BGSAVE failed, and with stop-writes-on-bgsave-error (default yes) Redis now refuses writes. Usually the data volume is full or read-only, or the fork failed for lack of memory. Check the pod\'s log for "Background saving error", df -h /data in the pod, and the PVC; after fixing, run BGSAVE and check INFO persistence.',
  },
  {
    alert: 'RedisAofWriteFailed',
    group: 'redis-persistence',
    severity: 'critical',
    expr: 'redis_aof_last_write_status{S} == 0\nor\nredis_aof_last_bgrewrite_status{S} == 0',
    for: '<% $for.RedisAofWriteFailed %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }}: AOF write or rewrite failed',
    description:
      "Redis could not append to (or rewrite) its append-only file: writes are refused while the AOF cannot be written, and a failed rewrite lets the AOF grow without bound. Usually the data volume is full or read-only. Check the pod's log, df -h /data, the PVC; then BGREWRITEAOF and INFO persistence (aof_last_write_status:ok).",
  },
  // ---- data safety (the start scripts' "waiting safely" and data-loss states) -------------------
  {
    alert: 'RedisStartHeld',
    group: 'redis-data-safety',
    severity: 'critical',
    expr: [
      '(',
      '  max by (<% $by %>, pod) (redis_up{S}) == 0',
      '  and on (namespace, pod)',
      '  max by (namespace, pod) (kube_pod_container_status_running{namespace=<% .Release.Namespace | quote %>,container="redis"}) == 1',
      ')',
      'or',
      'max by (<% $by %>, pod) (redis_master_link_up{S,master_host="127.0.0.1",master_port="1"}) == 0',
    ].join('\n'),
    for: '<% $t.startHeldFor %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} is waiting safely: it cannot decide who holds the data',
    description:
      "The pod's start script cannot decide safely who holds the data, so it waits and re-checks instead of guessing: either the redis container runs but its start script holds redis-server back (redis-cluster: a master without its dataset while a replica that may hold it is unreachable), or redis-server runs as a read-only candidate replicating the placeholder 127.0.0.1:1 (redis-sentinel: the Sentinels lost their state and a Redis pod that may hold newer data does not answer). It starts by itself once the missing pod answers. Read why: kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c redis | grep 'waiting safely'. Bring the missing pod back. Only if its data is gone for good, accept the loss: kubectl -n {{ $labels.namespace }} exec {{ $labels.pod }} -c redis -- touch /data/force-start (recorded in /data/data-loss.log). The first form needs kube-state-metrics (kube_pod_container_status_running).",
  },
  {
    alert: 'RedisDataVanished',
    group: 'redis-data-safety',
    severity: 'critical',
    expr: 'sum by (<% $by %>, pod) (redis_db_keys{S}) == 0\nand on (namespace, release, pod)\nmax_over_time((sum by (namespace, release, pod) (redis_db_keys{S}))[<% $t.dataVanishedWindow %>:1m]) > 0\nand on (namespace, release, pod)\nredis_instance_info{S,role="master"}',
    summary: 'Redis master {{ $labels.namespace }}/{{ $labels.pod }} holds no key, and it had keys in the last window',
    description:
      "A master's dataset went to zero keys: it restarted without its data files (persistence off, a lost volume) and no replica with the data could take over, or someone ran FLUSHALL, or every key expired. The start scripts record a loss they knew about in /data/data-loss.log and in the readiness output. Check: kubectl -n {{ $labels.namespace }} logs {{ $labels.pod }} -c redis | grep -E 'DATA LOSS|waiting safely'; kubectl -n {{ $labels.namespace }} exec {{ $labels.pod }} -c redis -- cat /data/data-loss.log. Restore from the latest backup set (RUNBOOK, Backup and restore) if the data mattered.",
  },
] as const satisfies readonly AlertRule[];

/** The name of every alert the chart can render (the values' `alerts.disabled` takes these). */
export type RedisAlertName = (typeof ALERT_RULES)[number]['alert'];

export const ALERT_NAMES: readonly RedisAlertName[] = ALERT_RULES.map((r) => r.alert);
