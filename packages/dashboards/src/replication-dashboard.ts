/** "Replication and persistence": roles, replicas, link state, lag, RDB/AOF status. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { Layout, redisDashboard, statPanel, tablePanel, timeseriesPanel } from './panels.ts';
import { RELEASE_SCOPE, sel } from './query.ts';

export function replicationDashboard(): Dashboard {
  const dash = redisDashboard({
    name: 'replication',
    title: 'replication and persistence',
    description: 'Roles, replicas per master, replication links and lag, and RDB/AOF status of one Redis release.',
    charts: ['redis-cluster', 'redis-sentinel'],
  });
  new Layout(dash)
    .section('Roles')
    .add(
      statPanel({
        title: 'Masters',
        description: 'Instances whose role is master. More than the shards (cluster) or more than 1 (sentinel) is split-brain (RedisSplitBrain).',
        queries: [{ expr: `count(${sel('redis_instance_info', 'role="master"', RELEASE_SCOPE)})`, legend: 'masters' }],
        unit: 'none',
      }),
      6,
      5,
    )
    .add(
      statPanel({
        title: 'Replicas',
        description: 'Instances whose role is slave (replica).',
        queries: [{ expr: `count(${sel('redis_instance_info', 'role="slave"', RELEASE_SCOPE)})`, legend: 'replicas' }],
        unit: 'none',
      }),
      6,
      5,
    )
    .add(
      tablePanel({
        title: 'Role per pod',
        description: 'Current role of every pod, from INFO replication.',
        queries: [{ expr: `max by (pod, role) (${sel('redis_instance_info')})`, legend: '{{pod}} {{role}}', instant: true }],
        unit: 'none',
      }),
      12,
      5,
    )
    .section('Replication')
    .add(
      timeseriesPanel({
        title: 'Replicas connected to each master',
        description: 'connected_slaves of every master. 0 on a master means its data has no copy (RedisMasterWithoutReplica).',
        queries: [{ expr: `${sel('redis_connected_slaves')} and on (namespace, release, pod) ${sel('redis_instance_info', 'role="master"')}`, legend: '{{pod}}' }],
        unit: 'none',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Replica link to master',
        description: 'master_link_status of every replica: 1 up, 0 down (RedisReplicationLinkDown).',
        queries: [{ expr: sel('redis_master_link_up'), legend: '{{pod}} -> {{master_host}}' }],
        unit: 'none',
        min: 0,
        max: 1,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Replication lag (bytes)',
        description: "Master offset minus each replica's acknowledged offset, as the master sees it. Growing lag: the replica cannot keep up (network, disk, CPU).",
        queries: [{ expr: `${sel('redis_master_repl_offset')} - on (namespace, release, pod) group_right ${sel('redis_connected_slave_offset_bytes')}`, legend: '{{pod}} -> {{slave_ip}}' }],
        unit: 'bytes',
        min: 0,
      }),
      8,
    )
    .add(
      timeseriesPanel({
        title: 'Seconds since replica acknowledged',
        description: 'lag of INFO replication on the master: seconds since each replica last acknowledged (normally 0-1).',
        queries: [{ expr: sel('redis_connected_slave_lag_seconds'), legend: '{{pod}} -> {{slave_ip}}' }],
        unit: 's',
        min: 0,
      }),
      8,
    )
    .add(
      timeseriesPanel({
        title: 'Seconds since last contact with master',
        description: 'master_last_io_seconds_ago of every replica.',
        queries: [{ expr: sel('redis_master_last_io_seconds_ago'), legend: '{{pod}}' }],
        unit: 's',
        min: 0,
      }),
      8,
    )
    .section('Persistence')
    .add(
      timeseriesPanel({
        title: 'Last RDB save and AOF write succeeded',
        description: '1 ok, 0 failed. A failed save or write usually means a full or read-only volume: check the PVC (RedisRdbSaveFailed, RedisAofWriteFailed).',
        queries: [
          { expr: sel('redis_rdb_last_bgsave_status'), legend: '{{pod}} rdb' },
          { expr: sel('redis_aof_last_write_status'), legend: '{{pod}} aof write' },
          { expr: sel('redis_aof_last_bgrewrite_status'), legend: '{{pod}} aof rewrite' },
        ],
        unit: 'none',
        min: 0,
        max: 1,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Changes since last RDB save',
        description: 'Writes an RDB snapshot would lose right now (AOF, when on, still has them).',
        queries: [{ expr: sel('redis_rdb_changes_since_last_save'), legend: '{{pod}}' }],
        unit: 'short',
        min: 0,
      }),
    );
  return dash.build();
}
