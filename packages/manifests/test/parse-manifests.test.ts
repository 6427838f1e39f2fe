import { describe, expect, it } from '@jest/globals';
import { parseManifests } from '../src/parse-manifests.ts';

const STREAM = `---
# Source: redis-cluster/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: prod-config
  namespace: redis
data:
  a: "1"
---
# Source: redis-cluster/templates/empty.yaml
---
# Source: redis-cluster/templates/service.yaml
# a comment the template itself carries
apiVersion: v1
kind: Service
metadata:
  name: prod
spec:
  ports:
    - port: 6379
---
# Source: redis-cluster/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: prod-redis
  namespace: redis
`;

describe('parseManifests', () => {
  it('maps every object to its # Source: template and first line, skipping empty documents', () => {
    const { objects, problems } = parseManifests(STREAM, { environment: 'prod-x86', chart: 'redis-cluster' });
    expect(problems).toEqual([]);
    expect(objects.map((o) => [o.kind, o.name, o.namespace, o.source, o.line])).toEqual([
      ['ConfigMap', 'prod-config', 'redis', 'redis-cluster/templates/configmap.yaml', 3],
      ['Service', 'prod', undefined, 'redis-cluster/templates/service.yaml', 15],
      ['StatefulSet', 'prod-redis', 'redis', 'redis-cluster/templates/statefulset.yaml', 24],
    ]);
    expect(objects.every((o) => o.environment === 'prod-x86' && o.chart === 'redis-cluster')).toBe(true);
    expect(objects[1]!.object).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'prod' }, spec: { ports: [{ port: 6379 }] } });
  });

  it('reads a stream without a leading --- or # Source: comment', () => {
    const { objects } = parseManifests('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: redis\n');
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({ kind: 'Namespace', name: 'redis', source: undefined, line: 1 });
  });

  it('returns nothing for empty or comment-only input', () => {
    expect(parseManifests('', {})).toEqual({ objects: [], problems: [] });
    expect(parseManifests('---\n# Source: x/templates/a.yaml\n', {})).toEqual({ objects: [], problems: [] });
  });

  it('reports a YAML syntax error with its line and template, and keeps the other documents', () => {
    const text = `---
# Source: c/templates/good.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: good
---
# Source: c/templates/bad.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: bad
  name: twice
`;
    const { objects, problems } = parseManifests(text, { environment: 'dev', chart: 'c' });
    expect(objects.map((o) => o.name)).toEqual(['good']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'error', code: 'yaml-syntax', line: 13, source: 'c/templates/bad.yaml', environment: 'dev', chart: 'c' });
    expect(problems[0]!.message).toMatch(/Map keys must be unique/);
  });

  it('reports an unclosed flow collection on the line where it breaks', () => {
    const { problems } = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata:\n  a: b\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.code === 'yaml-syntax')).toBe(true);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('reports documents that are not mappings', () => {
    const { objects, problems } = parseManifests('---\n# Source: c/templates/list.yaml\n- a\n- b\n---\njust a string\n');
    expect(objects).toEqual([]);
    expect(problems.map((p) => [p.code, p.line, p.source])).toEqual([
      ['not-an-object', 3, 'c/templates/list.yaml'],
      ['not-an-object', 6, undefined],
    ]);
  });

  it('reports objects that lack apiVersion, kind or metadata.name', () => {
    const text = 'kind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  generateName: job-\n';
    const { objects, problems } = parseManifests(text);
    expect(objects).toEqual([]);
    expect(problems.map((p) => [p.code, p.message, p.line])).toEqual([
      ['missing-identity', 'object has no apiVersion', 1],
      ['missing-identity', 'object has no metadata.name', 5],
    ]);
    expect(problems[1]).toMatchObject({ kind: 'Pod' });
  });

  it('reads scalars the way Kubernetes (go-yaml, YAML 1.1) does', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  enabled: yes\n  flag: off\n  mode: 0755\n  time: 12:30\n  date: 2024-01-02\n  quoted: "yes"\n';
    const data = parseManifests(text).objects[0]!.object.data;
    expect(data).toEqual({ enabled: true, flag: false, mode: 493, time: '12:30', date: '2024-01-02', quoted: 'yes' });
  });
});
