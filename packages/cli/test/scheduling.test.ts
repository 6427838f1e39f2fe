/**
 * Scheduling from the spec, end to end: `spec.scheduling` and the cluster's `scheduling` defaults in
 * clusters.yaml go through generate into the charts' values, and the real helm renders them into
 * the pod template of EVERY workload of the release (StatefulSets, the cluster's hook Jobs, the
 * backup CronJob), merged as the spec documents: node selector and annotations key by key (the
 * environment wins), tolerations and pull Secrets added up, the priority class replaced, and
 * kubernetes.io/arch from the cluster only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

type Obj = Record<string, any>;
let fx: Fixture;

const CLUSTER_DEFAULTS = `    scheduling:
      tolerations:
        - key: redis-gitops.dev/dedicated
          operator: Equal
          value: redis
          effect: NoSchedule
      nodeSelector:
        redis-gitops.dev/dedicated: redis
        disk: ssd
      priorityClassName: cluster-default
      imagePullSecrets: [cluster-mirror]
      podAnnotations:
        cluster.example.com/owner: platform
`;
const ENV_SCHEDULING = `  scheduling:
    tolerations:
      - key: maintenance
        operator: Exists
        effect: NoExecute
        tolerationSeconds: 300
    nodeSelector:
      disk: nvme
    priorityClassName: redis-critical
    imagePullSecrets: [team-mirror]
    podAnnotations:
      team.example.com/cost-centre: "42"
`;

/** The pod template of a workload (StatefulSet, Job, CronJob), or undefined for other kinds. */
function podSpecOf(o: RenderedObject): { meta: Obj; spec: Obj } | undefined {
  const obj = o.object as Obj;
  const t = o.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template : ['StatefulSet', 'Job', 'Deployment'].includes(o.kind) ? obj.spec.template : undefined;
  return t && { meta: t.metadata ?? {}, spec: t.spec };
}

async function workloads(env: string): Promise<RenderedObject[]> {
  const r = await fx.run('render', '--env', env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseManifests(r.stdout, {}).objects.filter((o) => podSpecOf(o));
}

beforeAll(async () => {
  fx = makeFixture();
  const clusters = path.join(fx.root, 'environments', 'clusters.yaml');
  writeFileSync(clusters, readFileSync(clusters, 'utf8').replace('    profile: small\n', `    profile: small\n${CLUSTER_DEFAULTS}`));
  for (const env of ['dev-x86', 'sessions-sentinel']) {
    const file = path.join(fx.root, 'environments', env, 'environment.yaml');
    const text = readFileSync(file, 'utf8').replace(/\n {2}auth:\n/, `\n${ENV_SCHEDULING}  backup:\n    enabled: true\n  auth:\n`);
    writeFileSync(file, text);
  }
  const g = await fx.run('generate', '--env', 'dev-x86', '--env', 'sessions-sentinel');
  expect(g.stderr).toBe('');
  expect(g.code).toBe(0);
}, 60_000);
afterAll(() => fx?.cleanup());

describe('scheduling from the spec and the cluster, in every workload', () => {
  it.each([
    ['dev-x86', ['StatefulSet', 'Job', 'Job', 'CronJob']],
    ['sessions-sentinel', ['StatefulSet', 'StatefulSet', 'CronJob']],
  ])('%s: every pod template carries the merged scheduling', async (env, kinds) => {
    const objs = await workloads(env);
    expect(objs.map((o) => o.kind).sort()).toEqual([...kinds].sort());
    for (const o of objs) {
      const { meta, spec } = podSpecOf(o)!;
      const where = `${o.kind}/${o.name}`;
      expect([where, spec.nodeSelector]).toEqual([where, { 'redis-gitops.dev/dedicated': 'redis', disk: 'nvme', 'kubernetes.io/arch': 'amd64' }]);
      expect([where, spec.tolerations]).toEqual([
        where,
        [
          { key: 'redis-gitops.dev/dedicated', operator: 'Equal', value: 'redis', effect: 'NoSchedule' },
          { key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ],
      ]);
      expect([where, spec.priorityClassName]).toEqual([where, 'redis-critical']);
      expect([where, spec.imagePullSecrets]).toEqual([where, [{ name: 'cluster-mirror' }, { name: 'team-mirror' }]]);
      expect([where, meta.annotations]).toEqual([where, expect.objectContaining({ 'cluster.example.com/owner': 'platform', 'team.example.com/cost-centre': '42' })]);
    }
  });

  it('validates the release with these settings: schemas, policies, drift', async () => {
    const r = await fx.run('validate', '--env', 'dev-x86', '--env', 'sessions-sentinel');
    expect(r.stdout).toMatch(/0 error\(s\)/);
    expect(r.code).toBe(0);
  });
});
