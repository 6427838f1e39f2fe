import { describe, expect, it } from '@jest/globals';
import { formatDiagnostic } from '@redis-gitops/diagnostics';
import { mergeScheduling, parseClusters } from '../src/index.ts';
import { parse, positionIn, problems, VALID } from './helpers.ts';

const withScheduling = (block: string) => `${VALID}  scheduling:\n${block}`;

describe('spec.scheduling', () => {
  it('accepts tolerations, a node selector, a priority class, pull Secrets and annotations', () => {
    const r = parse(
      withScheduling(
        '    tolerations:\n      - key: dedicated\n        operator: Equal\n        value: redis\n        effect: NoSchedule\n    nodeSelector:\n      node-role.example.com/redis: "true"\n    priorityClassName: redis-critical\n    imagePullSecrets: [mirror]\n    podAnnotations:\n      example.com/team: platform\n',
      ),
    ).resolved.scheduling;
    expect(r).toEqual({
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'redis', effect: 'NoSchedule' }],
      nodeSelector: { 'node-role.example.com/redis': 'true' },
      priorityClassName: 'redis-critical',
      imagePullSecrets: ['mirror'],
      podAnnotations: { 'example.com/team': 'platform' },
    });
  });

  it.each([
    [
      'kubernetes.io/arch in the node selector',
      '    nodeSelector:\n      kubernetes.io/arch: arm64\n',
      'spec.scheduling.nodeSelector.kubernetes.io/arch',
      /comes from the cluster's arch/,
      'kubernetes.io/arch',
    ],
    [
      'Exists with a value',
      '    tolerations:\n      - key: dedicated\n        operator: Exists\n        value: redis\n',
      'spec.scheduling.tolerations[0].value',
      /must be empty with operator: Exists/,
      'value: redis',
    ],
    [
      'tolerationSeconds without NoExecute',
      '    tolerations:\n      - key: dedicated\n        effect: NoSchedule\n        tolerationSeconds: 60\n',
      'spec.scheduling.tolerations[0].tolerationSeconds',
      /only applies to effect: NoExecute/,
      'tolerationSeconds',
    ],
    ['an empty key without Exists', '    tolerations:\n      - effect: NoSchedule\n', 'spec.scheduling.tolerations[0]', /needs operator: Exists/, '- effect'],
    ['a node label key Kubernetes refuses', '    nodeSelector:\n      "bad key!": x\n', 'spec.scheduling.nodeSelector.bad key!', /is not a node label key/, '"bad key!"'],
    ['a node label value Kubernetes refuses', '    nodeSelector:\n      disk: "fast ssd"\n', 'spec.scheduling.nodeSelector.disk', /is not a label value/, 'disk'],
  ])('refuses %s, at its line and column, with a hint', (_what, block, path, message, marker) => {
    const text = withScheduling(block);
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ path, message: expect.stringMatching(message), hint: expect.any(String) });
    expect(d!.line).toBe(positionIn(text, marker).line);
    expect(formatDiagnostic(d!)).toMatch(/environment\.yaml:\d+:\d+/);
  });

  it('refuses a priority class that is not a DNS subdomain, showing an example instead of the pattern', () => {
    const [d] = problems(withScheduling('    priorityClassName: Redis_Critical\n'));
    expect(d).toMatchObject({ path: 'spec.scheduling.priorityClassName' });
    expect(`${d!.message} ${d!.hint ?? ''}`).toMatch(/redis-critical/);
    expect(`${d!.message} ${d!.hint ?? ''}`).not.toMatch(/\[a-z0-9\]/);
  });

  it('refuses nodeTimeout in sentinel mode, pointing at downAfterMilliseconds', () => {
    const text = VALID.replace('  topology:\n    shards: 3\n', '  topology:\n    mode: sentinel\n    nodeTimeout: 15000\n');
    const [d] = problems(text);
    expect(d).toMatchObject({ path: 'spec.topology.nodeTimeout', message: 'only applies to mode: cluster', hint: expect.stringMatching(/downAfterMilliseconds/) });
  });

  it('takes nodeTimeout in cluster mode, 5000 ms by default', () => {
    expect(parse(VALID).resolved.topology.nodeTimeout).toBe(5000);
    expect(parse(VALID.replace('    shards: 3\n', '    shards: 3\n    nodeTimeout: 15000\n')).resolved.topology.nodeTimeout).toBe(15000);
  });
});

describe('mergeScheduling: the cluster defaults, then the environment', () => {
  const cluster = {
    tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: 'redis', effect: 'NoSchedule' as const }],
    nodeSelector: { dedicated: 'redis', disk: 'ssd' },
    priorityClassName: 'cluster-default',
    imagePullSecrets: ['mirror'],
    podAnnotations: { a: 'cluster', b: 'cluster' },
  };

  it('merges maps key by key (environment wins), adds lists without duplicates, replaces the priority class', () => {
    expect(
      mergeScheduling(cluster, {
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'redis', effect: 'NoSchedule' },
          { key: 'spot', operator: 'Exists' },
        ],
        nodeSelector: { disk: 'nvme' },
        priorityClassName: 'redis-critical',
        imagePullSecrets: ['mirror', 'team'],
        podAnnotations: { b: 'env' },
      }),
    ).toEqual({
      tolerations: [cluster.tolerations[0], { key: 'spot', operator: 'Exists' }],
      nodeSelector: { dedicated: 'redis', disk: 'nvme' },
      priorityClassName: 'redis-critical',
      imagePullSecrets: ['mirror', 'team'],
      podAnnotations: { a: 'cluster', b: 'env' },
    });
  });

  it('keeps the cluster defaults when the environment sets nothing, and is empty without either', () => {
    expect(mergeScheduling(cluster, undefined)).toEqual(cluster);
    expect(mergeScheduling(undefined, undefined)).toEqual({ tolerations: [], nodeSelector: {}, priorityClassName: '', imagePullSecrets: [], podAnnotations: {} });
  });

  it('checks the cluster defaults in clusters.yaml with the same rules, at their position', () => {
    const text = `apiVersion: redis-gitops.dev/v1alpha1
kind: ClusterList
delivery:
  gitRepo: https://example.com/r.git
  chartRepo: https://example.com/charts
clusters:
  - name: pi
    server: https://pi.example.com:6443
    arch: arm64
    profile: rpi4
    scheduling:
      nodeSelector:
        kubernetes.io/arch: amd64
`;
    try {
      parseClusters(text, 'environments/clusters.yaml');
      throw new Error('expected clusters.yaml to be refused');
    } catch (e) {
      const [d] = (e as { diagnostics: { path: string; line: number; message: string }[] }).diagnostics;
      expect(d).toMatchObject({ path: 'clusters[0].scheduling.nodeSelector.kubernetes.io/arch', line: 13, message: expect.stringMatching(/comes from the cluster's arch/) });
    }
  });
});
