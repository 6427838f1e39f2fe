/** "Overview": health, memory, hit/miss ratio, command throughput and latency, clients. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { Layout, redisDashboard, statPanel, timeseriesPanel } from './panels.ts';
import { rate, RELEASE_SCOPE, sel } from './query.ts';

export function overviewDashboard(): Dashboard {
  const dash = redisDashboard({
    name: 'overview',
    title: 'overview',
    description: 'Health, memory, keyspace hit ratio, command throughput and latency, and clients of one Redis release.',
    charts: ['redis-cluster', 'redis-sentinel'],
  });
  const hits = `sum(${rate('redis_keyspace_hits_total')})`;
  const misses = `sum(${rate('redis_keyspace_misses_total')})`;
  new Layout(dash)
    .section('Health')
    .add(
      statPanel({
        title: 'Instances up',
        description: 'Redis processes the exporters reach (redis_up). Fewer than the pods of the release: see the RedisDown alert.',
        queries: [{ expr: `sum(${sel('redis_up', '', RELEASE_SCOPE)})`, legend: 'up' }],
        unit: 'none',
      }),
      4,
      4,
    )
    .add(
      statPanel({
        title: 'Masters',
        description: 'Instances whose role is master. More than the shards (cluster) or more than 1 (sentinel) is split-brain.',
        queries: [{ expr: `count(${sel('redis_instance_info', 'role="master"', RELEASE_SCOPE)})`, legend: 'masters' }],
        unit: 'none',
      }),
      4,
      4,
    )
    .add(
      statPanel({
        title: 'Keys (masters)',
        description: 'Keys stored on the masters (replicas hold copies).',
        queries: [{ expr: `sum(${sel('redis_db_keys', '', RELEASE_SCOPE)} and on (namespace, release, pod) ${sel('redis_instance_info', 'role="master"', RELEASE_SCOPE)})`, legend: 'keys' }],
        unit: 'short',
      }),
      4,
      4,
    )
    .add(
      statPanel({
        title: 'Commands / s',
        description: 'Commands processed per second by all selected pods.',
        queries: [{ expr: `sum(${rate('redis_commands_processed_total')})`, legend: 'ops' }],
        unit: 'ops',
      }),
      4,
      4,
    )
    .add(
      statPanel({
        title: 'Hit ratio',
        description: 'Keyspace hits / (hits + misses). Persistently low: keys expire too early, are evicted, or clients read keys that do not exist.',
        queries: [{ expr: `${hits} / (${hits} + ${misses})`, legend: 'hit ratio' }],
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [0, 'red'],
          [0.8, 'green'],
        ],
      }),
      4,
      4,
    )
    .add(
      statPanel({
        title: 'Highest memory use',
        description: 'used_memory / maxmemory of the fullest pod (pods without maxmemory are left out).',
        queries: [{ expr: `max(${sel('redis_memory_used_bytes')} / (${sel('redis_memory_max_bytes')} > 0))`, legend: 'max' }],
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [0.85, 'orange'],
          [0.95, 'red'],
        ],
      }),
      4,
      4,
    )
    .section('Memory')
    .add(
      timeseriesPanel({
        title: 'Used memory and maxmemory',
        description: 'used_memory per pod, and maxmemory (dashed threshold of each pod). Redis refuses writes (noeviction) or evicts when used reaches maxmemory.',
        queries: [
          { expr: sel('redis_memory_used_bytes'), legend: '{{pod}} used' },
          { expr: `${sel('redis_memory_max_bytes')} > 0`, legend: '{{pod}} maxmemory' },
        ],
        unit: 'bytes',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Memory used / maxmemory',
        description: 'Share of maxmemory in use per pod. Alerts: RedisMemoryHigh at 85 %, RedisMemoryCritical at 95 % (defaults); a steady climb is what RedisMemoryGrowthToMaxmemory predicts.',
        queries: [{ expr: `${sel('redis_memory_used_bytes')} / (${sel('redis_memory_max_bytes')} > 0)`, legend: '{{pod}}' }],
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [0.85, 'orange'],
          [0.95, 'red'],
        ],
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Resident memory (RSS)',
        description: 'Memory the kernel has given each Redis process: what the container memory limit is measured against.',
        queries: [{ expr: sel('redis_memory_used_rss_bytes'), legend: '{{pod}}' }],
        unit: 'bytes',
        min: 0,
      }),
      8,
    )
    .add(
      timeseriesPanel({
        title: 'Fragmentation ratio',
        description: 'RSS / used_memory. Well above 1.5 wastes memory (consider activedefrag); below 1 means the process is swapping.',
        queries: [{ expr: sel('redis_mem_fragmentation_ratio'), legend: '{{pod}}' }],
        unit: 'none',
        thresholds: [[1.5, 'orange']],
      }),
      8,
    )
    .add(
      timeseriesPanel({
        title: 'Evicted and expired keys / s',
        description: 'Evictions mean maxmemory was reached with an evicting policy; expirations are keys whose TTL ran out.',
        queries: [
          { expr: `sum by (pod) (${rate('redis_evicted_keys_total')})`, legend: '{{pod}} evicted' },
          { expr: `sum by (pod) (${rate('redis_expired_keys_total')})`, legend: '{{pod}} expired' },
        ],
        unit: 'ops',
        min: 0,
      }),
      8,
    )
    .section('Hit / miss ratio')
    .add(
      timeseriesPanel({
        title: 'Keyspace hit ratio',
        description: 'Hits / (hits + misses) of the selected pods. RedisLowHitRatio warns when it stays below 80 % (default) with real traffic.',
        queries: [
          { expr: `${hits} / (${hits} + ${misses})`, legend: 'all selected pods' },
          {
            expr: `sum by (pod) (${rate('redis_keyspace_hits_total')}) / (sum by (pod) (${rate('redis_keyspace_hits_total')}) + sum by (pod) (${rate('redis_keyspace_misses_total')}))`,
            legend: '{{pod}}',
          },
        ],
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [0, 'red'],
          [0.8, 'green'],
        ],
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Hits and misses / s',
        description: 'Key lookups that found a key (hits) and that did not (misses).',
        queries: [
          { expr: hits, legend: 'hits' },
          { expr: misses, legend: 'misses' },
        ],
        unit: 'ops',
        min: 0,
      }),
    )
    .section('Commands: throughput and latency')
    .add(
      timeseriesPanel({
        title: 'Commands / s by command (top 10)',
        description: 'Calls per second of the busiest commands (INFO commandstats).',
        queries: [{ expr: `topk(10, sum by (cmd) (${rate('redis_commands_total')}))`, legend: '{{cmd}}' }],
        unit: 'ops',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Average latency by command (top 10)',
        description: 'Server-side time per call (usec of commandstats / calls): excludes network and queueing in the client. Slow commands (KEYS, big SMEMBERS, Lua) block every other client.',
        queries: [{ expr: `topk(10, sum by (cmd) (${rate('redis_commands_duration_seconds_total')}) / (sum by (cmd) (${rate('redis_commands_total')}) > 0))`, legend: '{{cmd}}' }],
        unit: 's',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Commands / s per pod',
        description: 'Total commands processed per second by each pod: uneven masters mean hot slots or keys.',
        queries: [{ expr: `sum by (pod) (${rate('redis_commands_processed_total')})`, legend: '{{pod}}' }],
        unit: 'ops',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Network in / out',
        description: 'Bytes per second received from and sent to clients (replication included).',
        queries: [
          { expr: `sum by (pod) (${rate('redis_net_input_bytes_total')})`, legend: '{{pod}} in' },
          { expr: `sum by (pod) (${rate('redis_net_output_bytes_total')})`, legend: '{{pod}} out' },
        ],
        unit: 'Bps',
        min: 0,
      }),
    )
    .section('Clients')
    .add(
      timeseriesPanel({
        title: 'Connected clients',
        description: 'Client connections per pod (replicas and the exporter count too).',
        queries: [{ expr: sel('redis_connected_clients'), legend: '{{pod}}' }],
        unit: 'short',
        min: 0,
      }),
      8,
    )
    .add(
      timeseriesPanel({
        title: 'Client slots used',
        description: 'connected_clients / maxclients. At 100 % new connections are rejected (RedisRejectedConnections).',
        queries: [{ expr: `${sel('redis_connected_clients')} / on (namespace, release, pod) (${sel('redis_config_maxclients')} > 0)`, legend: '{{pod}}' }],
        unit: 'percentunit',
        min: 0,
        max: 1,
        thresholds: [
          [0.8, 'orange'],
          [0.95, 'red'],
        ],
      }),
      8,
    )
    .add(
      timeseriesPanel({
        title: 'Blocked clients and rejected connections / s',
        description: 'Clients waiting in BLPOP/XREAD etc., and connections refused because maxclients was reached.',
        queries: [
          { expr: sel('redis_blocked_clients'), legend: '{{pod}} blocked' },
          { expr: `sum by (pod) (${rate('redis_rejected_connections_total')})`, legend: '{{pod}} rejected/s' },
        ],
        unit: 'short',
        min: 0,
      }),
      8,
    );
  return dash.build();
}
