/**
 * Render tests of the master endpoint (haproxy.enabled): the real helm renders the chart, the
 * objects pass the Kubernetes schemas, every admission policy of policies/ (evaluated offline in a
 * production namespace) and the manifest-set checks; haproxy.cfg is asserted line by line where the
 * behaviour test (behaviour/haproxy.test.ts) relies on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { checkObjects, type RenderedObject } from '@redis-gitops/manifests';
import { checkManifestSet, evaluate, loadPolicies } from '@redis-gitops/policy';
import { onlyObject, renderChart, templateChart } from '@redis-gitops/redis-testkit';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(CHART, '..', '..');
const NAMESPACE = 'redis-prod';
const PRODUCTION = { 'redis-gitops.dev/tier': 'production', 'kubernetes.io/metadata.name': NAMESPACE };
const NAME = 'rs-redis-sentinel-haproxy';

type Obj = Record<string, any>;

const render = (args: string[] = []) => renderChart(CHART, { release: 'rs', namespace: NAMESPACE, args });
const ci = (f: string) => ['-f', path.join(CHART, 'ci', f)];
const cfgOf = (objs: RenderedObject[]): string => String(onlyObject(objs, 'ConfigMap', NAME).data['haproxy.cfg']);
const allPolicies = () =>
  loadPolicies(
    readdirSync(path.join(REPO, 'policies'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({ path: `policies/${d.name}/${d.name}.yaml`, text: readFileSync(path.join(REPO, 'policies', d.name, `${d.name}.yaml`), 'utf8') })),
  );

describe('redis-sentinel master endpoint (HAProxy)', () => {
  it('is off by default: no HAProxy object at all', async () => {
    const objs = await render();
    expect(objs.filter((o) => o.name.endsWith('-haproxy'))).toEqual([]);
  });

  it('production values: a hardened Deployment of 2 spread pods, a budget, a Service with redis -> master and redis-ro -> replicas; every policy and manifest-set check passes', async () => {
    const objs = await render(ci('production-values.yaml'));
    expect(await checkObjects(objs)).toEqual([]);
    // Findings about the Redis StatefulSets of these values (no backup here) are other tests' business.
    expect(
      evaluate(allPolicies(), objs, { namespaceLabels: PRODUCTION })
        .filter((r) => r.message.includes(NAME))
        .map((r) => r.message),
    ).toEqual([]);
    expect(checkManifestSet(objs, { tier: 'production', namespace: NAMESPACE }).filter((f) => f.message.includes(NAME))).toEqual([]);
    const d = onlyObject(objs, 'Deployment', NAME);
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toMatch(/^haproxy:\d+\.\d+\.\d+(-alpine)?$/);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 99, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'metrics' }, initialDelaySeconds: 4 });
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels['app.kubernetes.io/component']).toBe('haproxy');
    expect(pod.priorityClassName).toBe('redis-critical');
    expect(pod.nodeSelector['kubernetes.io/arch']).toBe('amd64');
    // Production values turn ACLs on: the checks log in as the monitor user, with its key of the system Secret.
    expect(c.env.find((e: Obj) => e.name === 'REDIS_USER').value).toBe('monitor');
    expect(c.env.find((e: Obj) => e.name === 'REDIS_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'redis-system-auth', key: 'monitor' });
    expect(onlyObject(objs, 'PodDisruptionBudget', NAME).spec.maxUnavailable).toBe(1);
    const svc = onlyObject(objs, 'Service', NAME);
    expect(svc.spec.ports).toEqual([
      { name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' },
      { name: 'redis-ro', port: 6380, targetPort: 'redis-ro', protocol: 'TCP' },
    ]);
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe('haproxy');
  });

  it('haproxy.cfg: every Redis pod by its fully qualified name in both backends, role:master for writes and role:slave for reads, AUTH from the environment, never the password itself', async () => {
    const cfg = cfgOf(await render(['--set', 'haproxy.enabled=true']));
    const servers = cfg.split('\n').filter((l) => l.trim().startsWith('server '));
    expect(servers).toHaveLength(6);
    for (let i = 0; i < 3; i++) expect(cfg).toContain(`server rs-redis-sentinel-node-${i} rs-redis-sentinel-node-${i}.rs-redis-sentinel-headless.${NAMESPACE}.svc.cluster.local:6379`);
    expect(cfg).toMatch(/backend redis-master\n(.*\n)*?\s+tcp-check expect min-recv 64 string role:master\n/);
    expect(cfg).toMatch(/backend redis-replicas\n(.*\n)*?\s+tcp-check expect min-recv 64 string role:slave\n/);
    expect(cfg).toContain('%[env(REDIS_PASSWORD)]');
    expect(cfg).not.toMatch(/pw-|redis-password/);
    expect(cfg).toMatch(/bind "\$\{POD_IP\}:6379"/);
    expect(cfg).toMatch(/default-server check inter 1s fastinter 250ms downinter 1s fall 2 rise 1 resolvers cluster-dns .* on-marked-down shutdown-sessions/);
    expect(cfg).toContain('parse-resolv-conf');
  });

  it('ci/haproxy-values.yaml: the check timing, the cluster domain and the read-only port come from the values; no AUTH without a password', async () => {
    const objs = await render(ci('haproxy-values.yaml'));
    expect(await checkObjects(objs)).toEqual([]);
    const cfg = cfgOf(objs);
    expect(cfg).toMatch(/default-server check inter 2s fastinter 500ms downinter 2s fall 3 rise 2 /);
    expect(cfg).toContain('timeout check 1500ms');
    expect(cfg).toContain('.svc.k8s.example.internal:6379');
    expect(cfg).toMatch(/bind "\$\{POD_IP\}:6390"/);
    expect(cfg).not.toMatch(/AUTH|REDIS_PASSWORD/);
    const d = onlyObject(objs, 'Deployment', NAME);
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0].env.map((e: Obj) => e.name)).toEqual(['POD_IP']);
    expect(d.spec.template.spec.containers[0].readinessProbe.initialDelaySeconds).toBe(10);
    expect(onlyObject(objs, 'Service', NAME).spec.type).toBe('LoadBalancer');
  });

  it('refuses haproxy with TLS (the checks speak plain TCP), and check times without a unit', async () => {
    const tls = await templateChart(CHART, { release: 'rs', namespace: NAMESPACE, args: ['--set', 'haproxy.enabled=true', '--set', 'tls.enabled=true', '--set', 'tls.existingSecret=t'] });
    expect(tls.code).not.toBe(0);
    expect(tls.stderr).toContain('haproxy.enabled with tls.enabled is not supported yet');
    const unitless = await templateChart(CHART, { release: 'rs', namespace: NAMESPACE, args: ['--set', 'haproxy.enabled=true', '--set', 'haproxy.check.inter=1000'] });
    expect(unitless.code).not.toBe(0);
    expect(unitless.stderr).toMatch(/haproxy\/check\/inter/);
  });
});
