/** "Cluster": cluster_state and slot health of a Redis Cluster (redis-cluster releases only). */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { Layout, redisDashboard, statPanel, timeseriesPanel } from './panels.ts';
import { RELEASE_SCOPE, sel } from './query.ts';

export function clusterDashboard(): Dashboard {
  const dash = redisDashboard({
    name: 'cluster',
    title: 'cluster slots and state',
    description: 'cluster_state, hash-slot health and membership of one Redis Cluster, as each node sees it.',
    charts: ['redis-cluster'],
  });
  new Layout(dash)
    .section('State')
    .add(
      statPanel({
        title: 'Nodes reporting cluster_state ok',
        description: 'Nodes that answer cluster_state:ok. Every node should: a node in fail refuses queries (CLUSTERDOWN).',
        queries: [{ expr: `sum(${sel('redis_cluster_state', '', RELEASE_SCOPE)})`, legend: 'ok' }],
        unit: 'none',
      }),
      6,
      5,
    )
    .add(
      statPanel({
        title: 'Slots assigned (min over nodes)',
        description: 'All 16384 hash slots must be assigned, or keys in the missing ones cannot be written (RedisClusterSlotsUnassigned).',
        queries: [{ expr: `min(${sel('redis_cluster_slots_assigned', '', RELEASE_SCOPE)})`, legend: 'assigned' }],
        unit: 'none',
        thresholds: [
          [0, 'red'],
          [16384, 'green'],
        ],
      }),
      6,
      5,
    )
    .add(
      statPanel({
        title: 'Slots failing (max over nodes)',
        description: 'Slots whose master is in fail (RedisClusterSlotsFail) or pfail (RedisClusterSlotsPfail).',
        queries: [{ expr: `max(${sel('redis_cluster_slots_fail', '', RELEASE_SCOPE)} + ${sel('redis_cluster_slots_pfail', '', RELEASE_SCOPE)})`, legend: 'fail+pfail' }],
        unit: 'none',
        thresholds: [[1, 'red']],
      }),
      6,
      5,
    )
    .add(
      statPanel({
        title: 'Masters serving slots (cluster_size)',
        description: 'Masters that own at least one slot, as the fullest-informed node sees it.',
        queries: [{ expr: `max(${sel('redis_cluster_size', '', RELEASE_SCOPE)})`, legend: 'cluster_size' }],
        unit: 'none',
      }),
      6,
      5,
    )
    .section('Slots per node')
    .add(
      timeseriesPanel({
        title: 'cluster_state per node',
        description: '1 ok, 0 fail (RedisClusterStateNotOk).',
        queries: [{ expr: sel('redis_cluster_state'), legend: '{{pod}}' }],
        unit: 'none',
        min: 0,
        max: 1,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Slots ok / pfail / fail',
        description: 'As each node sees them: pfail is a suspicion of one node, fail is agreed by the majority of masters.',
        queries: [
          { expr: sel('redis_cluster_slots_ok'), legend: '{{pod}} ok' },
          { expr: sel('redis_cluster_slots_pfail'), legend: '{{pod}} pfail' },
          { expr: sel('redis_cluster_slots_fail'), legend: '{{pod}} fail' },
        ],
        unit: 'none',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Known nodes',
        description: 'Nodes each node knows (cluster_known_nodes): should equal the pods of the release. More: forgotten nodes left over; fewer: a node was never met.',
        queries: [{ expr: sel('redis_cluster_known_nodes'), legend: '{{pod}}' }],
        unit: 'none',
        min: 0,
      }),
    )
    .add(
      timeseriesPanel({
        title: 'Masters serving slots per node view',
        description: 'cluster_size as each node sees it; nodes that disagree are partitioned.',
        queries: [{ expr: sel('redis_cluster_size'), legend: '{{pod}}' }],
        unit: 'none',
        min: 0,
      }),
    );
  return dash.build();
}
