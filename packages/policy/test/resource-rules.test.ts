import { matchesResources, matchesRule, pluralResource, splitApiVersion, type AdmittedResource, type ResourceRule } from '../src/index.ts';

const sts: AdmittedResource = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  name: 'prod-redis-cluster',
  namespace: 'redis-prod',
  namespaced: true,
  labels: { 'app.kubernetes.io/part-of': 'redis-gitops' },
  operation: 'CREATE',
};
const rule = (r: Partial<ResourceRule>): ResourceRule => ({ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['statefulsets'], operations: ['CREATE'], ...r });

describe('resource rules', () => {
  it.each([
    ['StatefulSet', 'statefulsets'],
    ['NetworkPolicy', 'networkpolicies'],
    ['PodDisruptionBudget', 'poddisruptionbudgets'],
    ['Ingress', 'ingresses'],
    ['Endpoints', 'endpoints'],
    ['CronJob', 'cronjobs'],
    ['PersistentVolumeClaim', 'persistentvolumeclaims'],
  ])('%s is the resource %s', (kind, resource) => {
    expect(pluralResource(kind)).toBe(resource);
  });

  it('splits apiVersion into group and version (core group is empty)', () => {
    expect(splitApiVersion('apps/v1')).toEqual({ group: 'apps', version: 'v1' });
    expect(splitApiVersion('v1')).toEqual({ group: '', version: 'v1' });
  });

  it('matches group, version, resource, operation, scope and names, with wildcards', () => {
    expect(matchesRule(rule({}), sts)).toBe(true);
    expect(matchesRule(rule({ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], operations: ['*'] }), sts)).toBe(true);
    expect(matchesRule(rule({ resources: ['deployments'] }), sts)).toBe(false);
    expect(matchesRule(rule({ apiGroups: [''] }), sts)).toBe(false);
    expect(matchesRule(rule({ operations: ['UPDATE'] }), sts)).toBe(false);
    expect(matchesRule(rule({ scope: 'Cluster' }), sts)).toBe(false);
    expect(matchesRule(rule({ scope: 'Namespaced' }), sts)).toBe(true);
    expect(matchesRule(rule({ resourceNames: ['other'] }), sts)).toBe(false);
  });

  it('applies namespace and object selectors, rules and exclusions together', () => {
    const match = {
      namespaceSelector: { matchLabels: { 'redis-gitops.dev/tier': 'production' } },
      objectSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'redis-gitops' } },
      resourceRules: [rule({})],
      excludeResourceRules: [],
    };
    expect(matchesResources(match, sts, { 'redis-gitops.dev/tier': 'production' })).toBe(true);
    expect(matchesResources(match, sts, { 'redis-gitops.dev/tier': 'dev' })).toBe(false);
    expect(matchesResources({ ...match, excludeResourceRules: [rule({ resourceNames: ['prod-redis-cluster'] })] }, sts, { 'redis-gitops.dev/tier': 'production' })).toBe(false);
    expect(matchesResources({ ...match, resourceRules: [] }, sts, { 'redis-gitops.dev/tier': 'production' })).toBe(true);
  });

  it('the namespace selector never excludes cluster-scoped objects other than Namespaces', () => {
    const match = { namespaceSelector: { matchLabels: { tier: 'production' } }, resourceRules: [], excludeResourceRules: [] };
    const clusterRole = { ...sts, kind: 'ClusterRole', namespaced: false, namespace: undefined };
    expect(matchesResources(match, clusterRole, {})).toBe(true);
    const ns = { ...sts, kind: 'Namespace', namespaced: false, namespace: undefined, labels: { tier: 'dev' } };
    expect(matchesResources(match, ns, {})).toBe(false);
  });
});
