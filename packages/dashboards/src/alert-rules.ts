/**
 * Every alert of the redis-monitoring chart, as data: the one source of the alert names, their
 * groups, severities, expressions and texts. `prometheus-rule-template.ts` turns this list into
 * the chart's `templates/prometheusrule.yaml` (written by `bin/generate-dashboards.ts`, checked for
 * drift by the tests), and the chart values' `alerts.disabled` enum is this list's names.
 *
 * Expressions and texts are written with two kinds of placeholder:
 *   - `{S}` / `{S,role="master"}`: the release selector of every Redis-pod series (namespace, release,
 *     mode, component="redis"), optionally with more matchers;
 *   - `{S_SENTINEL}`: the same for the series of the release's Sentinel pods (component="sentinel"):
 *     their exporters serve redis_up, up, redis_instance_info ... too, which no Redis-pod alert may count;
 *   - `<% expr %>`: a Helm expression spliced in at render time, e.g. `<% $t.downFor %>` (a
 *     threshold from values), `<% $for.RedisSplitBrain %>` (a `for:` duration from `alerts.for`), `<% $by %>` (the aggregation labels), `<% $masters %>`.
 * Prometheus's own templates (`{{ $labels.pod }}`, `{{ $value | humanize }}`) stay as they are.
 */

/**
 * `critical`: act now (page); `warning`: act soon (ticket); `info`: something happened that needs no
 * action by itself (a failover that went as designed, a planned handover): notify, do not page.
 */
export type Severity = 'critical' | 'warning' | 'info';
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
  /** Only when the release runs backups (target.backup); these read kube-state-metrics series of its backup CronJob. */
  readonly needsBackup?: boolean;
  /** Only when the release runs the HAProxy master endpoint (target.masterEndpoint, redis-sentinel `haproxy.enabled`). */
  readonly needsMasterEndpoint?: boolean;
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
  {
    alert: 'RedisFailover',
    group: 'redis-availability',
    severity: 'info',
    needsReplicas: true,
    // Promoted: master now, a replica within the last two `for` (the window is two `for` long, so the
    // alert fires `for` after the promotion and resolves by itself `for` later; no other time constant).
    expr: [
      'redis_instance_info{S,role="master"}',
      'and on (namespace, release, pod)',
      '(',
      '  max_over_time(redis_instance_info{S,role="slave"}[<% $for.RedisFailover %>])',
      '  or',
      '  max_over_time(redis_instance_info{S,role="slave"}[<% $for.RedisFailover %>] offset <% $for.RedisFailover %>)',
      ')',
    ].join('\n'),
    for: '<% $for.RedisFailover %>',
    summary: {
      cluster: 'Redis Cluster node {{ $labels.namespace }}/{{ $labels.pod }} was promoted from replica to master',
      sentinel: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} was promoted from replica to master',
    },
    description: {
      cluster:
        "A failover happened: {{ $labels.pod }} was a replica within the last 2 x <% $for.RedisFailover %> and is master now (its master's pod failed past cluster-node-timeout, or the preStop hook handed the slots over in a rolling update). Info only: the cluster did what it is built for. If no rollout was running, find out why the old master failed (kubectl -n {{ $labels.namespace }} get pods; describe pod; logs --previous) and check that it came back as a replica (RedisMasterWithoutReplica fires otherwise). Resolves by itself <% $for.RedisFailover %> after it fired.",
      sentinel:
        'A failover happened: {{ $labels.pod }} was a replica within the last 2 x <% $for.RedisFailover %> and is master now (Sentinel promoted it after its master failed, or the preStop hook handed over in a rolling update). Info only: the group did what it is built for. If no rollout was running, find out why the old master failed (kubectl -n {{ $labels.namespace }} get pods; describe pod; logs --previous) and check that it came back as a replica (RedisSplitBrain fires otherwise). Resolves by itself <% $for.RedisFailover %> after it fired.',
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
    expr: 'increase(redis_evicted_keys_total{S}[<% $t.evictedKeysWindow %>]) > <% $t.evictedKeys %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} evicted {{ $value | humanize }} keys in <% $t.evictedKeysWindow %>',
    description:
      'Redis reached maxmemory and dropped keys to make room (maxmemory-policy). If this Redis is a store, not a cache, data is being lost: give it more memory or add shards. If it is a cache that is meant to evict, raise alerts.thresholds.evictedKeys.',
  },
  // ---- clients ----------------------------------------------------------------------------------
  {
    alert: 'RedisRejectedConnections',
    group: 'redis-clients',
    severity: 'warning',
    expr: 'increase(redis_rejected_connections_total{S}[<% $t.rejectedConnectionsWindow %>]) > <% $t.rejectedConnections %>',
    summary: 'Redis {{ $labels.namespace }}/{{ $labels.pod }} rejected {{ $value | humanize }} connections in <% $t.rejectedConnectionsWindow %>',
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
  // ---- sentinel (what the exporter sidecar of each Sentinel pod serves; component="sentinel") ------------
  {
    alert: 'RedisSentinelQuorumLost',
    group: 'redis-sentinel',
    severity: 'critical',
    modes: ['sentinel'],
    expr: 'max by (<% $by %>, pod, master_name) (redis_sentinel_master_ckquorum_status{S_SENTINEL}) == 0',
    for: '<% $for.RedisSentinelQuorumLost %>',
    summary: 'Sentinel {{ $labels.namespace }}/{{ $labels.pod }}: too few Sentinels reachable for quorum of {{ $labels.master_name }}',
    description:
      'SENTINEL CKQUORUM fails on this Sentinel: fewer Sentinels are reachable than the quorum (or than a majority, which a failover needs). A failing master is then not failed over, and Redis stays down until it comes back by itself. Check the Sentinel pods (kubectl -n {{ $labels.namespace }} get pods -l app.kubernetes.io/component=sentinel -o wide), SENTINEL CKQUORUM and SENTINEL SENTINELS <set> on each, and NetworkPolicies on port 26379.',
  },
  {
    alert: 'RedisSentinelTilt',
    group: 'redis-sentinel',
    severity: 'warning',
    modes: ['sentinel'],
    expr: 'redis_sentinel_tilt{S_SENTINEL} > 0',
    for: '<% $for.RedisSentinelTilt %>',
    summary: 'Sentinel {{ $labels.namespace }}/{{ $labels.pod }} is in TILT mode',
    description:
      'The Sentinel saw its clock jump or its event loop stall (a CPU-starved pod, a paused VM, a time change) and stopped acting for at least 30 s: it monitors but does not fail over. Lasting TILT means the pod is throttled: check its CPU limit and throttling (kubectl top pod {{ $labels.pod }}), the node, and INFO sentinel on it.',
  },
  {
    alert: 'RedisSentinelMasterDisagreement',
    group: 'redis-sentinel',
    severity: 'critical',
    modes: ['sentinel'],
    expr: 'count by (<% $by %>, master_name) (count by (<% $by %>, master_name, master_address) (redis_sentinel_master_status{S_SENTINEL})) > 1',
    for: '<% $for.RedisSentinelMasterDisagreement %>',
    summary: 'Sentinels of {{ $labels.namespace }}/{{ $labels.release }} name {{ $value }} different masters for {{ $labels.master_name }}',
    description:
      'The Sentinels do not agree on the master address: some missed a failover (partitioned, restarted with a stale config) and clients that ask them are sent to an old master. Ask each one (SENTINEL get-master-addr-by-name <set>); on the ones that are wrong, SENTINEL RESET <set> makes them rediscover the master from the others.',
  },
  {
    alert: 'RedisSentinelFailoversFrequent',
    group: 'redis-sentinel',
    severity: 'warning',
    modes: ['sentinel'],
    expr: '(\n  count by (<% $by %>, master_name) (count by (<% $by %>, master_name, master_address) (max_over_time(redis_sentinel_master_status{S_SENTINEL}[<% $t.sentinelFailoverWindow %>]))) - 1\n) > <% int $t.sentinelFailovers %>',
    summary: 'Redis Sentinel group {{ $labels.namespace }}/{{ $labels.release }}: {{ $value }} master changes of {{ $labels.master_name }} in <% $t.sentinelFailoverWindow %>',
    description:
      'The master address of the group changed more than <% int $t.sentinelFailovers %> time(s) within <% $t.sentinelFailoverWindow %> (a failover, or a master pod that came back with a new IP): the master keeps failing (OOMKilled, liveness probe, node trouble) or down-after-milliseconds is too short for this network. Check the restarts and last state of the Redis pods (kubectl -n {{ $labels.namespace }} get pods -o wide; describe pod), and the Sentinel logs for +switch-master and +sdown.',
  },
  // ---- master endpoint (HAProxy in front of a Sentinel group, its own Prometheus exporter) ------
  {
    alert: 'RedisMasterEndpointDown',
    group: 'redis-master-endpoint',
    severity: 'critical',
    modes: ['sentinel'],
    needsMasterEndpoint: true,
    expr: 'max by (<% $by %>) (haproxy_backend_active_servers{S_HAPROXY,proxy="redis-master"}) < 1',
    for: '<% $for.RedisMasterEndpointDown %>',
    summary: 'Master endpoint of {{ $labels.namespace }}/{{ $labels.release }}: no HAProxy pod has a master to send writes to',
    description:
      "Every scraped HAProxy pod of the master endpoint has an empty write backend: no Redis pod passes its check (AUTH, then INFO replication answering role:master). Clients that do not speak Sentinel cannot write. Either the group has no master (see RedisDown, the Sentinel alerts and the Sentinels: SENTINEL get-master-addr-by-name), or HAProxy cannot check the pods (the auth Secret, the NetworkPolicy from the HAProxy pods to 6379, DNS). HAProxy logs every check that fails: kubectl -n {{ $labels.namespace }} logs -l app.kubernetes.io/component=haproxy. It does not see HAProxy pods that are all down (they serve no series): the Deployment's availability needs kube-state-metrics.",
  },
  // ---- backup (kube-state-metrics series of the release's backup CronJob) -----------------------
  {
    alert: 'RedisBackupTooOld',
    group: 'redis-backup',
    severity: 'critical',
    needsBackup: true,
    expr: [
      'label_replace(label_replace(',
      '  (',
      '    time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{namespace=<% .Release.Namespace | quote %>,cronjob=<% $backupCronJob | quote %>})',
      '    or',
      '    (',
      '      time() - max by (namespace, cronjob) (kube_cronjob_created{namespace=<% .Release.Namespace | quote %>,cronjob=<% $backupCronJob | quote %>})',
      '      unless on (namespace, cronjob)',
      '      kube_cronjob_status_last_successful_time{namespace=<% .Release.Namespace | quote %>,cronjob=<% $backupCronJob | quote %>}',
      '    )',
      '  ) > <% mul (int $t.backupMaxAgeHours) 3600 %>,',
      '"release", <% $release | quote %>, "", ""), "mode", <% ternary "cluster" "sentinel" $cluster | quote %>, "", "")',
    ].join('\n'),
    for: '<% $for.RedisBackupTooOld %>',
    summary: 'Redis release {{ $labels.namespace }}/{{ $labels.release }}: no successful backup for {{ $value | humanizeDuration }}',
    description:
      'The backup CronJob {{ $labels.cronjob }} has not completed a backup for more than <% int $t.backupMaxAgeHours %>h (alerts.thresholds.backupMaxAgeHours, about twice its schedule), or never has since it was created: a lost volume now loses more data than the retention promises. Check: kubectl -n {{ $labels.namespace }} get cronjob {{ $labels.cronjob }}; kubectl -n {{ $labels.namespace }} get jobs --sort-by=.status.startTime; the logs of the last Job. Needs kube-state-metrics.',
  },
  {
    alert: 'RedisBackupJobFailed',
    group: 'redis-backup',
    severity: 'warning',
    needsBackup: true,
    expr: [
      'label_replace(label_replace(',
      '  max by (namespace, job_name) (kube_job_status_failed{namespace=<% .Release.Namespace | quote %>} > 0)',
      '  and on (namespace, job_name)',
      '  kube_job_owner{namespace=<% .Release.Namespace | quote %>,owner_kind="CronJob",owner_name=<% $backupCronJob | quote %>}',
      '  unless on (namespace, job_name)',
      '  (',
      '    kube_job_status_start_time{namespace=<% .Release.Namespace | quote %>}',
      '    < on (namespace) group_left ()',
      '    max by (namespace) (kube_cronjob_status_last_successful_time{namespace=<% .Release.Namespace | quote %>,cronjob=<% $backupCronJob | quote %>})',
      '  ),',
      '"release", <% $release | quote %>, "", ""), "mode", <% ternary "cluster" "sentinel" $cluster | quote %>, "", "")',
    ].join('\n'),
    summary: 'Backup Job {{ $labels.namespace }}/{{ $labels.job_name }} of Redis release {{ $labels.release }} failed',
    description:
      'A Job of the backup CronJob <% $backupCronJob %> failed and no backup has succeeded since it started. Read why: kubectl -n {{ $labels.namespace }} logs job/{{ $labels.job_name }}; kubectl -n {{ $labels.namespace }} describe job {{ $labels.job_name }}. Typical causes: the backup volume is full, a Redis master did not answer, the password Secret is missing. Needs kube-state-metrics.',
  },
  {
    // The restore drill CronJob <fullname>-drill (backup.drill of the Redis chart): the same Job
    // series as RedisBackupJobFailed. A release without a drill has no such Jobs: the alert stays quiet.
    alert: 'RedisBackupDrillFailed',
    group: 'redis-backup',
    severity: 'warning',
    needsBackup: true,
    expr: [
      'label_replace(label_replace(',
      '  max by (namespace, job_name) (kube_job_status_failed{namespace=<% .Release.Namespace | quote %>} > 0)',
      '  and on (namespace, job_name)',
      '  kube_job_owner{namespace=<% .Release.Namespace | quote %>,owner_kind="CronJob",owner_name=<% $drillCronJob | quote %>}',
      '  unless on (namespace, job_name)',
      '  (',
      '    kube_job_status_start_time{namespace=<% .Release.Namespace | quote %>}',
      '    < on (namespace) group_left ()',
      '    max by (namespace) (kube_cronjob_status_last_successful_time{namespace=<% .Release.Namespace | quote %>,cronjob=<% $drillCronJob | quote %>})',
      '  ),',
      '"release", <% $release | quote %>, "", ""), "mode", <% ternary "cluster" "sentinel" $cluster | quote %>, "", "")',
    ].join('\n'),
    summary: 'Restore drill {{ $labels.namespace }}/{{ $labels.job_name }} of Redis release {{ $labels.release }} failed: the newest backup set is not proven restorable',
    description:
      'A Job of the restore drill CronJob <% $drillCronJob %> failed and no drill has passed since it started: the newest complete backup set did not check out (a file whose size, sha256 or redis-check-rdb check fails, a key count that differs from the manifest, keys in slots outside their shard, a shard that does not load), or there was no complete set at all. A restore from it may fail or lose data. Read the verdict: kubectl -n {{ $labels.namespace }} logs job/{{ $labels.job_name }} | grep -E "MISMATCH|FAILED". Needs kube-state-metrics.',
  },
] as const satisfies readonly AlertRule[];

/** The name of every alert the chart can render (the values' `alerts.disabled` takes these). */
export type RedisAlertName = (typeof ALERT_RULES)[number]['alert'];

export const ALERT_NAMES: readonly RedisAlertName[] = ALERT_RULES.map((r) => r.alert);

// ---- runbook sections ----------------------------------------------------------------------------

/**
 * The RUNBOOK.md section of one alert (`### <alert>`, anchor `#<alert in lower case>`, which is where
 * `runbook_url` points). Markdown, rendered by @redis-gitops/generator as a Handlebars template with
 * the runbook's context (`cluster`, `release`, `masterSet`, `env`); the shell uses the runbook's
 * `$NS`, `$SEL`, and `$POD` / `rcli` / `$SENT` / `scli` defined at the top of its Alerts section.
 */
export interface AlertRunbook {
  /** What the alert means. */
  readonly meaning: string;
  /** First checks: shell lines. */
  readonly check: string;
  /** How to fix it. */
  readonly fix: string;
}

const ROLES =
  'for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do echo "== $p"; kubectl -n $NS exec "$p" -c redis -- sh -c \'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli {{tlsFlags}}${REDIS_USER:+--user "$REDIS_USER"} -h "$POD_IP" role | head -1\'; done';

/** Every alert's runbook section: a new alert without one does not type-check, and the runbook test fails. */
export const ALERT_RUNBOOKS: { readonly [K in RedisAlertName]: AlertRunbook } = {
  RedisDown: {
    meaning: 'A Redis pod answers neither its exporter (`redis_up` 0) nor the Prometheus scrape (`up` 0) for `thresholds.downFor`.',
    check: 'kubectl -n $NS get pods -l "$SEL" -o wide\nkubectl -n $NS describe pod "$POD"\nkubectl -n $NS logs "$POD" -c redis --previous | tail -50',
    fix: '{{#if cluster}}A master that stays down is failed over by its replica.{{else}}A master that stays down is failed over by Sentinel.{{/if}} Make the pod come back (fix what `describe` shows: image, OOMKilled, node, volume) and check it rejoins as a replica (`rcli role`).',
  },
  RedisMetricsAbsent: {
    meaning:
      'Prometheus has no `redis_up` series of the release at all: every Redis pod is gone, or monitoring is blind (PodMonitor selects nothing, exporter sidecar or port missing, NetworkPolicy blocks port 9121).',
    check: 'kubectl -n $NS get pods -l "$SEL" -o wide\nkubectl -n $NS get podmonitor -o yaml | grep -A8 -E "selector|podMetricsEndpoints"\nkubectl -n $NS get networkpolicy',
    fix: 'If the pods run, fix the scrape: the PodMonitor labels your Prometheus selects (`scrape.labels`), the `metrics` port of the exporter sidecar, the NetworkPolicy rule for Prometheus. If the pods are gone, see RedisPodsMissing.',
  },
  RedisPodsMissing: {
    meaning: 'Fewer Redis pods are scraped than the release should have: a pod is Pending or was deleted and not recreated.',
    check: 'kubectl -n $NS get pods -l "$SEL" -o wide\nkubectl -n $NS get events --sort-by=.lastTimestamp | tail -20\nkubectl -n $NS get pvc -l "$SEL"',
    fix: 'Give the Pending pod what it waits for (a node with room, a bound volume, relaxed anti-affinity in the profile), or bring the node back.',
  },
  RedisSplitBrain: {
    meaning:
      '{{#if cluster}}More nodes claim to be master than the cluster has shards; writes to a stale one are lost.{{else}}More than one Redis pod reports role master; writes to the stale one are thrown away.{{/if}}',
    check: `{{#if cluster}}rcli cluster nodes | grep master\nrcli --cluster check '$POD_IP:6379'{{else}}scli sentinel get-master-addr-by-name {{masterSet}}\n${ROLES}{{/if}}`,
    fix: '{{#if cluster}}Demote the stale master: run `cluster failover` on its real replica, or `cluster replicate <master-id>` on the stale node; then `--cluster check` must show one owner per slot.{{else}}Make the pod Sentinel does not name a replica: `rcli replicaof <master ip> 6379` with `POD` set to the stale pod. If a Sentinel lists a stale address, run `scli sentinel reset {{masterSet}}` on every Sentinel.{{/if}}',
  },
  RedisFailover: {
    meaning:
      'A replica was promoted to master within the last 2 x `for.RedisFailover`: {{#if cluster}}its master failed past cluster-node-timeout{{else}}Sentinel failed the master over{{/if}}, or the preStop hook handed over during a rolling update. Info only: nothing to do if a rollout was running.',
    check: `${ROLES}\nkubectl -n $NS get pods -l "$SEL" -o wide     # RESTARTS, ages: which pod failed?`,
    fix: 'If no rollout was running, find why the old master failed (`kubectl -n $NS describe pod <old master>`: OOMKilled, liveness probe, node) and check that it came back as a replica{{#if cluster}} of the promoted node (RedisMasterWithoutReplica fires otherwise){{/if}}.',
  },
  RedisMemoryHigh: {
    meaning: 'Memory use is above `thresholds.memoryWarningRatio` of maxmemory: soon writes are refused (noeviction) or keys evicted.',
    check: 'rcli info memory | grep -E "used_memory_human|maxmemory_human|maxmemory_policy"\nrcli --bigkeys',
    fix: 'Delete or expire data you can spare, shorten TTLs, or raise `spec.resources.limits.memory` in `environments/{{env.name}}/environment.yaml` (maxmemory follows it){{#if cluster}} or add shards{{/if}}.',
  },
  RedisMemoryCritical: {
    meaning: 'Memory use is above `thresholds.memoryCriticalRatio` of maxmemory: Redis is about to refuse writes or is evicting.',
    check: 'rcli info memory | grep -E "used_memory_human|maxmemory_human|maxmemory_policy"\nrcli info stats | grep evicted_keys\nrcli --bigkeys',
    fix: 'Act now: free data, or raise `spec.resources.limits.memory`, generate, and let Argo CD roll the pods (replicas first).{{#if cluster}} One full shard means hot or big keys on it.{{/if}}',
  },
  RedisMemoryGrowthToMaxmemory: {
    meaning: 'Memory grows steadily and is predicted to reach maxmemory within `thresholds.memoryGrowthHorizonHours`: a slow leak.',
    check: 'rcli info keyspace          # keys vs expires: keys without TTL?\nrcli --bigkeys\nrcli client list | grep -v "omem=0"',
    fix: 'Fix the writer (add TTLs, trim lists/streams/sorted sets, fix clients with big output buffers) before the memory alerts fire.',
  },
  RedisKeysEvicted: {
    meaning: 'Redis reached maxmemory and dropped keys (maxmemory-policy). For a store, not a cache, that is data loss.',
    check: 'rcli info stats | grep evicted_keys\nrcli config get maxmemory-policy\nrcli info memory | grep -E "used_memory_human|maxmemory_human"',
    fix: 'Give Redis more memory (`spec.resources.limits.memory`){{#if cluster}} or shards{{/if}}. For a cache meant to evict, raise `alerts.thresholds.evictedKeys`.',
  },
  RedisRejectedConnections: {
    meaning: 'maxclients is reached and new connections are refused.',
    check: "rcli info clients | grep connected_clients\nrcli config get maxclients\nrcli client list | awk '{print $2}' | cut -d= -f2 | cut -d: -f1 | sort | uniq -c | sort -rn | head",
    fix: 'Find the client that leaks connections or has no pool limit and fix it; raise maxclients only if the load is real.',
  },
  RedisLowHitRatio: {
    meaning: 'Most key lookups miss: keys expire or are evicted before they are read, the cache is cold, or clients read keys nobody writes.',
    check: 'rcli info stats | grep -E "keyspace_(hits|misses)|evicted_keys|expired_keys"\nrcli info keyspace',
    fix: 'Compare with client deploys and evictions; fix TTLs or key names, or give the cache memory. Disable it for a release where misses are normal (`alerts.disabled`).',
  },
  RedisClusterStateNotOk: {
    meaning: 'A node reports `cluster_state:fail` and refuses queries (CLUSTERDOWN): slots without a reachable master, or no majority of masters reachable.',
    check: 'rcli cluster info | head -7\nrcli cluster nodes | grep -E "fail|noaddr|handshake"\nkubectl -n $NS exec "$POD" -c redis -- /scripts/readiness.sh',
    fix: 'Bring back the failed masters or their replicas; a node with stale peer addresses needs `cluster meet <ip> 6379` to the current pod IPs. See "Health" above.',
  },
  RedisClusterSlotsFail: {
    meaning: 'Slots whose master is agreed down and no replica took over: their keys cannot be read or written.',
    check: "rcli --cluster check '$POD_IP:6379'\nrcli cluster nodes | grep fail",
    fix: "Bring the master's pod back, or, if its replica is healthy but not promoted, run `rcli cluster failover force` with `POD` set to that replica.",
  },
  RedisClusterSlotsPfail: {
    meaning: 'This node cannot reach the master of some slots, but the others do not agree it is down: a network problem or a stale peer address.',
    check: 'rcli cluster nodes | grep -E "fail\\?|noaddr"\nkubectl -n $NS get pods -l "$SEL" -o wide     # compare the addresses with the pod IPs',
    fix: 'Fix the network path between the pods (NetworkPolicy, CNI); for a stale address, `cluster meet <current pod ip> 6379` on this node.',
  },
  RedisClusterSlotsUnassigned: {
    meaning: 'Some of the 16384 hash slots have no owner: the bootstrap did not finish or a node was forgotten with its slots.',
    check: "kubectl -n $NS get jobs | grep bootstrap\nkubectl -n $NS logs job/<bootstrap job from the list> --tail=50\nrcli --cluster check '$POD_IP:6379'",
    fix: "Fix what the bootstrap log says, then `rcli --cluster fix '$POD_IP:6379'` to assign the open slots.",
  },
  RedisMasterWithoutReplica: {
    meaning: 'A master has no connected replica: its data exists once, and a failure now loses data and availability.',
    check: `${ROLES}\nrcli info replication`,
    fix: 'Find why the replica is not connected (Pending, crash-looping){{#if cluster}}, or whether after a failover it replicates another master: re-balance with `cluster replicate <master-id>` on it{{/if}}.',
  },
  RedisReplicationLinkDown: {
    meaning: 'A replica is not connected to its master: it serves stale data and cannot take over safely.',
    check: 'rcli info replication | grep -E "master_host|master_link_status|master_sync_in_progress"\nkubectl -n $NS get pods -l "$SEL" -o wide     # does a pod still have master_host?',
    fix: 'If `master_host` is an address no pod has any more, the replica follows a dead master: {{#if cluster}}`cluster replicate <current master id>`{{else}}`scli sentinel reset {{masterSet}}` on every Sentinel{{/if}}. A full resync of a big dataset shows as link down for a while.',
  },
  RedisReplicationLag: {
    meaning: 'A replica trails its master by more than `thresholds.replicationLagBytes`; a failover now loses the difference.',
    check: 'rcli info replication | grep -E "slave[0-9]|master_repl_offset"\nkubectl -n $NS logs "$POD" -c redis | grep -iE "output buffer|resync" | tail',
    fix: 'Find what slows the replica (network, disk with AOF, CPU limit); if it resyncs again and again, raise `client-output-buffer-limit replica`.',
  },
  RedisRdbSaveFailed: {
    meaning: 'The last BGSAVE failed; with stop-writes-on-bgsave-error Redis refuses writes.',
    check: 'kubectl -n $NS logs "$POD" -c redis | grep -i "background saving" | tail\nkubectl -n $NS exec "$POD" -c redis -- df -h /data\nrcli info persistence | grep rdb_last',
    fix: 'Free or grow the data volume (see "Grow the data volumes"), or give the fork memory; then `rcli bgsave` and check `rdb_last_bgsave_status:ok`.',
  },
  RedisAofWriteFailed: {
    meaning: 'Redis could not append to or rewrite its AOF: writes are refused, or the AOF grows without bound.',
    check: 'kubectl -n $NS logs "$POD" -c redis | grep -i aof | tail\nkubectl -n $NS exec "$POD" -c redis -- df -h /data\nrcli info persistence | grep aof_last',
    fix: 'Free or grow the data volume, then `rcli bgrewriteaof` and check `aof_last_write_status:ok`.',
  },
  RedisStartHeld: {
    meaning:
      "A pod's start script has waited for `thresholds.startHeldFor` because it cannot decide safely who holds the data (a master without its data files while the replica that may hold them is unreachable, or no Sentinel state while a Redis pod that may hold newer data is down). It re-checks by itself. The cluster form needs kube-state-metrics.",
    check: 'kubectl -n $NS logs "$POD" -c redis | grep "waiting safely" | tail -3\nkubectl -n $NS get pods -l "$SEL" -o wide',
    fix: '**Bring the missing pod back** (`kubectl -n $NS describe pod <pod>`). Only when that pod\'s data is gone for good, accept the loss; the override is recorded in `/data/data-loss.log`: `kubectl -n $NS exec "$POD" -c redis -- touch /data/force-start`.',
  },
  RedisDataVanished: {
    meaning: 'A master that had keys holds none: it restarted without its data files, or someone ran FLUSHALL, or every key expired.',
    check: 'kubectl -n $NS logs "$POD" -c redis | grep -E "DATA LOSS|waiting safely"\nkubectl -n $NS exec "$POD" -c redis -- cat /data/data-loss.log',
    fix: 'Restore from the latest backup set if the data mattered (see "Backup and restore"). Remove the record to acknowledge it: `kubectl -n $NS exec "$POD" -c redis -- rm /data/data-loss.log`.',
  },
  RedisSentinelQuorumLost: {
    meaning:
      'SENTINEL CKQUORUM fails: fewer Sentinels are reachable than the quorum ({{env.topology.sentinel.quorum}} of {{env.topology.sentinel.count}}) or than a majority. A failing master is then not failed over.',
    check:
      'kubectl -n $NS get pods -l app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel -o wide\nscli sentinel ckquorum {{masterSet}}\nscli sentinel sentinels {{masterSet}} | grep -A1 -E "^(ip|flags)$"',
    fix: 'Bring the missing Sentinel pods back (describe them: Pending, crash-looping); check that no NetworkPolicy blocks port 26379 between them. A Sentinel that lists dead peers forgets them after `scli sentinel reset {{masterSet}}` (one Sentinel at a time).',
  },
  RedisSentinelTilt: {
    meaning: 'A Sentinel is in TILT mode: its clock jumped or its event loop stalled, so it monitors but does not act (no failover) for at least 30 s.',
    check:
      'scli info sentinel | grep -E "sentinel_tilt|sentinel_masters"\nkubectl -n $NS top pod -l app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel\nkubectl -n $NS logs "$SENT" -c sentinel | grep -i tilt | tail',
    fix: 'Give the Sentinel CPU (raise its CPU limit; a throttled or paused pod tilts), or move it off an overloaded node. TILT ends by itself 30 s after the loop is steady again.',
  },
  RedisSentinelMasterDisagreement: {
    meaning: 'The Sentinels name different master addresses for {{masterSet}}: some missed a failover, and clients that ask them go to an old master.',
    check:
      'for s in $(kubectl -n $NS get pods -l app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel -o name); do echo "== $s"; kubectl -n $NS exec "$s" -c sentinel -- sh -c \'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli {{tlsFlags}}-p 26379 sentinel get-master-addr-by-name {{masterSet}}\'; done\n' +
      ROLES,
    fix: 'The right address is the pod that reports `master` in the role listing. On each Sentinel that names another one, set `SENT` to it and run `scli sentinel reset {{masterSet}}`; it rediscovers the master from the others.',
  },
  RedisSentinelFailoversFrequent: {
    meaning:
      'The master address of {{masterSet}} changed more often than `alerts.thresholds.sentinelFailovers` within `alerts.thresholds.sentinelFailoverWindow`: the master keeps failing, or down-after-milliseconds is too short.',
    check: 'kubectl -n $NS get pods -l "$SEL" -o wide          # RESTARTS, ages\nkubectl -n $NS logs "$SENT" -c sentinel | grep -E "\\+switch-master|\\+sdown|\\+odown" | tail -20',
    fix: 'Find why the master fails (`kubectl -n $NS describe pod <old master>`: OOMKilled, liveness probe, node) and fix that; if the network is merely slow, raise the Sentinel down-after-milliseconds in the redis-sentinel chart values.',
  },
  RedisBackupTooOld: {
    meaning:
      'No backup has succeeded for `alerts.thresholds.backupMaxAgeHours` (about twice the schedule `{{env.backup.schedule}}`), or none ever has: a lost volume now loses more than the retention promises. Read from kube-state-metrics.',
    check:
      "CJ=$(kubectl -n $NS get cronjob -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup' -o jsonpath='{.items[0].metadata.name}')\nkubectl -n $NS get cronjob $CJ -o jsonpath='{.spec.suspend} {.status.lastScheduleTime} {.status.lastSuccessfulTime}{\"\\n\"}'\nkubectl -n $NS get jobs --sort-by=.status.startTime | grep $CJ | tail -5",
    fix: 'Unsuspend the CronJob if it is suspended, fix the failing Job (see RedisBackupJobFailed), then take a backup now: `kubectl -n $NS create job --from=cronjob/$CJ $CJ-manual-$(date +%s)` and watch it complete.',
  },
  RedisMasterEndpointDown: {
    meaning: 'The HAProxy master endpoint has no Redis pod in its write backend: clients that do not speak Sentinel cannot write.',
    check:
      "kubectl -n $NS logs -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=haproxy' --tail=30 | grep -i 'health check'\nscli sentinel get-master-addr-by-name {{masterSet}}\nkubectl -n $NS get pods -l 'app.kubernetes.io/instance={{release}}' -o wide",
    fix: 'If the Sentinels name no master, fix the group first (RedisDown, RedisSentinelQuorumLost). If they do, the HAProxy checks fail: compare the password in the auth Secret with the one Redis runs with, and check the NetworkPolicy from the HAProxy pods to 6379 and that the pod names resolve from an HAProxy pod.',
  },
  RedisBackupJobFailed: {
    meaning: 'A Job of the backup CronJob failed and no backup has succeeded since it started.',
    check:
      "kubectl -n $NS get jobs --sort-by=.status.startTime | grep backup | tail -5\nkubectl -n $NS logs -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup' --tail=50\nkubectl -n $NS get pvc -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup'",
    fix: 'Fix what the log says (a full backup volume: lower `spec.backup.retention` or grow `spec.backup.size`; a master that did not answer: see RedisDown), then take a backup now as under RedisBackupTooOld.',
  },
  RedisBackupDrillFailed: {
    meaning:
      'The restore drill (a Job of the `<fullname>-drill` CronJob, `backup.drill`) found the newest complete backup set not restorable: a shard file whose size, sha256 or `redis-check-rdb` check fails, a key count that differs from the manifest, keys outside the slot ranges of their shard (a swapped shard), a file that does not load, or no complete set at all. The live data is not affected; the backups are.',
    check:
      "DJ=$(kubectl -n $NS get cronjob -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup-drill' -o jsonpath='{.items[0].metadata.name}')\nkubectl -n $NS get jobs --sort-by=.status.startTime | grep $DJ | tail -5\nkubectl -n $NS logs -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup-drill' --tail=200 | grep -E 'drilling set|MISMATCH|FAILED|PASSED'",
    fix: 'Each MISMATCH line names the set, the shard, its file and the check. A damaged file (size, sha256, redis-check-rdb): the volume or the copy is bad; take a new backup now (as under RedisBackupTooOld) and drill it: `kubectl -n $NS create job --from=cronjob/$DJ $DJ-manual-$(date +%s)`. A key count or slot mismatch on a set whose files check out: the backup wrote a wrong manifest (keys written while it dumped, a slot move during the dump); take a new backup and drill again. Until a drill passes, do not restore from that set unless nothing newer exists.',
  },
};

/** What decides whether an alert renders for a release. */
export interface AlertTarget {
  readonly mode: AlertMode;
  readonly replicasPerShard: number;
  readonly backup: boolean;
  /** The release runs the HAProxy master endpoint. */
  readonly masterEndpoint: boolean;
}

/** Whether the chart renders this alert for the target (mirrors the gates of the PrometheusRule template). */
export function alertApplies(r: AlertRule, t: AlertTarget): boolean {
  if (r.modes && !r.modes.includes(t.mode)) return false;
  if (r.needsReplicas && t.replicasPerShard < 1) return false;
  if (r.needsBackup && !t.backup) return false;
  if (r.needsMasterEndpoint && !t.masterEndpoint) return false;
  return true;
}
