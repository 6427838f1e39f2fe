/**
 * Chart unit tests: the real helm renders charts/redis-cluster with each ci/ scenario, and the
 * parsed objects are asserted on (jest + the real helm instead of the helm-unittest plugin: one test runner for the whole repo).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkObjects, type RenderedObject } from '@redis-gitops/manifests';
import { chartScenarios, confPathLines, lintChart, onlyObject, renderChart, templateChart } from '@redis-gitops/redis-testkit';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = chartScenarios(CHART);

type Obj = Record<string, any>;

const render = (args: string[] = []): Promise<RenderedObject[]> => renderChart(CHART, { release: 'rc', namespace: 'redis', args });

const scenario = (f: string) => ['-f', path.join(CHART, 'ci', f)];
const podSpecs = (objs: RenderedObject[]): [string, Obj][] =>
  objs.flatMap((o) => {
    const obj = o.object as Obj;
    if (o.kind === 'StatefulSet' || o.kind === 'Job') return [[`${o.kind}/${o.name}`, obj.spec.template.spec] as [string, Obj]];
    if (o.kind === 'CronJob') return [[`${o.kind}/${o.name}`, obj.spec.jobTemplate.spec.template.spec] as [string, Obj]];
    return [];
  });

describe('redis-cluster chart', () => {
  it('has ci/ scenarios to render', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(4);
  });

  it.each(SCENARIOS)('renders ci/%s into objects that pass the Kubernetes schemas, unknown fields included', async (f) => {
    const objs = await render(scenario(f));
    expect(await checkObjects(objs)).toEqual([]);
  });

  it('passes helm lint --strict with default values and every scenario', async () => {
    expect(await lintChart(CHART, SCENARIOS)).toEqual([]);
  });

  it('renders the workload the issue asks for', async () => {
    const objs = await render();
    const kinds = objs.map((o) => o.kind).sort();
    expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'Job', 'PodDisruptionBudget', 'Service', 'StatefulSet']));
    expect(kinds.filter((k) => k === 'Secret')).toEqual([]); // auth is a reference, never a rendered Secret
    const sts = onlyObject(objs, 'StatefulSet');
    expect(sts.spec.replicas).toBe(6); // 3 shards x (1 master + 1 replica)
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const headless = objs.find((o) => o.kind === 'Service' && (o.object as Obj).spec.clusterIP === 'None')!.object as Obj;
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(sts.spec.serviceName).toBe(headless.metadata.name);
    const ports = headless.spec.ports.map((p: Obj) => p.port).sort((a: number, b: number) => a - b);
    expect(ports).toEqual([6379, 16379]);
  });

  it('hardens every pod and container and sets resources everywhere', async () => {
    for (const f of SCENARIOS) {
      for (const [where, pod] of podSpecs(await render(scenario(f)))) {
        expect({ where, automount: pod.automountServiceAccountToken }).toEqual({ where, automount: false });
        expect({ where, ctx: pod.securityContext }).toMatchObject({ where, ctx: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } });
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          const id = `${f} ${where} ${c.name}`;
          expect({ id, sc: c.securityContext }).toMatchObject({ id, sc: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } });
          expect({ id, req: Object.keys(c.resources?.requests ?? {}).sort(), mem: c.resources?.limits?.memory !== undefined }).toEqual({ id, req: ['cpu', 'memory'], mem: true });
          expect(c.image).not.toMatch(/:latest$/);
        }
      }
    }
  });

  it('derives maxmemory from the memory limit with headroom', async () => {
    const objs = await render(['--set', 'resources.limits.memory=1Gi', '--set', 'resources.requests.memory=1Gi', '--set-json', 'redis.maxmemoryRatio=0.5']);
    const conf = objs
      .filter((o) => o.kind === 'ConfigMap')
      .map((o) => Object.values((o.object as Obj).data ?? {}).join('\n'))
      .join('\n');
    expect(conf).toMatch(/^maxmemory 536870912$/m);
  });

  it('pins the image by tag, or by digest, and keeps a registry port apart from the tag', async () => {
    const byTag = onlyObject(await render(['--set', 'image.registry=registry.local:5000']), 'StatefulSet');
    expect(byTag.spec.template.spec.containers[0].image).toBe('registry.local:5000/redis:7.4.2');
    const digest = `sha256:${'a'.repeat(64)}`;
    const byDigest = onlyObject(await render(['--set', `image.digest=${digest}`]), 'StatefulSet');
    expect(byDigest.spec.template.spec.containers[0].image).toBe(`redis@${digest}`);
  });

  it('reads the password from the existing Secret', async () => {
    const sts = onlyObject(await render(['--set', 'auth.existingSecret=my-auth', '--set', 'auth.passwordKey=pw']), 'StatefulSet');
    const env = sts.spec.template.spec.containers[0].env.find((e: Obj) => e.name === 'REDIS_PASSWORD');
    expect(env.valueFrom.secretKeyRef).toEqual({ name: 'my-auth', key: 'pw' });
  });

  it('pins the arch and makes anti-affinity hard for production', async () => {
    const prod = onlyObject(await render(scenario('production-values.yaml')), 'StatefulSet').spec.template.spec;
    expect(prod.nodeSelector['kubernetes.io/arch']).toBe('amd64');
    expect(prod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    const pi = onlyObject(await render(scenario('arm64-small-values.yaml')), 'StatefulSet').spec.template.spec;
    expect(pi.nodeSelector['kubernetes.io/arch']).toBe('arm64');
  });

  it('runs the pinned redis_exporter sidecar with the password from the Secret, or none when disabled', async () => {
    const pod = onlyObject(await render(), 'StatefulSet').spec.template.spec;
    const exporter = pod.containers.find((c: Obj) => c.name === 'metrics');
    expect(exporter.image).toMatch(/^oliver006\/redis_exporter:v\d+\.\d+\.\d+$/);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(exporter.env.find((e: Obj) => e.name === 'REDIS_PASSWORD').valueFrom.secretKeyRef.key).toBe('redis-password');
    expect(exporter.readinessProbe).toBeDefined();
    expect(exporter.livenessProbe).toBeDefined();
    const off = onlyObject(await render(['--set', 'metrics.enabled=false']), 'StatefulSet').spec.template.spec;
    expect(off.containers.map((c: Obj) => c.name)).toEqual(['redis']);
  });

  it('uses an emptyDir and no claim when persistence is off', async () => {
    const sts = onlyObject(await render(scenario('no-persistence-values.yaml')), 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates ?? []).toEqual([]);
    expect(sts.spec.template.spec.volumes.find((v: Obj) => v.name === 'data')).toHaveProperty('emptyDir');
  });

  it('rejects bad values through values.schema.json with a clear message', async () => {
    const r = await templateChart(CHART, { release: 'rc', set: ['cluster.shards=2'] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cluster\/shards|cluster\.shards/);
    expect(r.stderr).toMatch(/minimum|>= 3|3/);
    const unknown = await templateChart(CHART, { release: 'rc', set: ['clustr.shards=3'] });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/clustr/);
  });

  it('keeps the pod template independent of the cluster shape, so scaling restarts no pod', async () => {
    const template = async (set: string[]) => JSON.stringify(onlyObject(await render(set.flatMap((x) => ['--set', x])), 'StatefulSet').spec.template);
    const base = await template([]);
    expect(await template(['cluster.shards=5'])).toBe(base);
    expect(await template(['cluster.replicasPerShard=2'])).toBe(base);
    const objs = await render(['--set', 'cluster.shards=5', '--set', 'cluster.replicasPerShard=2']);
    expect(onlyObject(objs, 'StatefulSet').spec.replicas).toBe(15);
    const topology = objs.find((o) => o.kind === 'ConfigMap' && o.name.endsWith('-topology'))!.object as Obj;
    expect(topology.data).toEqual({ shards: '5', 'replicas-per-shard': '2' });
    const pod = onlyObject(objs, 'StatefulSet').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'topology', mountPath: '/etc/redis-topology', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'topology', configMap: { name: topology.metadata.name } });
  });

  it('runs the scale-in Job as a pre-upgrade hook with its own hook ConfigMap, hardened like the bootstrap Job', async () => {
    const objs = await render();
    const jobs = objs.filter((o) => o.kind === 'Job').map((o) => o.object as Obj);
    const byHook = Object.fromEntries(jobs.map((j) => [j.metadata.annotations['helm.sh/hook'], j]));
    expect(Object.keys(byHook).sort()).toEqual(['post-install,post-upgrade,post-rollback', 'pre-upgrade,pre-rollback']);
    const scaleIn = byHook['pre-upgrade,pre-rollback']!;
    const bootstrap = byHook['post-install,post-upgrade,post-rollback']!;
    expect(scaleIn.spec.template.spec.containers[0].command).toEqual(['/scripts/scale-in.sh']);
    // Same pod shape apart from the script and where it comes from.
    const shape = (j: Obj) => {
      const spec = structuredClone(j.spec);
      delete spec.template.metadata.annotations;
      const c = spec.template.spec.containers[0];
      delete c.command;
      delete c.name;
      spec.template.spec.volumes = spec.template.spec.volumes.map((v: Obj) => (v.configMap ? { ...v, configMap: { ...v.configMap, name: '*' } } : v));
      return spec;
    };
    expect(shape(scaleIn)).toEqual(shape(bootstrap));
    expect(scaleIn.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('bootstrap'); // redis-netpol admits this component
    // Its scripts come from a pre-upgrade hook ConfigMap created before it (lower weight).
    const cmName = scaleIn.spec.template.spec.volumes.find((v: Obj) => v.name === 'scripts').configMap.name;
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.name === cmName)!.object as Obj;
    expect(cm.metadata.annotations['helm.sh/hook']).toBe(scaleIn.metadata.annotations['helm.sh/hook']);
    expect(Number(cm.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(Number(scaleIn.metadata.annotations['helm.sh/hook-weight']));
    for (const f of ['lib.sh', 'cli-lib.sh', 'scale-in.sh']) expect(cm.data[f]).toBe(readFileSync(path.join(CHART, 'scripts', f), 'utf8'));
  });

  it('puts no file path in the base redis.conf (start-node.sh writes dir, cluster-config-file and the TLS files)', async () => {
    for (const f of SCENARIOS) {
      const conf = String(
        onlyObject(
          (await render(scenario(f))).filter((o) => o.name.endsWith('-config')),
          'ConfigMap',
        ).data['redis.conf'],
      );
      const paths = confPathLines(conf);
      expect({ f, paths }).toEqual({ f, paths: [] });
    }
  });
});
