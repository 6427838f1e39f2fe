import { checkManifestSet } from '../../src/index.ts';
import { objects } from '../helpers.ts';
import { docs, pdb, redisStatefulSet } from './fixtures.ts';

const ctx = { tier: 'production' as const, namespace: 'redis-prod' };
const rule = (yaml: string) => checkManifestSet(objects(yaml), ctx).filter((f) => f.code === 'pdb-drain');
const selector = 'selector:\n  matchLabels: {app.kubernetes.io/name: redis-cluster, app.kubernetes.io/instance: prod}';

describe('manifest set: PodDisruptionBudgets let drains proceed', () => {
  it.each([
    ['maxUnavailable: 1', 6],
    ['maxUnavailable: 20%', 6],
    ['minAvailable: 5', 6],
    ['minAvailable: 80%', 6],
  ])('passes %s over %d replicas', (budget, replicas) => {
    expect(rule(docs(redisStatefulSet({ replicas }), pdb(`${budget}\n${selector}`)))).toEqual([]);
  });

  it.each([
    ['maxUnavailable: 0', 6, 'allows 0 of the 6 pods of StatefulSet redis-prod/prod-redis-cluster to be evicted (maxUnavailable 0), so node drains hang'],
    ['minAvailable: 6', 6, 'keeps minAvailable 6 (6 pods) of the 6 pods of StatefulSet redis-prod/prod-redis-cluster, so no pod can be evicted'],
    ['minAvailable: 90%', 3, 'keeps minAvailable 90% (3 pods) of the 3 pods'],
  ])('reports %s over %d replicas', (budget, replicas, message) => {
    const [f] = rule(docs(redisStatefulSet({ replicas }), pdb(`${budget}\n${selector}`)));
    expect(f!.message).toContain(message);
    expect(f!.kind).toBe('PodDisruptionBudget');
  });

  it('reports a budget that selects no workload of the environment', () => {
    const [f] = rule(docs(redisStatefulSet(), pdb('maxUnavailable: 1\nselector:\n  matchLabels: {app.kubernetes.io/name: redis-sentinel}')));
    expect(f).toMatchObject({
      path: 'spec.selector',
      message: 'PodDisruptionBudget redis-prod/prod-redis-cluster selects the pods of no workload rendered in namespace redis-prod, so it protects nothing',
    });
  });
});
