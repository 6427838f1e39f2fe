import { evaluate } from '../src/index.ts';
import { binding, DEV, load, objects, PRODUCTION, statefulSet, vap } from './helpers.ts';

const TIERED = (tiers: string[]): string => `namespaceSelector:\n  matchExpressions:\n    - key: redis-gitops.dev/tier\n      operator: In\n      values: [${tiers.join(', ')}]`;

const replicasPolicy = vap(
  'replicas',
  `validations:
  - expression: "object.spec.replicas <= 3"
    messageExpression: "object.kind + ' ' + object.metadata.namespace + '/' + object.metadata.name + ' has ' + string(object.spec.replicas) + ' replicas'"`,
  { annotations: 'redis-gitops.dev/remediation: use at most 3\nredis-gitops.dev/title: Few replicas\nredis-gitops.dev/severity: low' },
);

describe('evaluate', () => {
  describe('bindings and actions', () => {
    const set = load(replicasPolicy, binding('replicas-deny', 'replicas', ['Deny'], TIERED(['production', 'staging'])), binding('replicas-warn', 'replicas', ['Warn'], TIERED(['dev'])));

    it('denies through the binding whose namespace selector matches, with a Finding-compatible result', () => {
      expect(evaluate(set, objects(statefulSet()), { namespaceLabels: PRODUCTION })).toEqual([
        {
          severity: 'error',
          code: 'policy-violation',
          message: 'StatefulSet redis-prod/prod-redis-cluster has 6 replicas',
          hint: 'use at most 3',
          environment: 'prod-x86',
          chart: 'redis-cluster',
          line: 1,
          kind: 'StatefulSet',
          name: 'prod-redis-cluster',
          namespace: 'redis-prod',
          policy: 'replicas',
          binding: 'replicas-deny',
          validationIndex: 0,
          actions: ['Deny'],
          reason: 'Invalid',
          title: 'Few replicas',
          policySeverity: 'low',
        },
      ]);
    });

    it('warns in dev, and checks nothing in a namespace no binding selects', () => {
      const [warn] = evaluate(set, objects(statefulSet()), { namespaceLabels: DEV });
      expect([warn!.severity, warn!.binding, warn!.actions, warn!.message]).toEqual(['warning', 'replicas-warn', ['Warn'], 'StatefulSet redis-dev/prod-redis-cluster has 6 replicas']);
      expect(evaluate(set, objects(statefulSet()), { namespaceLabels: { 'kubernetes.io/metadata.name': 'other' } })).toEqual([]);
    });

    it('reports once per matching binding; Audit is a warning, Deny+Audit an error', () => {
      const both = load(replicasPolicy, binding('replicas-deny', 'replicas', ['Deny', 'Audit']), binding('replicas-audit', 'replicas', ['Audit']));
      const results = evaluate(both, objects(statefulSet()), { namespaceLabels: PRODUCTION });
      expect(results.map((r) => [r.binding, r.severity, r.actions])).toEqual([
        ['replicas-deny', 'error', ['Deny', 'Audit']],
        ['replicas-audit', 'warning', ['Audit']],
      ]);
    });

    it('admits objects that pass', () => {
      expect(evaluate(set, objects(statefulSet({ replicas: 3 })), { namespaceLabels: PRODUCTION })).toEqual([]);
    });
  });

  describe('matching', () => {
    it('applies resourceRules and excludeResourceRules by group, version and plural resource', () => {
      const policy = vap('no-default-names', 'validations:\n  - expression: "object.metadata.name != \'default\'"', {
        rules: `resourceRules:
  - apiGroups: ["", "apps"]
    apiVersions: ["v1"]
    resources: ["*"]
    operations: ["CREATE"]
excludeResourceRules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["serviceaccounts"]
    operations: ["*"]`,
      });
      const set = load(policy, binding('b', 'no-default-names', ['Deny']));
      const objs = objects(`apiVersion: v1
kind: ConfigMap
metadata: {name: default}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: default}
---
apiVersion: batch/v1
kind: Job
metadata: {name: default}
`);
      expect(evaluate(set, objs, { namespaceLabels: PRODUCTION }).map((r) => r.kind)).toEqual(['ConfigMap', 'Deployment']);
    });

    it('selects by object labels and namespace labels (matchLabels and matchExpressions)', () => {
      const policy = vap(
        'labelled',
        `matchConstraints:
  resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      resources: ["statefulsets"]
      operations: ["CREATE"]
  objectSelector:
    matchLabels: {app.kubernetes.io/part-of: redis-gitops}
    matchExpressions:
      - {key: app.kubernetes.io/component, operator: NotIn, values: [sentinel]}
  namespaceSelector:
    matchExpressions:
      - {key: redis-gitops.dev/tier, operator: Exists}
validations:
  - expression: "false"
    message: matched`,
      );
      const set = load(policy, binding('b', 'labelled', ['Deny']));
      const run = (labels: Record<string, string>, ns: Record<string, string> = PRODUCTION): number => evaluate(set, objects(statefulSet({ labels })), { namespaceLabels: ns }).length;
      expect(run({ 'app.kubernetes.io/part-of': 'redis-gitops', 'app.kubernetes.io/component': 'redis' })).toBe(1);
      expect(run({ 'app.kubernetes.io/part-of': 'redis-gitops' })).toBe(1);
      expect(run({ 'app.kubernetes.io/part-of': 'redis-gitops', 'app.kubernetes.io/component': 'sentinel' })).toBe(0);
      expect(run({ 'app.kubernetes.io/part-of': 'other' })).toBe(0);
      expect(run({ 'app.kubernetes.io/part-of': 'redis-gitops' }, { 'kubernetes.io/metadata.name': 'x' })).toBe(0);
    });

    it('a binding narrows the policy with its own matchResources', () => {
      const set = load(
        vap('p', 'validations:\n  - expression: "false"\n    message: matched'),
        binding(
          'p-deny',
          'p',
          ['Deny'],
          'objectSelector:\n  matchLabels: {team: platform}\nresourceRules:\n  - apiGroups: ["apps"]\n    apiVersions: ["v1"]\n    resources: ["statefulsets"]\n    operations: ["CREATE"]\n    resourceNames: ["prod-redis-cluster"]',
        ),
      );
      expect(evaluate(set, objects(statefulSet({ labels: { team: 'platform' } })), { namespaceLabels: PRODUCTION })).toHaveLength(1);
      expect(evaluate(set, objects(statefulSet({ labels: { team: 'apps' } })), { namespaceLabels: PRODUCTION })).toHaveLength(0);
      expect(evaluate(set, objects(statefulSet({ name: 'other', labels: { team: 'platform' } })), { namespaceLabels: PRODUCTION })).toHaveLength(0);
    });

    it('skips the policy when a match condition is false', () => {
      const policy = vap(
        'p',
        `matchConditions:
  - name: several-replicas
    expression: "object.spec.?replicas.orValue(1) > 1"
  - name: not-excluded
    expression: "!('skip' in object.metadata.?labels.orValue({}))"
validations:
  - expression: "false"
    message: matched`,
      );
      const set = load(policy, binding('b', 'p', ['Deny']));
      expect(evaluate(set, objects(statefulSet({ replicas: 3 })), { namespaceLabels: PRODUCTION })).toHaveLength(1);
      expect(evaluate(set, objects(statefulSet({ replicas: 1 })), { namespaceLabels: PRODUCTION })).toHaveLength(0);
      expect(evaluate(set, objects(statefulSet({ labels: { skip: 'yes' } })), { namespaceLabels: PRODUCTION })).toHaveLength(0);
    });

    it('a match condition that errors applies failurePolicy: Fail reports it, Ignore skips the policy', () => {
      const spec = (fp: string): string =>
        `failurePolicy: ${fp}\nmatchConditions:\n  - name: broken\n    expression: "object.spec.nothere > 1"\nvalidations:\n  - expression: "false"\n    message: matched`;
      const fail = evaluate(load(vap('p', spec('Fail')), binding('b', 'p', ['Deny'])), objects(statefulSet()), { namespaceLabels: PRODUCTION });
      expect(fail.map((r) => [r.code, r.matchCondition, r.message])).toEqual([['policy-error', 'broken', 'match condition "broken" could not be evaluated: No such key: nothere']]);
      expect(evaluate(load(vap('p', spec('Ignore')), binding('b', 'p', ['Deny'])), objects(statefulSet()), { namespaceLabels: PRODUCTION })).toEqual([]);
    });
  });

  describe('variables and messages', () => {
    it('evaluates variables lazily, per object, only when used', () => {
      const policy = vap(
        'p',
        `variables:
  - name: broken
    expression: "object.spec.nothere"
  - name: containers
    expression: "object.spec.template.spec.containers"
  - name: names
    expression: "variables.containers.map(c, c.name)"
validations:
  - expression: "!('redis' in variables.names)"
    messageExpression: "'found ' + variables.names.join(',') + ' in ' + object.metadata.name"`,
      );
      const set = load(policy, binding('b', 'p', ['Deny']));
      const results = evaluate(set, objects(`${statefulSet({ name: 'a' })}---\n${statefulSet({ name: 'b' })}`), { namespaceLabels: PRODUCTION });
      // `broken` would fail, but nothing uses it.
      expect(results.map((r) => r.message)).toEqual(['found redis in a', 'found redis in b']);
    });

    it('a variable that fails where it is used fails the validation (failurePolicy Fail)', () => {
      const policy = vap('p', 'variables:\n  - name: broken\n    expression: "object.spec.nothere"\nvalidations:\n  - expression: "variables.broken > 1"');
      const [r] = evaluate(load(policy, binding('b', 'p', ['Warn'])), objects(statefulSet()), { namespaceLabels: PRODUCTION });
      expect([r!.code, r!.severity, r!.validationIndex, r!.message]).toEqual([
        'policy-error',
        'warning',
        0,
        'validations[0].expression could not be evaluated: variable "broken" failed to evaluate: No such key: nothere',
      ]);
      expect(r!.hint).toMatch(/guard optional fields with has\(\)/);
    });

    it('uses message when messageExpression fails or is blank, and the expression when both are missing', () => {
      const policy = vap(
        'p',
        `validations:
  - expression: "false"
    message: static message
    messageExpression: "object.spec.nothere"
  - expression: "false"
    message: static two
    messageExpression: "'  '"
  - expression: "1 > 2"`,
      );
      const results = evaluate(load(policy, binding('b', 'p', ['Deny'])), objects(statefulSet()), { namespaceLabels: PRODUCTION });
      expect(results.map((r) => [r.validationIndex, r.message])).toEqual([
        [0, 'static message'],
        [1, 'static two'],
        [2, 'failed expression: 1 > 2'],
      ]);
    });

    it('fills in the namespace and the request as the API server does for a CREATE', () => {
      const policy = vap(
        'p',
        `validations:
  - expression: "false"
    messageExpression: "request.operation + ' ' + request.resource.group + '/' + request.resource.resource + ' ' + request.namespace + ' ' + object.metadata.namespace + ' ' + namespaceObject.metadata.labels['redis-gitops.dev/tier'] + ' ' + string(oldObject == null)"`,
      );
      const [r] = evaluate(load(policy, binding('b', 'p', ['Deny'])), objects(statefulSet()), { namespaceLabels: PRODUCTION });
      expect(r!.message).toBe('CREATE apps/statefulsets redis-prod redis-prod production true');
      const [explicit] = evaluate(load(policy, binding('b', 'p', ['Deny'])), objects(statefulSet({ namespace: 'elsewhere' })), { namespaceLabels: PRODUCTION });
      expect(explicit!.message).toBe('CREATE apps/statefulsets elsewhere elsewhere production true');
    });

    it('treats integers in objects as CEL ints and quantities exactly', () => {
      const policy = vap(
        'p',
        `validations:
  - expression: "object.spec.replicas == 6 && object.spec.replicas > 5.5 && type(object.spec.replicas) == int"
    message: not int
  - expression: "quantity(object.spec.template.spec.containers[0].resources.limits.memory) == quantity('2048Mi')"
    message: not 2Gi`,
      );
      const sts = statefulSet({ container: 'resources:\n  limits: {memory: 2Gi}' });
      expect(evaluate(load(policy, binding('b', 'p', ['Deny'])), objects(sts), { namespaceLabels: PRODUCTION })).toEqual([]);
    });
  });
});
