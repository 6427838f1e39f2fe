import type { Finding } from '@redis-gitops/manifests';
import { renderPolicyReport, type PolicyResult } from '../src/index.ts';

const deny: PolicyResult = {
  severity: 'error',
  code: 'policy-violation',
  message: 'container "redis" in StatefulSet redis-prod/prod-redis-cluster has no memory limit (resources.limits.memory)',
  hint: 'Set resources.limits.memory',
  environment: 'prod-x86',
  source: 'redis-cluster/templates/statefulset.yaml',
  line: 3,
  kind: 'StatefulSet',
  name: 'prod-redis-cluster',
  namespace: 'redis-prod',
  policy: 'resource-limits',
  binding: 'resource-limits-deny',
  validationIndex: 2,
  actions: ['Deny'],
};
const warn: PolicyResult = {
  ...deny,
  severity: 'warning',
  binding: 'images-pinned-warn',
  policy: 'images-pinned',
  validationIndex: 1,
  actions: ['Warn'],
  message: 'uses image "redis:latest" | pipe',
  hint: undefined,
};
const manifestSet: Finding = {
  severity: 'error',
  code: 'maxmemory-headroom',
  message: 'StatefulSet redis-prod/x sets maxmemory 2gb',
  kind: 'StatefulSet',
  name: 'x',
  namespace: 'redis-prod',
  environment: 'prod-x86',
};

describe('renderPolicyReport', () => {
  it('text: one line per result, errors first, and a summary', () => {
    expect(renderPolicyReport([warn, deny, manifestSet], 'text')).toBe(
      [
        'ERROR [Fail] maxmemory-headroom · [prod-x86] StatefulSet redis-prod/x: StatefulSet redis-prod/x sets maxmemory 2gb',
        'ERROR [Deny] resource-limits validations[2] via resource-limits-deny · [prod-x86] StatefulSet redis-prod/prod-redis-cluster (redis-cluster/templates/statefulset.yaml): container "redis" in StatefulSet redis-prod/prod-redis-cluster has no memory limit (resources.limits.memory) — Set resources.limits.memory',
        'WARN  [Warn] images-pinned validations[1] via images-pinned-warn · [prod-x86] StatefulSet redis-prod/prod-redis-cluster (redis-cluster/templates/statefulset.yaml): uses image "redis:latest" | pipe',
        'policy report: 2 errors, 1 warning in 2 objects',
        '',
      ].join('\n'),
    );
    expect(renderPolicyReport([])).toBe('policy report: no violations\n');
  });

  it('markdown: a summary and a table suitable for a pull-request comment', () => {
    const md = renderPolicyReport([warn, deny], 'markdown');
    expect(md).toBe(
      [
        '### Policy report',
        '',
        '❌ 1 error (denied), 1 warning in 1 object.',
        '',
        '| | Rule | Object | Message | How to fix |',
        '|---|---|---|---|---|',
        '| ❌ Deny | `resource-limits validations[2]` | `StatefulSet redis-prod/prod-redis-cluster` (prod-x86) <br>redis-cluster/templates/statefulset.yaml | container "redis" in StatefulSet redis-prod/prod-redis-cluster has no memory limit (resources.limits.memory) | Set resources.limits.memory |',
        '| ⚠️ Warn | `images-pinned validations[1]` | `StatefulSet redis-prod/prod-redis-cluster` (prod-x86) <br>redis-cluster/templates/statefulset.yaml | uses image "redis:latest" \\| pipe |  |',
        '',
      ].join('\n'),
    );
    expect(renderPolicyReport([], 'markdown')).toBe('### Policy report\n\n✅ No policy violations.\n');
  });
});
