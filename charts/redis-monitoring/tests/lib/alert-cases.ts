/**
 * promtool unit tests of the alerts, as data: for every alert, inputs where it fires and inputs
 * where it must stay quiet. `promtoolTest()` turns one case into a promtool test file.
 *
 * The series carry the labels a real scrape gives them: the PodMonitor's target labels (namespace,
 * pod, release, mode, component, environment, tier, plus job, instance, container, endpoint from
 * prometheus-operator) and the exporter's own labels (role, master_host, slave_ip, ...). A pod named
 * `*-sentinel-*` is a Sentinel pod (component `sentinel`): its exporter scrapes the Sentinel; a pod
 * named `*-haproxy-*` is an HAProxy pod of the master endpoint (component `haproxy`, its own exporter).
 */
import type { RedisAlertName } from '@redis-gitops/dashboards';
import YAML from 'yaml';

export type Mode = 'cluster' | 'sentinel';

/** Release under test, as rendered by the tests: `helm template rc ... --namespace redis`. */
export const TARGET = { namespace: 'redis', release: 'rc' } as const;

interface Series {
  readonly series: string;
  readonly values: string;
}

export interface ExpectedAlert {
  readonly labels: Record<string, string>;
  /** The rendered `summary` annotation (checks the Prometheus template renders, e.g. humanizePercentage). */
  readonly summary: string;
}

export interface AlertCase {
  readonly mode: Mode;
  readonly alert: RedisAlertName;
  /** Reads as a sentence after the alert name: "RedisDown fires when redis_up is 0". */
  readonly title: string;
  readonly series: readonly Series[];
  /** When to evaluate, e.g. `10m`. */
  readonly at: string;
  /** Empty: the alert must not fire (neither pending nor firing). */
  readonly expect: readonly ExpectedAlert[];
}

/** Target labels of one pod of a release (what the PodMonitor relabelings give every series). */
interface TargetLabels {
  readonly namespace: string;
  readonly release: string;
  readonly mode: Mode;
  /** `redis` or `sentinel`: the pod label app.kubernetes.io/component, relabeled by the PodMonitor. */
  readonly component: 'redis' | 'sentinel' | 'haproxy';
  readonly pod: string;
  readonly environment: string;
  readonly tier: string;
  readonly job: string;
  readonly instance: string;
  readonly container: string;
  readonly endpoint: string;
}

function target(mode: Mode, pod: string, release: string = TARGET.release): TargetLabels {
  const index = Number(pod.split('-').pop());
  return {
    namespace: TARGET.namespace,
    release,
    mode,
    component: pod.includes('-sentinel-') ? 'sentinel' : pod.includes('-haproxy-') ? 'haproxy' : 'redis',
    pod,
    environment: 'dev-x86',
    tier: 'dev',
    job: `${TARGET.namespace}/rc-redis-monitoring`,
    instance: `10.42.0.${index + 10}:9121`,
    container: 'metrics',
    endpoint: 'metrics',
  };
}

function selector(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** One input series: `metric{target labels of pod, extra}` with promtool expanding notation values. */
function s(mode: Mode, metric: string, pod: string, values: string, extra: Record<string, string> = {}, release?: string): Series {
  return { series: selector(metric, { ...target(mode, pod, release), ...extra }), values };
}

/** Labels of an alert computed from one pod's series: every target label + extra + severity. */
function podAlert(mode: Mode, pod: string, severity: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...target(mode, pod), ...extra, severity };
}

/** Labels of an alert aggregated `by (namespace, release, environment, tier, mode[, pod])`. */
function aggAlert(mode: Mode, severity: string, extra: Record<string, string> = {}): Record<string, string> {
  const { namespace, release, environment, tier } = target(mode, 'rc-0');
  return { namespace, release, environment, tier, mode, ...extra, severity };
}

const pods = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `rc-${i + from}`);

/** A kube-state-metrics series in the target namespace (no pod target labels: KSM is scraped once, for the whole cluster). */
function ksm(metric: string, labels: Record<string, string>, values: string): Series {
  return { series: selector(metric, { namespace: TARGET.namespace, job: 'kube-state-metrics', ...labels }), values };
}

/** Labels of a backup alert: the KSM object's namespace and name, plus the release and mode the rule adds. */
function backupAlert(mode: Mode, severity: string, extra: Record<string, string>): Record<string, string> {
  return { namespace: TARGET.namespace, release: TARGET.release, mode, ...extra, severity };
}

const C: Mode = 'cluster';
const S: Mode = 'sentinel';

export const ALERT_CASES: readonly AlertCase[] = [
  // RedisDown
  {
    mode: C,
    alert: 'RedisDown',
    title: 'fires when the exporter cannot reach Redis (redis_up 0)',
    at: '5m',
    series: [s(C, 'redis_up', 'rc-0', '0x10'), s(C, 'up', 'rc-0', '1x10'), s(C, 'redis_up', 'rc-1', '1x10'), s(C, 'up', 'rc-1', '1x10')],
    expect: [{ labels: aggAlert(C, 'critical', { pod: 'rc-0' }), summary: 'Redis redis/rc-0 is down' }],
  },
  {
    mode: C,
    alert: 'RedisDown',
    title: 'fires when Prometheus cannot scrape the pod (up 0)',
    at: '5m',
    series: [s(C, 'up', 'rc-1', '0x10'), s(C, 'redis_up', 'rc-0', '1x10'), s(C, 'up', 'rc-0', '1x10')],
    expect: [{ labels: aggAlert(C, 'critical', { pod: 'rc-1' }), summary: 'Redis redis/rc-1 is down' }],
  },
  {
    mode: C,
    alert: 'RedisDown',
    title: 'stays quiet when every instance is up, even if another release is down',
    at: '5m',
    series: [s(C, 'redis_up', 'rc-0', '1x10'), s(C, 'up', 'rc-0', '1x10'), s(C, 'redis_up', 'rc-0', '0x10', {}, 'other'), s(C, 'up', 'rc-0', '0x10', {}, 'other')],
    expect: [],
  },
  // RedisMetricsAbsent
  {
    mode: C,
    alert: 'RedisMetricsAbsent',
    title: "fires when no redis_up series of the release exists (another release's do not count)",
    at: '15m',
    series: [s(C, 'redis_up', 'rc-0', '1x20', {}, 'other')],
    expect: [{ labels: { namespace: 'redis', release: 'rc', mode: 'cluster', component: 'redis', severity: 'critical' }, summary: 'No metrics from Redis release redis/rc' }],
  },
  {
    mode: C,
    alert: 'RedisMetricsAbsent',
    title: 'stays quiet while the release is scraped',
    at: '15m',
    series: [s(C, 'redis_up', 'rc-0', '1x20')],
    expect: [],
  },
  // RedisPodsMissing
  {
    mode: C,
    alert: 'RedisPodsMissing',
    title: 'fires with 5 of 6 pods scraped (3 shards x 2)',
    at: '20m',
    series: pods(5).map((p) => s(C, 'up', p, '1x30')),
    expect: [{ labels: aggAlert(C, 'warning'), summary: 'Redis redis/rc runs 5 of 6 pods' }],
  },
  {
    mode: C,
    alert: 'RedisPodsMissing',
    title: 'stays quiet with all 6 pods',
    at: '20m',
    series: pods(6).map((p) => s(C, 'up', p, '1x30')),
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisPodsMissing',
    title: 'fires in a sentinel group with 1 of 2 pods (1 master + 1 replica)',
    at: '20m',
    series: [s(S, 'up', 'rc-0', '1x30')],
    expect: [{ labels: aggAlert(S, 'warning'), summary: 'Redis redis/rc runs 1 of 2 pods' }],
  },
  // RedisSplitBrain
  {
    mode: C,
    alert: 'RedisSplitBrain',
    title: 'fires with 4 masters for 3 shards',
    at: '5m',
    series: [
      ...pods(4).map((p) => s(C, 'redis_instance_info', p, '1x10', { role: 'master', redis_mode: 'cluster' })),
      ...pods(2, 4).map((p) => s(C, 'redis_instance_info', p, '1x10', { role: 'slave', redis_mode: 'cluster' })),
    ],
    expect: [{ labels: aggAlert(C, 'critical'), summary: 'Redis Cluster redis/rc has 4 masters for 3 shards' }],
  },
  {
    mode: C,
    alert: 'RedisSplitBrain',
    title: 'stays quiet with 3 masters for 3 shards, even with a 4th master in another release',
    at: '5m',
    series: [
      ...pods(3).map((p) => s(C, 'redis_instance_info', p, '1x10', { role: 'master', redis_mode: 'cluster' })),
      ...pods(3, 3).map((p) => s(C, 'redis_instance_info', p, '1x10', { role: 'slave', redis_mode: 'cluster' })),
      s(C, 'redis_instance_info', 'rc-9', '1x10', { role: 'master', redis_mode: 'cluster' }, 'other'),
    ],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisSplitBrain',
    title: 'fires with 2 masters in a sentinel group',
    at: '5m',
    series: [s(S, 'redis_instance_info', 'rc-0', '1x10', { role: 'master', redis_mode: 'standalone' }), s(S, 'redis_instance_info', 'rc-1', '1x10', { role: 'master', redis_mode: 'standalone' })],
    expect: [{ labels: aggAlert(S, 'critical'), summary: 'Redis Sentinel group redis/rc has 2 masters' }],
  },
  {
    mode: S,
    alert: 'RedisSplitBrain',
    title: 'stays quiet with 1 master and 1 replica',
    at: '5m',
    series: [s(S, 'redis_instance_info', 'rc-0', '1x10', { role: 'master', redis_mode: 'standalone' }), s(S, 'redis_instance_info', 'rc-1', '1x10', { role: 'slave', redis_mode: 'standalone' })],
    expect: [],
  },
  // RedisFailover (info; for 1m by default, so it looks back 2m): rc-3 is a replica until 4m and master from 5m on,
  // so the condition holds from 5m to 6m (a replica sample within 2m) and fires at 6m
  {
    mode: C,
    alert: 'RedisFailover',
    title: 'fires (info) for a replica promoted to master, once it stayed master for `for`',
    at: '6m',
    series: [
      s(C, 'redis_instance_info', 'rc-0', '1x4 stale', { role: 'master', redis_mode: 'cluster' }),
      s(C, 'redis_instance_info', 'rc-0', '_x5 1x10', { role: 'slave', redis_mode: 'cluster' }),
      s(C, 'redis_instance_info', 'rc-3', '1x4 stale', { role: 'slave', redis_mode: 'cluster' }),
      s(C, 'redis_instance_info', 'rc-3', '_x5 1x10', { role: 'master', redis_mode: 'cluster' }),
    ],
    expect: [{ labels: podAlert(C, 'rc-3', 'info', { role: 'master', redis_mode: 'cluster' }), summary: 'Redis Cluster node redis/rc-3 was promoted from replica to master' }],
  },
  {
    mode: C,
    alert: 'RedisFailover',
    title: 'has resolved by itself twice `for` after the promotion (the new master stays master)',
    at: '8m',
    series: [s(C, 'redis_instance_info', 'rc-3', '1x4 stale', { role: 'slave', redis_mode: 'cluster' }), s(C, 'redis_instance_info', 'rc-3', '_x5 1x10', { role: 'master', redis_mode: 'cluster' })],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisFailover',
    title: 'stays quiet for masters and replicas that keep their role, and for a replica seen as master for one scrape (a restart)',
    at: '7m',
    series: [
      s(C, 'redis_instance_info', 'rc-0', '1x10', { role: 'master', redis_mode: 'cluster' }),
      s(C, 'redis_instance_info', 'rc-3', '1x10', { role: 'slave', redis_mode: 'cluster' }),
      s(C, 'redis_instance_info', 'rc-4', '1x4 _ 1x4', { role: 'slave', redis_mode: 'cluster' }),
      s(C, 'redis_instance_info', 'rc-4', '_x5 1 stale', { role: 'master', redis_mode: 'cluster' }),
    ],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisFailover',
    title: 'fires (info) for the replica Sentinel promoted',
    at: '6m',
    series: [
      s(S, 'redis_instance_info', 'rc-1', '1x4 stale', { role: 'slave', redis_mode: 'standalone' }),
      s(S, 'redis_instance_info', 'rc-1', '_x5 1x10', { role: 'master', redis_mode: 'standalone' }),
    ],
    expect: [{ labels: podAlert(S, 'rc-1', 'info', { role: 'master', redis_mode: 'standalone' }), summary: 'Redis redis/rc-1 was promoted from replica to master' }],
  },
  {
    mode: S,
    alert: 'RedisFailover',
    title: 'stays quiet for the old master that came back as a replica',
    at: '7m',
    series: [
      s(S, 'redis_instance_info', 'rc-0', '1x4 stale', { role: 'master', redis_mode: 'standalone' }),
      s(S, 'redis_instance_info', 'rc-0', '_x5 1x10', { role: 'slave', redis_mode: 'standalone' }),
    ],
    expect: [],
  },
  // RedisMemoryHigh / RedisMemoryCritical
  {
    mode: C,
    alert: 'RedisMemoryHigh',
    title: 'fires at 90 % of maxmemory',
    at: '10m',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '900000000x15'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x15')],
    expect: [{ labels: podAlert(C, 'rc-0', 'warning'), summary: 'Redis redis/rc-0 uses 90% of maxmemory' }],
  },
  {
    mode: C,
    alert: 'RedisMemoryHigh',
    title: 'stays quiet when maxmemory is 0 (no limit), however much is used',
    at: '10m',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '900000000x15'), s(C, 'redis_memory_max_bytes', 'rc-0', '0x15')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisMemoryHigh',
    title: 'stays quiet at 50 % of maxmemory',
    at: '10m',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '500000000x15'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x15')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisMemoryCritical',
    title: 'fires at 97 % of maxmemory',
    at: '10m',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '970000000x15'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x15')],
    expect: [{ labels: podAlert(C, 'rc-0', 'critical'), summary: 'Redis redis/rc-0 uses 97% of maxmemory' }],
  },
  {
    mode: C,
    alert: 'RedisMemoryCritical',
    title: 'stays quiet when maxmemory is 0',
    at: '10m',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '970000000x15'), s(C, 'redis_memory_max_bytes', 'rc-0', '0x15')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisMemoryCritical',
    title: 'stays quiet at 90 % (only the warning fires)',
    at: '10m',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '900000000x15'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x15')],
    expect: [],
  },
  // RedisMemoryGrowthToMaxmemory (slow leak)
  {
    mode: C,
    alert: 'RedisMemoryGrowthToMaxmemory',
    title: 'fires on steady growth of 60 MB/h that reaches the 1 GB maxmemory within 24h',
    at: '8h',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '100000000+1000000x600'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x600')],
    expect: [{ labels: podAlert(C, 'rc-0', 'warning'), summary: 'Redis redis/rc-0 memory grows steadily toward maxmemory' }],
  },
  {
    mode: C,
    alert: 'RedisMemoryGrowthToMaxmemory',
    title: 'stays quiet on flat usage',
    at: '8h',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '500000000x600'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x600')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisMemoryGrowthToMaxmemory',
    title: 'stays quiet on slow growth that needs weeks to reach maxmemory',
    at: '8h',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '100000000+10000x600'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x600')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisMemoryGrowthToMaxmemory',
    title: 'stays quiet after a one-off bulk load that stopped growing',
    at: '8h',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '200000000x240 600000000x360'), s(C, 'redis_memory_max_bytes', 'rc-0', '1000000000x600')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisMemoryGrowthToMaxmemory',
    title: 'stays quiet when maxmemory is 0',
    at: '8h',
    series: [s(C, 'redis_memory_used_bytes', 'rc-0', '100000000+1000000x600'), s(C, 'redis_memory_max_bytes', 'rc-0', '0x600')],
    expect: [],
  },
  // RedisKeysEvicted
  {
    mode: C,
    alert: 'RedisKeysEvicted',
    title: 'fires when keys are evicted',
    at: '10m',
    series: [s(C, 'redis_evicted_keys_total', 'rc-0', '0+10x15')],
    expect: [{ labels: podAlert(C, 'rc-0', 'warning'), summary: 'Redis redis/rc-0 evicted 50 keys in 5m' }],
  },
  {
    mode: C,
    alert: 'RedisKeysEvicted',
    title: 'stays quiet when the eviction counter does not move',
    at: '10m',
    series: [s(C, 'redis_evicted_keys_total', 'rc-0', '42x15')],
    expect: [],
  },
  // RedisRejectedConnections
  {
    mode: C,
    alert: 'RedisRejectedConnections',
    title: 'fires when connections are rejected',
    at: '10m',
    series: [s(C, 'redis_rejected_connections_total', 'rc-0', '0+2x15')],
    expect: [{ labels: podAlert(C, 'rc-0', 'warning'), summary: 'Redis redis/rc-0 rejected 10 connections in 5m' }],
  },
  {
    mode: C,
    alert: 'RedisRejectedConnections',
    title: 'stays quiet when no connection is rejected',
    at: '10m',
    series: [s(C, 'redis_rejected_connections_total', 'rc-0', '3x15')],
    expect: [],
  },
  // RedisLowHitRatio
  {
    mode: C,
    alert: 'RedisLowHitRatio',
    title: 'fires when 80 % of 5 lookups/s miss for 30 minutes',
    at: '50m',
    series: [s(C, 'redis_keyspace_hits_total', 'rc-0', '0+60x60'), s(C, 'redis_keyspace_misses_total', 'rc-0', '0+240x60')],
    expect: [{ labels: aggAlert(C, 'warning'), summary: 'Redis redis/rc keyspace hit ratio is 20%' }],
  },
  {
    mode: C,
    alert: 'RedisLowHitRatio',
    title: 'stays quiet with 90 % hits',
    at: '50m',
    series: [s(C, 'redis_keyspace_hits_total', 'rc-0', '0+540x60'), s(C, 'redis_keyspace_misses_total', 'rc-0', '0+60x60')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisLowHitRatio',
    title: 'stays quiet on an idle release (0.5 lookups/s), whatever the ratio',
    at: '50m',
    series: [s(C, 'redis_keyspace_hits_total', 'rc-0', '0+6x60'), s(C, 'redis_keyspace_misses_total', 'rc-0', '0+24x60')],
    expect: [],
  },
  // Redis Cluster state and slots
  {
    mode: C,
    alert: 'RedisClusterStateNotOk',
    title: 'fires when a node reports cluster_state:fail',
    at: '5m',
    series: [s(C, 'redis_cluster_state', 'rc-0', '0x10'), s(C, 'redis_cluster_state', 'rc-1', '1x10')],
    expect: [{ labels: podAlert(C, 'rc-0', 'critical'), summary: 'Redis Cluster node redis/rc-0 reports cluster_state:fail' }],
  },
  {
    mode: C,
    alert: 'RedisClusterStateNotOk',
    title: 'stays quiet through a 1-minute failover blip',
    at: '5m',
    series: [s(C, 'redis_cluster_state', 'rc-0', '1 1 0 1x8')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisClusterSlotsFail',
    title: 'fires when slots are in fail',
    at: '5m',
    series: [s(C, 'redis_cluster_slots_fail', 'rc-0', '5461x10')],
    expect: [{ labels: podAlert(C, 'rc-0', 'critical'), summary: 'Redis Cluster redis/rc: 5461 slots failing (seen by rc-0)' }],
  },
  {
    mode: C,
    alert: 'RedisClusterSlotsFail',
    title: 'stays quiet with no failing slot',
    at: '5m',
    series: [s(C, 'redis_cluster_slots_fail', 'rc-0', '0x10')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisClusterSlotsPfail',
    title: 'fires when slots stay in pfail',
    at: '10m',
    series: [s(C, 'redis_cluster_slots_pfail', 'rc-2', '5462x15')],
    expect: [{ labels: podAlert(C, 'rc-2', 'warning'), summary: 'Redis Cluster node redis/rc-2 suspects 5462 slots (pfail)' }],
  },
  {
    mode: C,
    alert: 'RedisClusterSlotsPfail',
    title: 'stays quiet with no pfail slot',
    at: '10m',
    series: [s(C, 'redis_cluster_slots_pfail', 'rc-2', '0x15')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisClusterSlotsUnassigned',
    title: 'fires when not all 16384 slots are assigned',
    at: '10m',
    series: [s(C, 'redis_cluster_slots_assigned', 'rc-0', '10923x15')],
    expect: [{ labels: podAlert(C, 'rc-0', 'critical'), summary: 'Redis Cluster node redis/rc-0 sees only 10923 of 16384 slots assigned' }],
  },
  {
    mode: C,
    alert: 'RedisClusterSlotsUnassigned',
    title: 'stays quiet with all 16384 slots assigned',
    at: '10m',
    series: [s(C, 'redis_cluster_slots_assigned', 'rc-0', '16384x15')],
    expect: [],
  },
  // Replication
  {
    mode: C,
    alert: 'RedisMasterWithoutReplica',
    title: 'fires for a master with 0 connected replicas',
    at: '15m',
    series: [
      s(C, 'redis_connected_slaves', 'rc-0', '0x20'),
      s(C, 'redis_instance_info', 'rc-0', '1x20', { role: 'master', redis_mode: 'cluster' }),
      s(C, 'redis_connected_slaves', 'rc-1', '1x20'),
      s(C, 'redis_instance_info', 'rc-1', '1x20', { role: 'master', redis_mode: 'cluster' }),
    ],
    expect: [{ labels: podAlert(C, 'rc-0', 'critical'), summary: 'Redis master redis/rc-0 has no replica' }],
  },
  {
    mode: C,
    alert: 'RedisMasterWithoutReplica',
    title: 'stays quiet for replicas (which have no replicas of their own) and masters with one',
    at: '15m',
    series: [
      s(C, 'redis_connected_slaves', 'rc-3', '0x20'),
      s(C, 'redis_instance_info', 'rc-3', '1x20', { role: 'slave', redis_mode: 'cluster' }),
      s(C, 'redis_connected_slaves', 'rc-0', '1x20'),
      s(C, 'redis_instance_info', 'rc-0', '1x20', { role: 'master', redis_mode: 'cluster' }),
    ],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisReplicationLinkDown',
    title: "fires when a replica's link to its master is down",
    at: '5m',
    series: [s(S, 'redis_master_link_up', 'rc-1', '0x10', { master_host: '10.42.0.10', master_port: '6379' })],
    expect: [{ labels: podAlert(S, 'rc-1', 'critical', { master_host: '10.42.0.10', master_port: '6379' }), summary: 'Redis replica redis/rc-1 lost its master 10.42.0.10:6379' }],
  },
  {
    mode: S,
    alert: 'RedisReplicationLinkDown',
    title: 'stays quiet while the link is up',
    at: '5m',
    series: [s(S, 'redis_master_link_up', 'rc-1', '1x10', { master_host: '10.42.0.10', master_port: '6379' })],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisReplicationLag',
    title: 'fires when a replica trails its master by 20 MB',
    at: '10m',
    series: [
      s(C, 'redis_master_repl_offset', 'rc-0', '1000000000+1000000x15'),
      s(C, 'redis_connected_slave_offset_bytes', 'rc-0', '980000000+1000000x15', { slave_ip: '10.42.0.13', slave_port: '6379', slave_state: 'online' }),
      s(C, 'redis_master_repl_offset', 'rc-3', '980000000+1000000x15'),
    ],
    expect: [
      { labels: podAlert(C, 'rc-0', 'warning', { slave_ip: '10.42.0.13', slave_port: '6379', slave_state: 'online' }), summary: 'Replica 10.42.0.13 of Redis master redis/rc-0 is 19.07MiB behind' },
    ],
  },
  {
    mode: C,
    alert: 'RedisReplicationLag',
    title: 'stays quiet when the replica is 1 MB behind',
    at: '10m',
    series: [
      s(C, 'redis_master_repl_offset', 'rc-0', '1000000000+1000000x15'),
      s(C, 'redis_connected_slave_offset_bytes', 'rc-0', '999000000+1000000x15', { slave_ip: '10.42.0.13', slave_port: '6379', slave_state: 'online' }),
    ],
    expect: [],
  },
  // Persistence
  {
    mode: C,
    alert: 'RedisRdbSaveFailed',
    title: 'fires when the last BGSAVE failed',
    at: '5m',
    series: [s(C, 'redis_rdb_last_bgsave_status', 'rc-0', '0x10')],
    expect: [{ labels: podAlert(C, 'rc-0', 'critical'), summary: 'Redis redis/rc-0: last RDB snapshot failed' }],
  },
  {
    mode: C,
    alert: 'RedisRdbSaveFailed',
    title: 'stays quiet when the last BGSAVE succeeded',
    at: '5m',
    series: [s(C, 'redis_rdb_last_bgsave_status', 'rc-0', '1x10')],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisAofWriteFailed',
    title: 'fires when an AOF write failed',
    at: '5m',
    series: [s(S, 'redis_aof_last_write_status', 'rc-0', '0x10'), s(S, 'redis_aof_last_bgrewrite_status', 'rc-0', '1x10')],
    expect: [{ labels: podAlert(S, 'rc-0', 'critical'), summary: 'Redis redis/rc-0: AOF write or rewrite failed' }],
  },
  {
    mode: S,
    alert: 'RedisAofWriteFailed',
    title: 'fires when an AOF rewrite failed',
    at: '5m',
    series: [s(S, 'redis_aof_last_write_status', 'rc-0', '1x10'), s(S, 'redis_aof_last_bgrewrite_status', 'rc-0', '0x10')],
    expect: [{ labels: podAlert(S, 'rc-0', 'critical'), summary: 'Redis redis/rc-0: AOF write or rewrite failed' }],
  },
  {
    mode: S,
    alert: 'RedisAofWriteFailed',
    title: 'stays quiet while AOF writes and rewrites succeed',
    at: '5m',
    series: [s(S, 'redis_aof_last_write_status', 'rc-0', '1x10'), s(S, 'redis_aof_last_bgrewrite_status', 'rc-0', '1x10')],
    expect: [],
  },
  // Data safety (issue 10): a start script waiting safely, and a master whose data vanished.
  {
    mode: C,
    alert: 'RedisStartHeld',
    title: 'fires when the redis container runs for 10 minutes while redis-server is not up (the start script waits safely)',
    at: '10m',
    series: [s(C, 'redis_up', 'rc-0', '0x15'), { series: 'kube_pod_container_status_running{namespace="redis",pod="rc-0",container="redis",job="kube-state-metrics"}', values: '1x15' }],
    expect: [{ labels: aggAlert(C, 'critical', { pod: 'rc-0' }), summary: 'Redis redis/rc-0 is waiting safely: it cannot decide who holds the data' }],
  },
  {
    mode: C,
    alert: 'RedisStartHeld',
    title: 'stays quiet while the container is not running (crash loop: RedisDown covers it)',
    at: '10m',
    series: [s(C, 'redis_up', 'rc-0', '0x15'), { series: 'kube_pod_container_status_running{namespace="redis",pod="rc-0",container="redis",job="kube-state-metrics"}', values: '0x15' }],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisStartHeld',
    title: 'fires for a Sentinel-mode candidate that has replicated the placeholder 127.0.0.1:1 for 10 minutes (electing safely)',
    at: '10m',
    series: [s(S, 'redis_up', 'rc-1', '1x15'), s(S, 'redis_master_link_up', 'rc-1', '0x15', { master_host: '127.0.0.1', master_port: '1' })],
    expect: [{ labels: aggAlert(S, 'critical', { pod: 'rc-1' }), summary: 'Redis redis/rc-1 is waiting safely: it cannot decide who holds the data' }],
  },
  {
    mode: S,
    alert: 'RedisReplicationLinkDown',
    title: 'stays quiet for a candidate (RedisStartHeld pages for it)',
    at: '10m',
    series: [s(S, 'redis_master_link_up', 'rc-1', '0x15', { master_host: '127.0.0.1', master_port: '1' })],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisStartHeld',
    title: 'stays quiet once redis-server is up',
    at: '10m',
    series: [s(S, 'redis_up', 'rc-0', '0x3 1x12'), { series: 'kube_pod_container_status_running{namespace="redis",pod="rc-0",container="redis",job="kube-state-metrics"}', values: '1x15' }],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisDataVanished',
    title: 'fires when a master that had keys holds none',
    at: '20m',
    series: [s(C, 'redis_db_keys', 'rc-0', '5000x10 0x10', { db: 'db0' }), s(C, 'redis_instance_info', 'rc-0', '1x20', { role: 'master' })],
    expect: [{ labels: aggAlert(C, 'critical', { pod: 'rc-0' }), summary: 'Redis master redis/rc-0 holds no key, and it had keys in the last window' }],
  },
  {
    mode: S,
    alert: 'RedisDataVanished',
    title: 'stays quiet for a replica resyncing from an empty state',
    at: '20m',
    series: [s(S, 'redis_db_keys', 'rc-1', '5000x10 0x10', { db: 'db0' }), s(S, 'redis_instance_info', 'rc-1', '1x20', { role: 'slave' })],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisDataVanished',
    title: 'stays quiet for a master that never had keys',
    at: '20m',
    series: [s(C, 'redis_db_keys', 'rc-0', '0x20', { db: 'db0' }), s(C, 'redis_instance_info', 'rc-0', '1x20', { role: 'master' })],
    expect: [],
  },
  // The Sentinel pods' exporters (component "sentinel") serve redis_up, up, redis_instance_info (role "",
  // redis_mode "sentinel"), redis_db_keys ... too: no Redis-pod alert may count them.
  {
    mode: S,
    alert: 'RedisDown',
    title: "stays quiet when a Sentinel pod's exporter cannot reach its Sentinel or is not scraped (component sentinel)",
    at: '5m',
    series: [
      ...pods(2).flatMap((p) => [s(S, 'redis_up', p, '1x10'), s(S, 'up', p, '1x10')]),
      s(S, 'redis_up', 'rc-sentinel-0', '0x10'),
      s(S, 'up', 'rc-sentinel-0', '1x10'),
      s(S, 'up', 'rc-sentinel-1', '0x10'),
    ],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisPodsMissing',
    title: 'fires with 1 of 2 Redis pods even while 3 Sentinel pods are scraped',
    at: '20m',
    series: [s(S, 'up', 'rc-0', '1x30'), ...['rc-sentinel-0', 'rc-sentinel-1', 'rc-sentinel-2'].map((p) => s(S, 'up', p, '1x30'))],
    expect: [{ labels: aggAlert(S, 'warning'), summary: 'Redis redis/rc runs 1 of 2 pods' }],
  },
  {
    mode: S,
    alert: 'RedisMetricsAbsent',
    title: "fires when only the Sentinel pods are scraped (no Redis pod's redis_up)",
    at: '15m',
    series: [s(S, 'redis_up', 'rc-sentinel-0', '1x20'), s(S, 'redis_up', 'rc-sentinel-1', '1x20')],
    expect: [{ labels: { namespace: 'redis', release: 'rc', mode: 'sentinel', component: 'redis', severity: 'critical' }, summary: 'No metrics from Redis release redis/rc' }],
  },
  {
    mode: S,
    alert: 'RedisSplitBrain',
    title: 'counts Redis pods only: 2 masters make 2, even next to Sentinel pods whose info series said role master',
    at: '5m',
    series: [
      s(S, 'redis_instance_info', 'rc-0', '1x10', { role: 'master', redis_mode: 'standalone' }),
      s(S, 'redis_instance_info', 'rc-1', '1x10', { role: 'master', redis_mode: 'standalone' }),
      ...['rc-sentinel-0', 'rc-sentinel-1', 'rc-sentinel-2'].map((p) => s(S, 'redis_instance_info', p, '1x10', { role: '', redis_mode: 'sentinel' })),
      // Not what 1.45 serves (role ""), but what a role-reporting exporter would: still not counted.
      ...['rc-sentinel-0', 'rc-sentinel-1', 'rc-sentinel-2'].map((p) => s(S, 'redis_instance_info', p, '1x10', { role: 'master', redis_mode: 'sentinel', run_id: 'synthetic' })),
    ],
    expect: [{ labels: aggAlert(S, 'critical'), summary: 'Redis Sentinel group redis/rc has 2 masters' }],
  },
  {
    mode: S,
    alert: 'RedisDataVanished',
    title: "stays quiet for a Sentinel pod's redis_db_keys (0 for db0-db15), even with a role master info series",
    at: '20m',
    series: [
      s(S, 'redis_db_keys', 'rc-sentinel-0', '5000x10 0x10', { db: 'db0' }),
      s(S, 'redis_instance_info', 'rc-sentinel-0', '1x20', { role: 'master', redis_mode: 'sentinel' }),
      s(S, 'redis_db_keys', 'rc-0', '5000x20', { db: 'db0' }),
      s(S, 'redis_instance_info', 'rc-0', '1x20', { role: 'master', redis_mode: 'standalone' }),
    ],
    expect: [],
  },
  // The HAProxy master endpoint (HAProxy's own exporter: haproxy_backend_active_servers per backend, `proxy` label)
  {
    mode: S,
    alert: 'RedisMasterEndpointDown',
    title: 'fires when no HAProxy pod has a master in its write backend',
    at: '5m',
    series: [
      s(S, 'haproxy_backend_active_servers', 'rc-haproxy-0', '1 0x10', { proxy: 'redis-master' }),
      s(S, 'haproxy_backend_active_servers', 'rc-haproxy-1', '1 0x10', { proxy: 'redis-master' }),
      s(S, 'haproxy_backend_active_servers', 'rc-haproxy-0', '2x10', { proxy: 'redis-replicas' }),
    ],
    expect: [{ labels: aggAlert(S, 'critical'), summary: 'Master endpoint of redis/rc: no HAProxy pod has a master to send writes to' }],
  },
  {
    mode: S,
    alert: 'RedisMasterEndpointDown',
    title: 'stays quiet while one HAProxy pod still has the master (the other lost it), and for a failover shorter than its for',
    at: '5m',
    series: [
      s(S, 'haproxy_backend_active_servers', 'rc-haproxy-0', '1x10', { proxy: 'redis-master' }),
      s(S, 'haproxy_backend_active_servers', 'rc-haproxy-1', '0x10', { proxy: 'redis-master' }),
      s(S, 'haproxy_backend_active_servers', 'rc-haproxy-2', '1 1 1 0 1x6', { proxy: 'redis-master' }),
    ],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisMasterEndpointDown',
    title: 'reads only the HAProxy pods (a Redis pod serving a same-named series does not count)',
    at: '5m',
    series: [s(S, 'haproxy_backend_active_servers', 'rc-haproxy-0', '0x10', { proxy: 'redis-master' }), s(S, 'haproxy_backend_active_servers', 'rc-0', '1x10', { proxy: 'redis-master' })],
    expect: [{ labels: aggAlert(S, 'critical'), summary: 'Master endpoint of redis/rc: no HAProxy pod has a master to send writes to' }],
  },
  // Sentinel (the exporter scraping a Sentinel pod; labels as 1.45 serves them against redis-sentinel)
  {
    mode: S,
    alert: 'RedisSentinelQuorumLost',
    title: 'fires when SENTINEL CKQUORUM fails on a Sentinel',
    at: '5m',
    series: [s(S, 'redis_sentinel_master_ckquorum_status', 'rc-sentinel-0', '0x10', { master_name: 'mymaster', message: 'NOQUORUM 1 usable Sentinels' })],
    expect: [{ labels: aggAlert(S, 'critical', { pod: 'rc-sentinel-0', master_name: 'mymaster' }), summary: 'Sentinel redis/rc-sentinel-0: too few Sentinels reachable for quorum of mymaster' }],
  },
  {
    mode: S,
    alert: 'RedisSentinelQuorumLost',
    title: 'stays quiet while CKQUORUM is OK',
    at: '5m',
    series: [s(S, 'redis_sentinel_master_ckquorum_status', 'rc-sentinel-0', '1x10', { master_name: 'mymaster', message: 'OK 3 usable Sentinels' })],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisSentinelTilt',
    title: 'fires when a Sentinel stays in TILT mode',
    at: '5m',
    series: [s(S, 'redis_sentinel_tilt', 'rc-sentinel-1', '1x10')],
    expect: [{ labels: podAlert(S, 'rc-sentinel-1', 'warning'), summary: 'Sentinel redis/rc-sentinel-1 is in TILT mode' }],
  },
  {
    mode: S,
    alert: 'RedisSentinelTilt',
    title: 'stays quiet for a 30-second TILT',
    at: '5m',
    series: [s(S, 'redis_sentinel_tilt', 'rc-sentinel-1', '0 1 0x8')],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisSentinelMasterDisagreement',
    title: 'fires when two Sentinels name different masters',
    at: '5m',
    series: [
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '1x10', { master_name: 'mymaster', master_address: '10.42.1.10:6379', master_status: 'ok' }),
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-1', '1x10', { master_name: 'mymaster', master_address: '10.42.1.11:6379', master_status: 'ok' }),
    ],
    expect: [{ labels: aggAlert(S, 'critical', { master_name: 'mymaster' }), summary: 'Sentinels of redis/rc name 2 different masters for mymaster' }],
  },
  {
    mode: S,
    alert: 'RedisSentinelMasterDisagreement',
    title: 'stays quiet when every Sentinel names the same master',
    at: '5m',
    series: [
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '1x10', { master_name: 'mymaster', master_address: '10.42.1.10:6379', master_status: 'ok' }),
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-1', '1x10', { master_name: 'mymaster', master_address: '10.42.1.10:6379', master_status: 'ok' }),
    ],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisSentinelFailoversFrequent',
    title: 'fires after two master changes within the window',
    at: '30m',
    series: [
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '1x10', { master_name: 'mymaster', master_address: '10.42.1.10:6379', master_status: 'ok' }),
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '_x10 1x10', { master_name: 'mymaster', master_address: '10.42.1.11:6379', master_status: 'ok' }),
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '_x21 1x10', { master_name: 'mymaster', master_address: '10.42.1.12:6379', master_status: 'ok' }),
    ],
    expect: [{ labels: aggAlert(S, 'warning', { master_name: 'mymaster' }), summary: 'Redis Sentinel group redis/rc: 2 master changes of mymaster in 1h' }],
  },
  {
    mode: S,
    alert: 'RedisSentinelFailoversFrequent',
    title: 'stays quiet after a single failover',
    at: '30m',
    series: [
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '1x10', { master_name: 'mymaster', master_address: '10.42.1.10:6379', master_status: 'ok' }),
      s(S, 'redis_sentinel_master_status', 'rc-sentinel-0', '_x10 1x25', { master_name: 'mymaster', master_address: '10.42.1.11:6379', master_status: 'ok' }),
    ],
    expect: [],
  },
  // Backups (kube-state-metrics series of the backup CronJob <release>-<chart>-backup; the unit tests render backupMaxAgeHours=1)
  {
    mode: C,
    alert: 'RedisBackupTooOld',
    title: 'fires when the backup CronJob last succeeded more than backupMaxAgeHours ago',
    at: '80m',
    series: [ksm('kube_cronjob_status_last_successful_time', { cronjob: 'rc-redis-cluster-backup' }, '0x90'), ksm('kube_cronjob_created', { cronjob: 'rc-redis-cluster-backup' }, '0x90')],
    expect: [{ labels: backupAlert(C, 'critical', { cronjob: 'rc-redis-cluster-backup' }), summary: 'Redis release redis/rc: no successful backup for 1h 20m 0s' }],
  },
  {
    mode: S,
    alert: 'RedisBackupTooOld',
    title: 'fires when the backup CronJob never succeeded since it was created backupMaxAgeHours ago',
    at: '80m',
    series: [ksm('kube_cronjob_created', { cronjob: 'rc-redis-sentinel-backup' }, '0x90')],
    expect: [{ labels: backupAlert(S, 'critical', { cronjob: 'rc-redis-sentinel-backup' }), summary: 'Redis release redis/rc: no successful backup for 1h 20m 0s' }],
  },
  {
    mode: C,
    alert: 'RedisBackupTooOld',
    title: 'stays quiet while backups succeed',
    at: '80m',
    series: [ksm('kube_cronjob_status_last_successful_time', { cronjob: 'rc-redis-cluster-backup' }, '0+60x90'), ksm('kube_cronjob_created', { cronjob: 'rc-redis-cluster-backup' }, '0x90')],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisBackupTooOld',
    title: "stays quiet for another release's backup CronJob",
    at: '80m',
    series: [ksm('kube_cronjob_status_last_successful_time', { cronjob: 'other-redis-cluster-backup' }, '0x90')],
    expect: [],
  },
  {
    mode: S,
    alert: 'RedisBackupJobFailed',
    title: 'fires when a Job of the backup CronJob failed after the last success',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'rc-redis-sentinel-backup-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'rc-redis-sentinel-backup-29000000', owner_kind: 'CronJob', owner_name: 'rc-redis-sentinel-backup', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'rc-redis-sentinel-backup-29000000' }, '60x10'),
      ksm('kube_cronjob_status_last_successful_time', { cronjob: 'rc-redis-sentinel-backup' }, '0x10'),
    ],
    expect: [{ labels: backupAlert(S, 'warning', { job_name: 'rc-redis-sentinel-backup-29000000' }), summary: 'Backup Job redis/rc-redis-sentinel-backup-29000000 of Redis release rc failed' }],
  },
  {
    mode: S,
    alert: 'RedisBackupJobFailed',
    title: 'stays quiet once a later backup succeeded',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'rc-redis-sentinel-backup-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'rc-redis-sentinel-backup-29000000', owner_kind: 'CronJob', owner_name: 'rc-redis-sentinel-backup', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'rc-redis-sentinel-backup-29000000' }, '60x10'),
      ksm('kube_cronjob_status_last_successful_time', { cronjob: 'rc-redis-sentinel-backup' }, '600x10'),
    ],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisBackupJobFailed',
    title: 'stays quiet for a failed Job of another CronJob',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'other-backup-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'other-backup-29000000', owner_kind: 'CronJob', owner_name: 'other-backup', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'other-backup-29000000' }, '60x10'),
    ],
    expect: [],
  },
  // Restore drills (the same Job series, of the drill CronJob <release>-<chart>-drill)
  {
    mode: C,
    alert: 'RedisBackupDrillFailed',
    title: 'fires when a Job of the drill CronJob failed after the last passed drill',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'rc-redis-cluster-drill-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'rc-redis-cluster-drill-29000000', owner_kind: 'CronJob', owner_name: 'rc-redis-cluster-drill', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'rc-redis-cluster-drill-29000000' }, '60x10'),
      ksm('kube_cronjob_status_last_successful_time', { cronjob: 'rc-redis-cluster-drill' }, '0x10'),
    ],
    expect: [
      {
        labels: backupAlert(C, 'warning', { job_name: 'rc-redis-cluster-drill-29000000' }),
        summary: 'Restore drill redis/rc-redis-cluster-drill-29000000 of Redis release rc failed: the newest backup set is not proven restorable',
      },
    ],
  },
  {
    mode: S,
    alert: 'RedisBackupDrillFailed',
    title: 'fires for a failed drill when no drill ever passed',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'rc-redis-sentinel-drill-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'rc-redis-sentinel-drill-29000000', owner_kind: 'CronJob', owner_name: 'rc-redis-sentinel-drill', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'rc-redis-sentinel-drill-29000000' }, '60x10'),
    ],
    expect: [
      {
        labels: backupAlert(S, 'warning', { job_name: 'rc-redis-sentinel-drill-29000000' }),
        summary: 'Restore drill redis/rc-redis-sentinel-drill-29000000 of Redis release rc failed: the newest backup set is not proven restorable',
      },
    ],
  },
  {
    mode: C,
    alert: 'RedisBackupDrillFailed',
    title: 'stays quiet once a later drill passed',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'rc-redis-cluster-drill-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'rc-redis-cluster-drill-29000000', owner_kind: 'CronJob', owner_name: 'rc-redis-cluster-drill', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'rc-redis-cluster-drill-29000000' }, '60x10'),
      ksm('kube_cronjob_status_last_successful_time', { cronjob: 'rc-redis-cluster-drill' }, '600x10'),
    ],
    expect: [],
  },
  {
    mode: C,
    alert: 'RedisBackupDrillFailed',
    title: 'stays quiet for a failed Job of the backup CronJob (that is RedisBackupJobFailed)',
    at: '5m',
    series: [
      ksm('kube_job_status_failed', { job_name: 'rc-redis-cluster-backup-29000000', reason: 'BackoffLimitExceeded' }, '1x10'),
      ksm('kube_job_owner', { job_name: 'rc-redis-cluster-backup-29000000', owner_kind: 'CronJob', owner_name: 'rc-redis-cluster-backup', owner_is_controller: 'true' }, '1x10'),
      ksm('kube_job_status_start_time', { job_name: 'rc-redis-cluster-backup-29000000' }, '60x10'),
    ],
    expect: [],
  },
];

/**
 * The promtool test file of one case. The rule file it loads is the chart's rendered rules with
 * only the `summary` kept among the annotations (descriptions and runbook links are long prose;
 * `promtool check rules` already parses their templates).
 */
export function promtoolTest(c: AlertCase, ruleFile: string): string {
  return YAML.stringify(
    {
      rule_files: [ruleFile],
      evaluation_interval: '1m',
      tests: [
        {
          name: `${c.alert} ${c.title}`,
          interval: '1m',
          input_series: c.series.map((x) => ({ series: x.series, values: x.values })),
          alert_rule_test: [
            {
              eval_time: c.at,
              alertname: c.alert,
              exp_alerts: c.expect.map((e) => ({ exp_labels: e.labels, exp_annotations: { summary: e.summary } })),
            },
          ],
        },
      ],
    },
    { lineWidth: 0 },
  );
}
