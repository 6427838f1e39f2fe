import { describe, expect, it } from '@jest/globals';
import { checkObjects } from '../src/check-objects.ts';
import { formatFinding } from '../src/format-finding.ts';
import { parseManifests } from '../src/parse-manifests.ts';
import type { RenderedObject } from '../src/rendered-object.ts';
import { nodeAt, renameKey, validObject } from './fixtures/objects.ts';
import { VALID_RENDER } from './fixtures/valid-render.ts';

const CONTAINER = ['spec', 'template', 'spec', 'containers', 0];

/** Parses one YAML object the way a render would deliver it. */
function objectFrom(yaml: string): RenderedObject {
  const { objects, problems } = parseManifests(yaml, { environment: 'prod', chart: 'test' });
  expect(problems).toEqual([]);
  return objects[0]!;
}

describe('checkObjects on valid objects', () => {
  it('finds nothing in a realistic render of every kind the charts use', async () => {
    const { objects, problems } = parseManifests(VALID_RENDER, { environment: 'prod', chart: 'redis-cluster' });
    expect(problems).toEqual([]);
    expect(new Set(objects.map((o) => o.kind))).toEqual(
      new Set([
        'ServiceAccount',
        'Secret',
        'ConfigMap',
        'Service',
        'StatefulSet',
        'PodDisruptionBudget',
        'Job',
        'CronJob',
        'NetworkPolicy',
        'Role',
        'RoleBinding',
        'ServiceMonitor',
        'PrometheusRule',
        'ValidatingAdmissionPolicy',
        'ValidatingAdmissionPolicyBinding',
        'Application',
      ]),
    );
    expect((await checkObjects(objects)).map(formatFinding)).toEqual([]);
  });

  it('does not flag arbitrary keys in maps and free-form fields', async () => {
    const sts = validObject('StatefulSet');
    Object.assign(nodeAt(sts, ['metadata', 'labels']), { 'anything.example.com/at-all': 'x', team: 'cache' });
    Object.assign(nodeAt(sts, ['metadata']), { annotations: { 'argocd.argoproj.io/sync-wave': '1', whatever: 'goes' } });
    Object.assign(nodeAt(sts, ['spec', 'template', 'spec', 'nodeSelector']), { 'node.example.com/pool': 'redis' });
    Object.assign(nodeAt(sts, [...CONTAINER, 'resources', 'limits']), { 'nvidia.com/gpu': 1, 'hugepages-2Mi': '64Mi' });
    const cm = validObject('ConfigMap');
    Object.assign(nodeAt(cm, ['data']), { 'any-file.conf': 'x', sentinel: 'y' });
    // Argo CD's helm.valuesObject is a RawExtension (x-kubernetes-preserve-unknown-fields): anything goes below it.
    const app = validObject('Application');
    Object.assign(nodeAt(app, ['spec', 'source', 'helm', 'valuesObject']), { cluster: { shards: 3, lables: { misspelt: 'but free-form' } } });

    expect(await checkObjects([sts, cm, app])).toEqual([]);
  });
});

describe('unknown fields', () => {
  it.each([
    { at: ['metadata'], from: 'labels', to: 'lables', path: 'metadata.lables', hint: 'labels' },
    { at: ['spec'], from: 'serviceName', to: 'servicename', path: 'spec.servicename', hint: 'serviceName' },
    { at: CONTAINER, from: 'resources', to: 'resource', path: 'spec.template.spec.containers[0].resource', hint: 'resources' },
    { at: [...CONTAINER, 'livenessProbe', 'exec'], from: 'command', to: 'commands', path: 'spec.template.spec.containers[0].livenessProbe.exec.commands', hint: 'command' },
    { at: [...CONTAINER, 'env', 1, 'valueFrom', 'secretKeyRef'], from: 'key', to: 'kye', path: 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.kye', hint: 'key' },
    {
      at: ['spec', 'template', 'spec', 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', 0, 'podAffinityTerm'],
      from: 'topologyKey',
      to: 'topologykey',
      path: 'spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologykey',
      hint: 'topologyKey',
    },
    { at: ['spec', 'volumeClaimTemplates', 0, 'spec'], from: 'storageClassName', to: 'storageClasName', path: 'spec.volumeClaimTemplates[0].spec.storageClasName', hint: 'storageClassName' },
    { at: ['spec', 'template', 'metadata'], from: 'annotations', to: 'anotations', path: 'spec.template.metadata.anotations', hint: 'annotations' },
  ])('catches $path', async ({ at, from, to, path, hint }) => {
    const findings = await checkObjects([renameKey(validObject('StatefulSet'), at, from, to)]);
    expect(findings).toEqual([expect.objectContaining({ severity: 'error', code: 'unknown-field', path, hint: `did you mean "${hint}"?` })]);
  });

  it('reads as one line naming the object, template, field and fix', async () => {
    const [finding] = await checkObjects([renameKey(validObject('StatefulSet'), CONTAINER, 'resources', 'resource')]);
    expect(formatFinding(finding!)).toBe(
      '[prod] StatefulSet redis/prod-redis-cluster (redis-cluster/templates/statefulset.yaml) spec.template.spec.containers[0].resource: unknown field — did you mean "resources"?',
    );
    expect(finding).toMatchObject({ environment: 'prod', chart: 'redis-cluster', kind: 'StatefulSet', name: 'prod-redis-cluster', namespace: 'redis', line: expect.any(Number) });
  });

  it('reports a field with no close match without a hint, and every unknown field, not only the first', async () => {
    const sts = validObject('StatefulSet');
    Object.assign(nodeAt(sts, ['spec']), { sidecarz: [] });
    Object.assign(nodeAt(sts, [...CONTAINER, 'ports', 1]), { hostport: 1 });
    const findings = await checkObjects([sts]);
    expect(findings.map((f) => [f.path, f.hint])).toEqual([
      ['spec.sidecarz', undefined],
      ['spec.template.spec.containers[0].ports[1].hostport', 'did you mean "hostPort"?'],
    ]);
  });

  it('catches typos in other core kinds', async () => {
    const svc = renameKey(validObject('Service'), ['spec', 'ports', 0], 'targetPort', 'targetport');
    const cronJob = renameKey(validObject('CronJob'), ['spec', 'jobTemplate', 'spec', 'template', 'spec'], 'restartPolicy', 'restartPolicie');
    const netpol = renameKey(validObject('NetworkPolicy'), ['spec', 'ingress', 0, 'from', 2, 'ipBlock'], 'except', 'exept');
    const pdb = renameKey(validObject('PodDisruptionBudget'), ['spec'], 'maxUnavailable', 'maxUnavailabe');
    const policy = renameKey(validObject('ValidatingAdmissionPolicy'), ['spec', 'validations', 0], 'messageExpression', 'messageExpresion');
    expect((await checkObjects([svc, cronJob, netpol, pdb, policy])).map((f) => [f.kind, f.path, f.hint])).toEqual([
      ['Service', 'spec.ports[0].targetport', 'did you mean "targetPort"?'],
      ['CronJob', 'spec.jobTemplate.spec.template.spec.restartPolicie', 'did you mean "restartPolicy"?'],
      ['NetworkPolicy', 'spec.ingress[0].from[2].ipBlock.exept', 'did you mean "except"?'],
      ['PodDisruptionBudget', 'spec.maxUnavailabe', 'did you mean "maxUnavailable"?'],
      ['ValidatingAdmissionPolicy', 'spec.validations[0].messageExpresion', 'did you mean "messageExpression"?'],
    ]);
  });

  it('catches typos in ServiceMonitor, PrometheusRule and Argo CD Application', async () => {
    const monitor = renameKey(validObject('ServiceMonitor'), ['spec', 'endpoints', 0], 'interval', 'intervall');
    const rule = renameKey(validObject('PrometheusRule'), ['spec', 'groups', 0, 'rules', 0], 'annotations', 'annotation');
    const app = renameKey(validObject('Application'), ['spec', 'syncPolicy', 'automated'], 'selfHeal', 'selfheal');
    expect((await checkObjects([monitor, rule, app])).map((f) => [f.kind, f.code, f.path, f.hint])).toEqual([
      ['ServiceMonitor', 'unknown-field', 'spec.endpoints[0].intervall', 'did you mean "interval"?'],
      ['PrometheusRule', 'unknown-field', 'spec.groups[0].rules[0].annotation', 'did you mean "annotations"?'],
      ['Application', 'unknown-field', 'spec.syncPolicy.automated.selfheal', 'did you mean "selfHeal"?'],
    ]);
  });
});

describe('schema errors', () => {
  it('reports a quoted number where an integer belongs', async () => {
    const sts = validObject('StatefulSet');
    nodeAt(sts, ['spec']).replicas = '3';
    expect(await checkObjects([sts])).toEqual([
      expect.objectContaining({ code: 'wrong-type', path: 'spec.replicas', message: 'must be integer, got string "3"', hint: expect.stringMatching(/quote/) }),
    ]);
  });

  it('reports a container without a name as a missing required field', async () => {
    const sts = validObject('StatefulSet');
    delete nodeAt(sts, CONTAINER).name;
    expect(await checkObjects([sts])).toEqual([expect.objectContaining({ code: 'missing-field', path: 'spec.template.spec.containers[0].name', message: 'missing required field "name"' })]);
  });

  it('reports a misspelt required field once, as the typo', async () => {
    const sts = renameKey(validObject('StatefulSet'), CONTAINER, 'name', 'nmae');
    expect((await checkObjects([sts])).map((f) => [f.code, f.path, f.hint])).toEqual([['unknown-field', 'spec.template.spec.containers[0].nmae', 'did you mean "name"?']]);
  });

  it('reports int-or-string and quantity errors once per field, enum errors with the allowed values', async () => {
    const sts = objectFrom(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: s
  labels: {enabled: yes}
spec:
  podManagementPolicy: Sometimes
  selector: {matchLabels: {a: b}}
  template:
    spec:
      containers:
        - name: redis
          resources: {limits: {memory: 1Gb}}
          readinessProbe: {tcpSocket: {port: [6379]}}
`);
    expect((await checkObjects([sts])).map((f) => [f.code, f.path, f.message])).toEqual([
      ['wrong-type', 'metadata.labels.enabled', 'must be string, got boolean true'],
      ['invalid-value', 'spec.podManagementPolicy', 'must be one of "OrderedReady", "Parallel", got string "Sometimes"'],
      ['wrong-type', 'spec.template.spec.containers[0].readinessProbe.tcpSocket.port', 'must be string or integer, got an array'],
      ['invalid-value', 'spec.template.spec.containers[0].resources.limits.memory', 'must be a valid quantity, got string "1Gb"'],
    ]);
  });

  it('does not report the fields under a value of the wrong type as unknown', async () => {
    const sts = validObject('StatefulSet');
    nodeAt(sts, CONTAINER).image = { repository: 'redis', tag: '7.0.15' };
    expect((await checkObjects([sts])).map((f) => [f.code, f.path])).toEqual([['wrong-type', 'spec.template.spec.containers[0].image']]);
  });
});

describe('unknown kinds', () => {
  it('reports a kind with no schema instead of passing it', async () => {
    const widget = objectFrom('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  anything: 1\n');
    expect(await checkObjects([widget])).toEqual([
      expect.objectContaining({ severity: 'error', code: 'unknown-kind', message: 'no schema known for example.com/v1 Widget', kind: 'Widget', name: 'w' }),
    ]);
  });

  it('suggests the known apiVersion of a known kind', async () => {
    const pdb = { ...validObject('PodDisruptionBudget'), apiVersion: 'policy/v1beta1' };
    expect(await checkObjects([pdb])).toEqual([expect.objectContaining({ code: 'unknown-kind', hint: 'use apiVersion policy/v1' })]);
  });
});

describe('duplicates', () => {
  it('reports the same object rendered twice, next to its schema findings', async () => {
    const { objects } = parseManifests(VALID_RENDER, { environment: 'prod', chart: 'redis-cluster' });
    const again = { ...objects.find((o) => o.kind === 'Service')!, line: 999, source: 'redis-cluster/templates/extra.yaml' };
    const findings = await checkObjects([...objects, again]);
    expect(findings).toEqual([expect.objectContaining({ code: 'duplicate-object', kind: 'Service', line: 999, source: 'redis-cluster/templates/extra.yaml' })]);
  });
});
