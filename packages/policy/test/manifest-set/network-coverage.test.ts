import { checkManifestSet, type ManifestSetContext } from '../../src/index.ts';
import { objects } from '../helpers.ts';
import { DEFAULT_DENY, docs, REDIS_NETPOL, redisStatefulSet } from './fixtures.ts';

const ctx: ManifestSetContext = { tier: 'production', namespace: 'redis-prod' };
const rules = (yaml: string, c = ctx) => checkManifestSet(objects(yaml), c).filter((f) => f.code === 'netpol-coverage' || f.code === 'default-deny-ingress');

describe('manifest set: network coverage', () => {
  it('passes when a policy with ingress rules selects the Redis pods and the namespace denies by default', () => {
    expect(rules(docs(redisStatefulSet(), REDIS_NETPOL, DEFAULT_DENY))).toEqual([]);
  });

  it('reports Redis pods no ingress policy selects', () => {
    const other = REDIS_NETPOL.replace('app.kubernetes.io/name: redis-cluster', 'app.kubernetes.io/name: memcached');
    expect(rules(docs(redisStatefulSet(), other, DEFAULT_DENY))).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'netpol-coverage',
        kind: 'StatefulSet',
        name: 'prod-redis-cluster',
        namespace: 'redis-prod',
        path: 'spec.template.metadata.labels',
        message: 'the redis pods of StatefulSet redis-prod/prod-redis-cluster are selected by no NetworkPolicy with ingress rules in namespace redis-prod',
      }),
    ]);
  });

  it('a default deny alone does not count as the policy that admits the Redis clients', () => {
    expect(rules(docs(redisStatefulSet(), DEFAULT_DENY)).map((f) => f.code)).toEqual(['netpol-coverage']);
  });

  it('reports a namespace without a default-deny ingress policy once, as a warning in dev', () => {
    const found = rules(docs(redisStatefulSet(), redisStatefulSet({ component: 'sentinel' }).replace('name: prod-redis-cluster\n', 'name: prod-redis-sentinel\n'), REDIS_NETPOL), {
      tier: 'dev',
      namespace: 'redis-dev',
    });
    expect(found.map((f) => [f.code, f.severity, f.name])).toEqual([['default-deny-ingress', 'warning', 'prod-redis-cluster']]);
    expect(found[0]!.message).toBe('namespace redis-dev of StatefulSet redis-dev/prod-redis-cluster has no default-deny ingress NetworkPolicy, so pods no policy selects accept traffic from anywhere');
  });

  it('ignores StatefulSets that are not Redis pods of redis-gitops', () => {
    const other = redisStatefulSet().replace(/"app.kubernetes.io\/part-of":"redis-gitops"/g, '"app.kubernetes.io/part-of":"shop"');
    expect(rules(other)).toEqual([]);
  });
});
