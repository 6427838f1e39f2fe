import { describe, expect, it } from '@jest/globals';
import { formatFinding } from '../src/format-finding.ts';

describe('formatFinding', () => {
  it('names the object, its template, the field, the problem and the hint', () => {
    expect(
      formatFinding({
        severity: 'error',
        code: 'unknown-field',
        message: 'unknown field',
        hint: 'did you mean "resources"?',
        chart: 'redis-cluster',
        source: 'redis-cluster/templates/statefulset.yaml',
        kind: 'StatefulSet',
        name: 'prod-redis-cluster',
        namespace: 'redis',
        path: 'spec.template.spec.containers[0].resource',
      }),
    ).toBe('StatefulSet redis/prod-redis-cluster (redis-cluster/templates/statefulset.yaml) spec.template.spec.containers[0].resource: unknown field — did you mean "resources"?');
  });

  it('leads with the environment and leaves out what is unknown', () => {
    expect(formatFinding({ severity: 'error', code: 'duplicate-object', message: 'rendered twice', environment: 'edge-pi4', kind: 'ClusterRole', name: 'redis' })).toBe(
      '[edge-pi4] ClusterRole redis: rendered twice',
    );
  });

  it('names the rendered line for problems that have no object', () => {
    expect(formatFinding({ severity: 'error', code: 'yaml-syntax', message: 'YAML syntax error: x', source: 'c/templates/a.yaml', line: 12 })).toBe(
      'line 12 (c/templates/a.yaml): YAML syntax error: x',
    );
  });
});
