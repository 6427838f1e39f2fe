import { describe, expect, it } from '@jest/globals';
import { findDuplicates } from '../src/find-duplicates.ts';
import type { RenderedObject } from '../src/rendered-object.ts';

const obj = (apiVersion: string, kind: string, name: string, namespace: string | undefined, line: number): RenderedObject => ({
  apiVersion,
  kind,
  name,
  namespace,
  line,
  source: `c/templates/${line}.yaml`,
  object: { apiVersion, kind, metadata: { name, namespace } },
});

describe('findDuplicates', () => {
  it('reports the second of two objects with the same group, kind, namespace and name', () => {
    const findings = findDuplicates([obj('v1', 'Service', 'redis', 'a', 1), obj('v1', 'Service', 'redis', 'a', 9)]);
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'error', code: 'duplicate-object', kind: 'Service', name: 'redis', namespace: 'a', line: 9, message: 'rendered twice: also at line 1 (c/templates/1.yaml)' }),
    ]);
  });

  it('treats two versions of one API group as the same object', () => {
    expect(findDuplicates([obj('autoscaling/v1', 'HorizontalPodAutoscaler', 'h', 'a', 1), obj('autoscaling/v2', 'HorizontalPodAutoscaler', 'h', 'a', 5)])).toHaveLength(1);
  });

  it('keeps objects apart that differ in namespace, kind or group', () => {
    expect(
      findDuplicates([
        obj('v1', 'Service', 'redis', 'a', 1),
        obj('v1', 'Service', 'redis', 'b', 2),
        obj('v1', 'Service', 'redis', undefined, 3),
        obj('v1', 'ConfigMap', 'redis', 'a', 4),
        obj('example.com/v1', 'Service', 'redis', 'a', 5),
      ]),
    ).toEqual([]);
  });
});
