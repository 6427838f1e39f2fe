/**
 * Chart unit tests: the real helm renders charts/redis-sentinel with each ci/ scenario, and the
 * parsed objects are asserted on (jest + the real helm instead of the helm-unittest plugin: one test runner for the whole repo).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { checkObjects, type RenderedObject } from '@redis-gitops/manifests';
import { chartScenarios, lintChart, onlyObject, renderChart, templateChart } from '@redis-gitops/redis-testkit';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = chartScenarios(CHART);

type Obj = Record<string, any>;

const render = (args: string[] = [], release = 'rs'): Promise<RenderedObject[]> => renderChart(CHART, { release, namespace: 'redis', args });

const scenario = (f: string) => ['-f', path.join(CHART, 'ci', f)];
const redisSts = (objs: RenderedObject[]) => onlyObject(objs, 'StatefulSet', 'rs-redis-sentinel-node');
const sentinelSts = (objs: RenderedObject[]) => onlyObject(objs, 'StatefulSet', 'rs-redis-sentinel-sentinel');
const container = (sts: Obj, name: string): Obj => sts.spec.template.spec.containers.find((c: Obj) => c.name === name);
const env = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);
const podSpecs = (objs: RenderedObject[]): [string, Obj][] =>
  objs.flatMap((o) => {
    const obj = o.object as Obj;
    if (o.kind === 'StatefulSet' || o.kind === 'Job' || o.kind === 'Deployment') return [[`${o.kind}/${o.name}`, obj.spec.template.spec] as [string, Obj]];
    if (o.kind === 'CronJob') return [[`${o.kind}/${o.name}`, obj.spec.jobTemplate.spec.template.spec] as [string, Obj]];
    return [];
  });
const configOf = (objs: RenderedObject[], key: string): string => String(onlyObject(objs, 'ConfigMap', 'rs-redis-sentinel-config').data[key]);

describe('redis-sentinel chart', () => {
  it('has the ci/ scenarios the platform relies on', () => {
    expect(SCENARIOS).toEqual(
      expect.arrayContaining([
        'default-values.yaml',
        'production-values.yaml',
        'arm64-small-values.yaml',
        'no-persistence-values.yaml',
        'announce-hostnames-values.yaml',
        'tls-values.yaml',
        'metrics-disabled-values.yaml',
      ]),
    );
  });

  it.each(SCENARIOS)('renders ci/%s into objects that pass the Kubernetes schemas, unknown fields included', async (f) => {
    const objs = await render(scenario(f));
    expect(await checkObjects(objs)).toEqual([]);
  });

  it('passes helm lint --strict with default values and every scenario', async () => {
    expect(await lintChart(CHART, SCENARIOS)).toEqual([]);
  });

  it('renders a Redis StatefulSet, a Sentinel StatefulSet, their Services, ConfigMaps and budgets, and no Secret', async () => {
    const objs = await render();
    expect(objs.map((o) => `${o.kind}/${o.name}`).sort()).toEqual([
      'ConfigMap/rs-redis-sentinel-config',
      'ConfigMap/rs-redis-sentinel-scripts',
      'PodDisruptionBudget/rs-redis-sentinel-node',
      'PodDisruptionBudget/rs-redis-sentinel-sentinel',
      'Service/rs-redis-sentinel',
      'Service/rs-redis-sentinel-headless',
      'Service/rs-redis-sentinel-sentinel',
      'Service/rs-redis-sentinel-sentinel-headless',
      'StatefulSet/rs-redis-sentinel-node',
      'StatefulSet/rs-redis-sentinel-sentinel',
    ]);
    const redis = redisSts(objs);
    expect(redis.spec.replicas).toBe(3); // 1 master + 2 replicas
    expect(redis.spec.serviceName).toBe('rs-redis-sentinel-headless');
    expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
    expect(redis.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const sentinel = sentinelSts(objs);
    expect(sentinel.spec.replicas).toBe(3);
    expect(sentinel.spec.serviceName).toBe('rs-redis-sentinel-sentinel-headless');
    expect(sentinel.spec.volumeClaimTemplates).toBeUndefined();
    expect(container(sentinel, 'sentinel').resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } });
    for (const name of ['rs-redis-sentinel-headless', 'rs-redis-sentinel-sentinel-headless']) {
      const svc = onlyObject(objs, 'Service', name);
      expect({ name, clusterIP: svc.spec.clusterIP, publish: svc.spec.publishNotReadyAddresses }).toEqual({ name, clusterIP: 'None', publish: true });
    }
    const discovery = onlyObject(objs, 'Service', 'rs-redis-sentinel-sentinel');
    expect(discovery.spec.ports).toEqual([{ name: 'sentinel', port: 26379, targetPort: 'sentinel', protocol: 'TCP' }]);
    expect(discovery.spec.selector['app.kubernetes.io/component']).toBe('sentinel');
    const client = onlyObject(objs, 'Service', 'rs-redis-sentinel');
    expect(client.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }]);
    expect(client.spec.selector['app.kubernetes.io/component']).toBe('redis');
    for (const kind of ['Service', 'PodDisruptionBudget']) {
      for (const o of objs.filter((x) => x.kind === kind)) expect(JSON.stringify((o.object as Obj).spec.selector)).toMatch(/"app.kubernetes.io\/component":"(redis|sentinel)"/);
    }
  });

  it('hardens every pod and container (exporter included) and sets resources everywhere', async () => {
    for (const f of SCENARIOS) {
      for (const [where, pod] of podSpecs(await render(scenario(f)))) {
        expect({ where, automount: pod.automountServiceAccountToken, links: pod.enableServiceLinks }).toEqual({ where, automount: false, links: false });
        // uid 999 is the redis image's "redis" user; the master endpoint (HAProxy) runs as the haproxy image's uid 99.
        const uid = where.endsWith('-haproxy') ? { runAsUser: 99, runAsGroup: 99 } : { runAsUser: 999, runAsGroup: 999, fsGroup: 999 };
        expect({ where, ctx: pod.securityContext }).toMatchObject({ where, ctx: { runAsNonRoot: true, ...uid, seccompProfile: { type: 'RuntimeDefault' } } });
        const volumes = new Map<string, Obj>(pod.volumes.map((v: Obj) => [v.name, v]));
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          const id = `${f} ${where} ${c.name}`;
          expect({ id, sc: c.securityContext }).toEqual({ id, sc: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } });
          expect({ id, req: Object.keys(c.resources?.requests ?? {}).sort(), mem: c.resources?.limits?.memory !== undefined }).toEqual({ id, req: ['cpu', 'memory'], mem: true });
          expect(c.image).not.toMatch(/:latest$/);
          expect(c.image).toMatch(/(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$/);
          // A read-only root: every path a script or server writes is a volume.
          const mounts = new Map<string, string>((c.volumeMounts ?? []).map((m: Obj) => [m.mountPath, m.name]));
          // HAProxy writes nothing at all (no pid file, no stats socket; haproxy-render.test.ts).
          if (c.name !== 'metrics' && c.name !== 'haproxy') {
            // The backup Job's, the drill's and the restore's containers (the bucket's upload and
            // fetch too) write only /tmp, the data volume and the backup or download volume.
            const writable = ['backup', 'restore', 'upload', 'fetch', 'drill'].includes(c.name) ? ['/tmp'] : ['/tmp', '/etc/redis-runtime'];
            for (const p of writable) expect({ id, p, emptyDir: volumes.get(mounts.get(p) ?? '')?.emptyDir !== undefined }).toEqual({ id, p, emptyDir: true });
            if (writable.includes('/etc/redis-runtime')) expect({ id, medium: volumes.get(mounts.get('/etc/redis-runtime')!)!.emptyDir.medium }).toEqual({ id, medium: 'Memory' });
          }
        }
      }
    }
  });

  it('probes never kill during an AOF load or a full resync, and the hooks run scripts the chart ships', async () => {
    const objs = await render();
    const scripts = onlyObject(objs, 'ConfigMap', 'rs-redis-sentinel-scripts').data as Record<string, string>;
    for (const [sts, name] of [
      [redisSts(objs), 'redis'],
      [sentinelSts(objs), 'sentinel'],
    ] as const) {
      const c = container(sts, name);
      expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(600);
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
        const script = path.basename(probe.exec.command[0]);
        expect({ name, script, shipped: script in scripts }).toEqual({ name, script, shipped: true });
        expect(probe.timeoutSeconds).toBeGreaterThanOrEqual(5);
      }
      expect(path.basename(c.command[0])).toBe(`start-${name}.sh`);
    }
    const redis = container(redisSts(objs), 'redis');
    expect(redis.livenessProbe.exec.command).toEqual(['/scripts/liveness-redis.sh']);
    expect(scripts['liveness-redis.sh']).toMatch(/LOADING\*\) echo "alive/);
    expect(redis.lifecycle.preStop.exec.command).toEqual(['/scripts/prestop-redis.sh']);
    expect(env(redis, 'PRESTOP_TIMEOUT')!.value).toBe('30'); // half of terminationGracePeriodSeconds 60
  });

  it('ships every scripts/*.sh file verbatim in the scripts ConfigMap, executable', async () => {
    const objs = await render();
    const data = onlyObject(objs, 'ConfigMap', 'rs-redis-sentinel-scripts').data as Record<string, string>;
    const files = readdirSync(path.join(CHART, 'scripts'))
      .filter((f) => f.endsWith('.sh'))
      .sort();
    expect(Object.keys(data).sort()).toEqual(files);
    for (const f of files) expect({ f, same: data[f] === readFileSync(path.join(CHART, 'scripts', f), 'utf8') }).toEqual({ f, same: true });
    const mode = redisSts(objs).spec.template.spec.volumes.find((v: Obj) => v.name === 'scripts').configMap.defaultMode;
    expect(mode).toBe(0o555);
  });

  it('derives maxmemory from the memory limit with headroom, and keeps passwords and replicaof out of the configs', async () => {
    const objs = await render(['--set', 'resources.limits.memory=1Gi', '--set', 'resources.requests.memory=1Gi', '--set-json', 'redis.maxmemoryRatio=0.5']);
    const redisConf = configOf(objs, 'redis.conf');
    expect(redisConf).toMatch(/^maxmemory 536870912$/m);
    for (const conf of [redisConf, configOf(objs, 'sentinel.conf')]) {
      expect(conf).not.toMatch(/^\s*(requirepass|masterauth|replicaof|slaveof|sentinel monitor|sentinel auth-pass)\b/m);
    }
    const noLimit = await templateChart(CHART, { release: 'rs', set: ['resources.limits.memory=null'] });
    expect(noLimit.code).not.toBe(0);
    expect(noLimit.stderr).toMatch(/resources.limits.memory is required/);
  });

  it('passes the Sentinel settings to both StatefulSets alike', async () => {
    const objs = await render(['--set', 'sentinel.masterSet=sessions', '--set', 'sentinel.downAfterMilliseconds=3000', '--set', 'sentinel.port=26380']);
    const r = container(redisSts(objs), 'redis');
    const s = container(sentinelSts(objs), 'sentinel');
    for (const name of [
      'MASTER_SET',
      'QUORUM',
      'DOWN_AFTER_MS',
      'FAILOVER_TIMEOUT',
      'PARALLEL_SYNCS',
      'SENTINEL_PORT',
      'HEADLESS_SERVICE',
      'SENTINEL_HEADLESS_SERVICE',
      'REDIS_STATEFULSET',
      'SENTINEL_STATEFULSET',
      'REDIS_NODES',
      'SENTINEL_COUNT',
      'ANNOUNCE_HOSTNAMES',
    ]) {
      expect({ name, redis: env(r, name)?.value }).toEqual({ name, redis: env(s, name)?.value });
    }
    expect(env(r, 'MASTER_SET')!.value).toBe('sessions');
    expect(env(r, 'DOWN_AFTER_MS')!.value).toBe('3000');
    expect(env(r, 'HEADLESS_SERVICE')!.value).toBe('rs-redis-sentinel-headless.redis.svc');
    expect(s.ports).toEqual([{ name: 'sentinel', containerPort: 26380, protocol: 'TCP' }]);
    expect(onlyObject(objs, 'Service', 'rs-redis-sentinel-sentinel').spec.ports[0].port).toBe(26380);
  });

  it('pins the images by tag, or by digest, and keeps a registry port apart from the tag', async () => {
    const byTag = await render(['--set', 'image.registry=registry.local:5000']);
    expect(container(redisSts(byTag), 'redis').image).toBe('registry.local:5000/redis:7.4.2');
    expect(container(sentinelSts(byTag), 'sentinel').image).toBe('registry.local:5000/redis:7.4.2');
    const digest = `sha256:${'a'.repeat(64)}`;
    const byDigest = await render(['--set', `image.digest=${digest}`, '--set', `metrics.image.digest=${digest}`]);
    expect(container(redisSts(byDigest), 'redis').image).toBe(`redis@${digest}`);
    expect(container(sentinelSts(byDigest), 'sentinel').image).toBe(`redis@${digest}`);
    expect(container(redisSts(byDigest), 'metrics').image).toBe(`oliver006/redis_exporter@${digest}`);
  });

  it('reads the passwords from the existing Secrets: the Sentinel one defaults to the Redis one', async () => {
    const def = await render(['--set', 'auth.existingSecret=my-auth', '--set', 'auth.passwordKey=pw']);
    for (const c of [container(redisSts(def), 'redis'), container(sentinelSts(def), 'sentinel'), container(redisSts(def), 'metrics')]) {
      expect({ c: c.name, ref: env(c, 'REDIS_PASSWORD')!.valueFrom.secretKeyRef }).toEqual({ c: c.name, ref: { name: 'my-auth', key: 'pw' } });
    }
    for (const c of [container(redisSts(def), 'redis'), container(sentinelSts(def), 'sentinel')]) {
      expect({ c: c.name, ref: env(c, 'SENTINEL_PASSWORD')!.valueFrom.secretKeyRef }).toEqual({ c: c.name, ref: { name: 'my-auth', key: 'pw' } });
    }
    const own = await render(['--set', 'sentinel.auth.existingSecret=s-auth', '--set', 'sentinel.auth.passwordKey=spw']);
    expect(env(container(sentinelSts(own), 'sentinel'), 'SENTINEL_PASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: 's-auth', key: 'spw' });
    expect(env(container(redisSts(own), 'redis'), 'SENTINEL_PASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: 's-auth', key: 'spw' });
    expect(env(container(redisSts(own), 'redis'), 'REDIS_PASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: 'rs-redis-sentinel-auth', key: 'redis-password' });
    const off = await render(scenario('metrics-disabled-values.yaml'));
    for (const c of [container(redisSts(off), 'redis'), container(sentinelSts(off), 'sentinel')]) {
      expect({ c: c.name, redis: env(c, 'REDIS_PASSWORD'), sentinel: env(c, 'SENTINEL_PASSWORD') }).toEqual({ c: c.name, redis: undefined, sentinel: undefined });
    }
    // No password value anywhere in the rendered objects, only references.
    expect(JSON.stringify(def.map((o) => o.object))).not.toMatch(/"value":"[^"]*pass/i);
  });

  it('pins the arch, makes anti-affinity hard for production on both StatefulSets, and spreads both', async () => {
    const prod = await render(scenario('production-values.yaml'));
    for (const sts of [redisSts(prod), sentinelSts(prod)]) {
      const pod = sts.spec.template.spec;
      expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'node-role.example.com/redis': 'true' });
      const [term] = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      expect(term.labelSelector.matchLabels).toEqual(sts.spec.selector.matchLabels);
      expect(pod.topologySpreadConstraints[0]).toMatchObject({ whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: sts.spec.selector.matchLabels } });
      expect(pod.priorityClassName).toBe('redis-critical');
    }
    expect(redisSts(prod).spec.template.spec.terminationGracePeriodSeconds).toBe(120);
    const pi = await render(scenario('arm64-small-values.yaml'));
    for (const sts of [redisSts(pi), sentinelSts(pi)]) {
      expect(sts.spec.template.spec.nodeSelector['kubernetes.io/arch']).toBe('arm64');
      expect(sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    }
    expect(redisSts(pi).spec.replicas).toBe(2);
    expect(configOf(pi, 'redis.conf')).toMatch(/^maxmemory 187904819$/m); // 256Mi x 0.7
  });

  it('uses an emptyDir and no claim when persistence is off, and no AOF or RDB', async () => {
    const objs = await render(scenario('no-persistence-values.yaml'));
    const sts = redisSts(objs);
    expect(sts.spec.volumeClaimTemplates ?? []).toEqual([]);
    expect(sts.spec.template.spec.volumes.find((v: Obj) => v.name === 'data')).toHaveProperty('emptyDir');
    expect(configOf(objs, 'redis.conf')).toMatch(/^appendonly no$/m);
    expect(configOf(objs, 'redis.conf')).toMatch(/^save ""$/m);
  });

  it('announces stable names to both sides with announceHostnames', async () => {
    const objs = await render(scenario('announce-hostnames-values.yaml'));
    expect(env(container(redisSts(objs), 'redis'), 'ANNOUNCE_HOSTNAMES')!.value).toBe('yes');
    expect(env(container(sentinelSts(objs), 'sentinel'), 'ANNOUNCE_HOSTNAMES')!.value).toBe('yes');
    expect(sentinelSts(objs).spec.replicas).toBe(5);
    const def = await render();
    expect(env(container(redisSts(def), 'redis'), 'ANNOUNCE_HOSTNAMES')!.value).toBe('no');
  });

  it('serves TLS on Redis, replication and the Sentinels, and the exporter scrapes over TLS', async () => {
    const objs = await render(scenario('tls-values.yaml'));
    for (const key of ['redis.conf', 'sentinel.conf']) {
      const conf = configOf(objs, key);
      expect(conf).toMatch(/^tls-replication yes$/m);
      expect(conf).toMatch(/^tls-cert-file \/tls\/tls.crt$/m);
    }
    for (const [sts, name] of [
      [redisSts(objs), 'redis'],
      [sentinelSts(objs), 'sentinel'],
      [redisSts(objs), 'metrics'],
      [sentinelSts(objs), 'metrics'],
    ] as const) {
      const c = container(sts, name);
      expect({ name, tls: c.volumeMounts.find((m: Obj) => m.mountPath === '/tls')?.readOnly }).toEqual({ name, tls: true });
      expect(sts.spec.template.spec.volumes.find((v: Obj) => v.name === 'tls').secret.secretName).toBe('redis-sentinel-tls');
    }
    expect(env(container(redisSts(objs), 'redis'), 'REDIS_TLS')!.value).toBe('yes');
    expect(container(redisSts(objs), 'metrics').args).toContain('--redis.addr=rediss://127.0.0.1:6379');
    // The Sentinel listens on its tls-port only: its exporter scrapes it over TLS with the client certificate.
    expect(container(sentinelSts(objs), 'metrics').args).toEqual([
      '--web.listen-address=:9121',
      '--redis.addr=rediss://127.0.0.1:26379',
      '--tls-client-cert-file=/tls/tls.crt',
      '--tls-client-key-file=/tls/tls.key',
      '--tls-ca-cert-file=/tls/ca.crt',
      '--skip-tls-verification',
    ]);
    const missing = await templateChart(CHART, { release: 'rs', set: ['tls.enabled=true'] });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/tls.existingSecret/);
  });

  it('runs the pinned redis_exporter sidecar in the Redis pods, with the password from the Secret, or none when disabled', async () => {
    const objs = await render();
    const exporter = container(redisSts(objs), 'metrics');
    expect(exporter.image).toBe('oliver006/redis_exporter:v1.81.0');
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(exporter.args).toEqual(['--web.listen-address=:9121', '--redis.addr=redis://127.0.0.1:6379']);
    expect(exporter.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
    expect(exporter.readinessProbe).toBeDefined();
    expect(exporter.livenessProbe).toBeDefined();
    const off = await render(scenario('metrics-disabled-values.yaml'));
    expect(redisSts(off).spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['redis']);
  });

  it('runs the same exporter sidecar in the Sentinel pods, scraping the local Sentinel with the Sentinel password, under the same switch', async () => {
    const objs = await render(['--set', 'metrics.port=9200', '--set', 'sentinel.port=26380', '--set', 'metrics.image.tag=v1.82.0']);
    const sts = sentinelSts(objs);
    expect(sts.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['sentinel', 'metrics']);
    expect(sts.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('sentinel');
    const exporter = container(sts, 'metrics');
    const redisExporter = container(redisSts(objs), 'metrics');
    // Same image, resources, probes and hardening as the Redis pods' sidecar; only the address differs.
    for (const k of ['image', 'imagePullPolicy', 'ports', 'resources', 'readinessProbe', 'livenessProbe', 'securityContext']) expect({ k, v: exporter[k] }).toEqual({ k, v: redisExporter[k] });
    expect(exporter.image).toBe('oliver006/redis_exporter:v1.82.0');
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9200, protocol: 'TCP' }]);
    expect(exporter.args).toEqual(['--web.listen-address=:9200', '--redis.addr=redis://127.0.0.1:26380']);
    // The Sentinel's requirepass is the Sentinel password (its own Secret when set), never the Redis one.
    expect(env(exporter, 'REDIS_PASSWORD')!.valueFrom.secretKeyRef).toEqual(env(container(sts, 'sentinel'), 'SENTINEL_PASSWORD')!.valueFrom.secretKeyRef);
    const own = await render(['--set', 'sentinel.auth.existingSecret=s-auth', '--set', 'sentinel.auth.passwordKey=spw']);
    expect(env(container(sentinelSts(own), 'metrics'), 'REDIS_PASSWORD')!.valueFrom.secretKeyRef).toEqual({ name: 's-auth', key: 'spw' });
    const noSentinelAuth = await render(['--set', 'sentinel.auth.enabled=false']);
    expect(container(sentinelSts(noSentinelAuth), 'metrics').env).toBeUndefined();
    const off = await render(scenario('metrics-disabled-values.yaml'));
    expect(sentinelSts(off).spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['sentinel']);
  });

  it('caps the Sentinel budget so that drains always leave enough Sentinels to fail over', async () => {
    const pdb = async (count: number, quorum: number, max: number) =>
      onlyObject(
        await render(['--set', `sentinel.count=${count}`, '--set', `sentinel.quorum=${quorum}`, '--set', `podDisruptionBudget.maxUnavailable=${max}`]),
        'PodDisruptionBudget',
        'rs-redis-sentinel-sentinel',
      ).spec.maxUnavailable;
    expect(await pdb(3, 2, 1)).toBe(1);
    expect(await pdb(5, 3, 2)).toBe(2);
    expect(await pdb(5, 4, 2)).toBe(1); // 5 - max(quorum 4, majority 3)
    expect(await pdb(3, 3, 2)).toBe(1); // never 0: that would block every drain
    const off = await render(['--set', 'podDisruptionBudget.enabled=false']);
    expect(off.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  it('keeps StatefulSet names within 52 characters (controller-revision-hash label) and Service names within 63 (DNS label) with a long release name', async () => {
    const objects = await render([], 'a-very-long-release-name-for-a-sentinel-group-x');
    for (const o of objects) {
      const limit = o.kind === 'StatefulSet' ? 52 : o.kind === 'Service' ? 63 : 253;
      expect({ name: o.name, fits: o.name.length <= limit }).toEqual({ name: o.name, fits: true });
    }
    expect(new Set(objects.map((o) => `${o.kind}/${o.name}`)).size).toBe(objects.length);
  });

  it('rejects bad values: schema violations, unknown keys, and a quorum no Sentinel group could reach', async () => {
    const small = await templateChart(CHART, { release: 'rs', set: ['replication.replicas=0'] });
    expect(small.code).not.toBe(0);
    expect(small.stderr).toMatch(/replication\/replicas|replication\.replicas/);
    const unknown = await templateChart(CHART, { release: 'rs', set: ['sentinel.qorum=2'] });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/qorum/);
    const quorum = await templateChart(CHART, { release: 'rs', set: ['sentinel.quorum=4'] });
    expect(quorum.code).not.toBe(0);
    expect(quorum.stderr).toMatch(/sentinel.quorum \(4\) is larger than sentinel.count \(3\)/);
  });
});
